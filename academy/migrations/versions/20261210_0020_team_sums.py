"""team_skill, team_module, team_quiz: per team, the sums of its active trainees' learner_skill, learner_module
and quiz_tally rows (academy.org.team_sums, declared in academy.learning.team_rows), counted for the existing
learners; the reports over a whole organisation read them.

Revision ID: 0020_team_sums
Revises: 0019_learner_module
Create Date: 2026-12-10 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_team_sums"
down_revision = "0019_learner_module"
branch_labels = None
depends_on = None


def _team_id() -> sa.Column:
    return sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)


def upgrade() -> None:
    op.create_table("team_skill", _team_id(), sa.Column("kind", sa.String(8), primary_key=True),
                    sa.Column("skill", sa.String(80), primary_key=True), sa.Column("right", sa.Integer(), nullable=False),
                    sa.Column("answered", sa.Integer(), nullable=False))
    op.create_table("team_module", _team_id(), sa.Column("module_id", sa.String(80), primary_key=True),
                    sa.Column("lessons_done", sa.Integer(), nullable=False))
    op.create_table("team_quiz", _team_id(), sa.Column("quiz_id", sa.String(80), primary_key=True),
                    sa.Column("graded", sa.Integer(), nullable=False), sa.Column("passed", sa.Integer(), nullable=False))
    from academy.learning.team_rows import MODULES, QUIZZES, SKILLS  # the sums' one definition (declared on import)
    from academy.org.team_sums import rebuild

    rebuild(op.get_bind(), [SKILLS, MODULES, QUIZZES])


def downgrade() -> None:
    for table in ("team_quiz", "team_module", "team_skill"):
        op.drop_table(table)
