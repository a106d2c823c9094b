"""learner_module: per learner and module, the lessons completed (academy.learning.progress_rows), filled for
every existing learner; the report's completion per module reads it.

Revision ID: 0019_learner_module
Revises: 0018_cert_lapsed
Create Date: 2026-12-09 05:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_learner_module"
down_revision = "0018_cert_lapsed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learner_module",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("module_id", sa.String(80), primary_key=True),
        sa.Column("lessons_done", sa.Integer(), nullable=False),
    )
    from academy.learning.progress_rows import refresh_all  # the rows' one definition, also for existing learners

    refresh_all(op.get_bind(), ("learner_module",))


def downgrade() -> None:
    op.drop_table("learner_module")
