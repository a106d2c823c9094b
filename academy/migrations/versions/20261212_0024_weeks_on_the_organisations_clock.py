"""learner_week and team_week counted by the organisation's weeks (TIMEZONE; Monday 00:00 there), not UTC's: a
lesson finished at 07:00 on a Monday in Beijing was counted in the week before.  No table changes; the rows are
counted afresh.

Revision ID: 0024_weeks_on_local_clock
Revises: 0023_learner_target
Create Date: 2026-12-12 10:00:00
"""
from alembic import op

revision = "0024_weeks_on_local_clock"
down_revision = "0023_learner_target"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from academy.learning.progress_rows import rebuild_weeks  # the rows' one definition

    rebuild_weeks(op.get_bind())


def downgrade() -> None:
    """The UTC weeks are not restored: the rows stay counted by the organisation's weeks."""
