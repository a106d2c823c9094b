"""learner_target and learner_target_stamp: per learner and assignable target, the requirements met and touched,
and which requirements they were counted against (academy.learning.target_rows).  Created empty: until a
learner is counted (their next start, grade or lesson, or `flask refresh-targets`), their assignment status is
counted from the records, as before.

Revision ID: 0023_learner_target
Revises: 0022_team_week
Create Date: 2026-12-11 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0023_learner_target"
down_revision = "0022_team_week"
branch_labels = None
depends_on = None


def upgrade() -> None:
    user = sa.ForeignKey("user_account.id", ondelete="CASCADE")
    op.create_table("learner_target",
                    sa.Column("user_id", sa.Integer(), user, primary_key=True),
                    sa.Column("kind", sa.String(16), primary_key=True),
                    sa.Column("target_id", sa.String(120), primary_key=True),
                    sa.Column("met", sa.Integer(), nullable=False), sa.Column("touched", sa.Integer(), nullable=False))
    op.create_table("learner_target_stamp",
                    sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
                    sa.Column("version", sa.String(16), nullable=False))


def downgrade() -> None:
    op.drop_table("learner_target_stamp")
    op.drop_table("learner_target")
