"""coaching_note: a manager's 1:1 coaching notes on a learner (academy.org.coaching).

Revision ID: 0025_coaching_note
Revises: 0024_weeks_on_local_clock
Create Date: 2026-12-13 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0025_coaching_note"
down_revision = "0024_weeks_on_local_clock"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("coaching_note",
                    sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("learner_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
                    sa.Column("coach_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
                    sa.Column("held_on", sa.Date(), nullable=False),
                    sa.Column("topic", sa.String(40), nullable=False),
                    sa.Column("summary", sa.Text(), nullable=False),
                    sa.Column("next_step", sa.Text(), nullable=False),
                    sa.Column("follow_up_on", sa.Date(), nullable=True),
                    sa.Column("created_at", sa.DateTime(), nullable=False))
    op.create_index("ix_coaching_note_learner", "coaching_note", ["learner_id", "held_on"])
    op.create_index("ix_coaching_note_coach", "coaching_note", ["coach_id", "held_on"])


def downgrade() -> None:
    op.drop_index("ix_coaching_note_coach", table_name="coaching_note")
    op.drop_index("ix_coaching_note_learner", table_name="coaching_note")
    op.drop_table("coaching_note")
