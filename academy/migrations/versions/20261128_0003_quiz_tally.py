"""quiz_tally: per learner and quiz, what every grading method needs (pages stop reading every attempt);
an index for a learner's recent results

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 04:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quiz_tally",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("quiz_id", sa.String(80), primary_key=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("graded", sa.Integer(), nullable=False),
        sa.Column("in_review", sa.Integer(), nullable=False),
        sa.Column("in_progress_id", sa.Integer(), nullable=True),
        sa.Column("best_percent", sa.Float(), nullable=True),
        sa.Column("best_passed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("best_redline", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("latest_percent", sa.Float(), nullable=True),
        sa.Column("latest_passed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("latest_redline", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("average_percent", sa.Float(), nullable=True),
        sa.Column("any_redline", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_attempt_user_submitted", "attempt", ["user_id", "submitted_at"])
    # Existing attempts: computed by the same code that keeps the table true from now on.
    from academy.learning.quizzes.tally import rewrite

    connection = op.get_bind()
    rewrite(connection, sorted(tuple(row) for row in connection.execute(sa.text("SELECT DISTINCT user_id, quiz_id FROM attempt"))))


def downgrade() -> None:
    op.drop_index("ix_attempt_user_submitted", "attempt")
    op.drop_table("quiz_tally")
