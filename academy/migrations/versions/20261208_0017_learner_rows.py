"""learner_summary, learner_skill, learner_week: the per-learner rows the manager reports aggregate
(academy.learning.progress_rows), filled for every existing learner.

Revision ID: 0017_learner_rows
Revises: 0016_store
Create Date: 2026-12-08 02:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_learner_rows"
down_revision = "0016_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learner_summary",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("lessons_done", sa.Integer(), nullable=False),
        sa.Column("last_lesson_at", sa.DateTime(), nullable=True),
        sa.Column("quizzes_graded", sa.Integer(), nullable=False),
        sa.Column("quizzes_passed", sa.Integer(), nullable=False),
        sa.Column("average_best", sa.Float(), nullable=True),
        sa.Column("best", sa.Float(), nullable=True),
        sa.Column("redline_quizzes", sa.Integer(), nullable=False),
    )
    op.create_table(
        "learner_skill",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("skill", sa.String(80), primary_key=True),
        sa.Column("right", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
    )
    op.create_table(
        "learner_week",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("lessons", sa.Integer(), nullable=False),
        sa.Column("quizzes", sa.Integer(), nullable=False),
    )
    op.create_index("ix_learner_week_week", "learner_week", ["week"])
    from academy.learning.progress_rows import refresh_all  # the rows' one definition, also for existing learners

    refresh_all(op.get_bind(), ("learner_summary", "learner_skill", "learner_week"))


def downgrade() -> None:
    op.drop_index("ix_learner_week_week", table_name="learner_week")
    for table in ("learner_week", "learner_skill", "learner_summary"):
        op.drop_table(table)
