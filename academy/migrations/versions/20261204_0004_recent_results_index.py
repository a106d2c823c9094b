"""A learner's recent results read in index order: the index on (user_id, submitted_at) gains id, the
tie-breaker of that order, so the newest few are read without sorting all of the learner's attempts

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 06:20:00
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_attempt_user_submitted", "attempt")
    op.create_index("ix_attempt_user_submitted", "attempt", ["user_id", "submitted_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_attempt_user_submitted", "attempt")
    op.create_index("ix_attempt_user_submitted", "attempt", ["user_id", "submitted_at"])
