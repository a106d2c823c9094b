"""team_week: per team and week, the sums of its active trainees' learner_week rows (academy.org.team_sums,
declared in academy.learning.team_rows), counted for the existing learners; progress by week reads them.

Revision ID: 0022_team_week
Revises: 0021_lesson_progress_index
Create Date: 2026-12-10 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_team_week"
down_revision = "0021_lesson_progress_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("team_week",
                    sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
                    sa.Column("week", sa.Date(), primary_key=True), sa.Column("lessons", sa.Integer(), nullable=False),
                    sa.Column("quizzes", sa.Integer(), nullable=False))
    from academy.learning.team_rows import WEEKS  # the sum's one definition (declared on import)
    from academy.org.team_sums import rebuild

    rebuild(op.get_bind(), [WEEKS])


def downgrade() -> None:
    op.drop_table("team_week")
