"""xAPI statements of attempts are built from the attempt rows at export (academy/xapi_export.py) instead of
being stored at start and grading: the stored ones would now be exported twice, so they go.  Their ids change
once (random → derived from the attempt); lesson statements stay as they are.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 10:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ATTEMPT_VERBS = ("attempted", "answered", "completed", "passed", "failed")


def upgrade() -> None:
    statements = sa.table("xapi_statement", sa.column("verb", sa.String))
    op.execute(statements.delete().where(statements.c.verb.in_(ATTEMPT_VERBS)))


def downgrade() -> None:
    """Nothing to restore: code of revision 0004 exports only the attempt statements it stored itself."""
