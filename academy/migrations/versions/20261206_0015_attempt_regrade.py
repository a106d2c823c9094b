"""attempt.regraded_version_id and attempt.regrade: after a regrade, the quiz version whose items re-scored the
attempt and the note its learner sees (reason, when, score before and after).  version_id keeps the version the
learner took.

Downgrading drops both columns: regraded attempts keep their corrected scores but show the version they were
taken on, without the note.

Revision ID: 0015_attempt_regrade
Revises: 0014_formats
Create Date: 2026-12-06 23:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_attempt_regrade"
down_revision = "0014_formats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ALTER TABLE, not a batch: on SQLite a batch's copy-and-drop of attempt would cascade-delete the rows that
    # refer to attempts (reviews, attempt_item).  No foreign key: SQLite cannot add one with ALTER TABLE.
    op.add_column("attempt", sa.Column("regraded_version_id", sa.Integer(), nullable=True))
    op.add_column("attempt", sa.Column("regrade", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE attempt DROP COLUMN regrade")  # SQLite >= 3.35, PostgreSQL; no batch (above)
    op.execute("ALTER TABLE attempt DROP COLUMN regraded_version_id")
