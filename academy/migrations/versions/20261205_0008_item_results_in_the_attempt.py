"""item_result goes: every row repeated what the attempt's own result already holds (item id → score,
points, correct, red line), written in the same UPDATE, and nothing read it.  Item figures are aggregated in
SQL from the results (academy/quizzes/item_figures.py).  A graded submit wrote one row per item (18 for the
bench's quiz).

Downgrading recreates the table empty: code of revision 0007 only wrote it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("item_result")


def downgrade() -> None:
    op.create_table(
        "item_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=120), nullable=False),
        sa.Column("item_type", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("redline", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempt.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("attempt_id", "item_id"),
    )
