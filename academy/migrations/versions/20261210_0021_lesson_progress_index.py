"""Drop ix_lesson_progress_user_id: the unique (user_id, lesson_id) index leads with user_id and answers the same
lookups; with both, PostgreSQL probed a learner's lessons by user_id alone and filtered by lesson, reading every
lesson row of the learner for each requirement of the assignment status (bench/README.md has the figures).

Revision ID: 0021_lesson_progress_index
Revises: 0020_team_sums
Create Date: 2026-12-10 09:00:00
"""
from alembic import op

revision = "0021_lesson_progress_index"
down_revision = "0020_team_sums"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lesson_progress") as batch_op:
        batch_op.drop_index("ix_lesson_progress_user_id")


def downgrade() -> None:
    with op.batch_alter_table("lesson_progress") as batch_op:
        batch_op.create_index("ix_lesson_progress_user_id", ["user_id"], unique=False)
