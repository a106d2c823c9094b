"""attempt.checked: items a learner has checked (review: immediate); their answers are frozen

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 00:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempt") as batch_op:
        batch_op.add_column(sa.Column("checked", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("attempt") as batch_op:
        batch_op.drop_column("checked")
