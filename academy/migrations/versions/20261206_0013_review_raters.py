"""Role-play reviews become one row per rater and review round: the unique on attempt_id goes; rater
(first|second), review_round, reopened_at and reopen_reason come, with a unique (attempt_id, review_round,
rater) and an index for the history by reviewer.  Existing reviews become round 1, first rater.  The review queue
(attempts awaiting review, oldest first) gets an index on attempt (state, submitted_at).

Downgrading keeps one row per attempt (the open round's first rating) and drops second ratings and reopened
rounds.

Revision ID: 0013_review
Revises: 0012_assign
Create Date: 2026-12-06 23:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_review"
down_revision = "0012_assign"
branch_labels = None
depends_on = None

# SQLite reports the old unique without a name: the batch's copy names it by this convention so it can be dropped.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _attempt_unique_name() -> str:
    for unique in sa.inspect(op.get_bind()).get_unique_constraints("roleplay_review"):
        if unique["column_names"] == ["attempt_id"]:
            return unique["name"] or "uq_roleplay_review_attempt_id"
    raise RuntimeError("roleplay_review has no unique constraint on attempt_id")


def upgrade() -> None:
    name = _attempt_unique_name()
    # The copy drops and renames roleplay_review only: no table refers to it, so nothing cascades.
    with op.batch_alter_table("roleplay_review", naming_convention=NAMING) as batch:
        batch.drop_constraint(name, type_="unique")
        batch.add_column(sa.Column("review_round", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("rater", sa.String(length=8), server_default="first", nullable=False))
        batch.add_column(sa.Column("reopened_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reopen_reason", sa.Text(), nullable=True))
        batch.create_unique_constraint("uq_roleplay_review_rater", ["attempt_id", "review_round", "rater"])
        batch.create_index("ix_roleplay_review_reviewer", ["reviewer_id", "created_at"])
    op.create_index("ix_attempt_state_submitted", "attempt", ["state", "submitted_at"])


def downgrade() -> None:
    op.drop_index("ix_attempt_state_submitted", table_name="attempt")
    op.execute("DELETE FROM roleplay_review WHERE rater <> 'first' OR reopened_at IS NOT NULL")
    with op.batch_alter_table("roleplay_review") as batch:
        batch.drop_index("ix_roleplay_review_reviewer")
        batch.drop_constraint("uq_roleplay_review_rater", type_="unique")
        batch.drop_column("reopen_reason")
        batch.drop_column("reopened_at")
        batch.drop_column("rater")
        batch.drop_column("review_round")
        batch.create_unique_constraint("roleplay_review_attempt_id_key", ["attempt_id"])
