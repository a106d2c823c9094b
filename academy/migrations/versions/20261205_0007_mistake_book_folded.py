"""The 错题本 is folded from what happened instead of being rewritten at every submit: a graded attempt
keeps its outcomes (mistake-book key → answered right), a practice round is one row (once per practice form:
posted twice, it counts once), and the book is computed
from them (academy/quizzes/mistakes.py).  A graded submit wrote about one mistake_entry row per missed key
(19 of the 26 keys of the bench's quiz, plus 7 updates): 15 % of its CPU.

The mistake_entry rows stay as they are: they are where each learner's book starts.  Downgrading drops the
outcomes and the practice rounds, so the book goes back to how it stood at the upgrade.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("attempt", sa.Column("outcomes", sa.JSON(), nullable=True))
    op.create_table(
        "practice_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "token"),
    )


def downgrade() -> None:
    op.drop_table("practice_round")
    with op.batch_alter_table("attempt") as batch:
        batch.drop_column("outcomes")
