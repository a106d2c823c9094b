"""Three single-column indexes go: each is the leading column of a unique constraint's index on the same
table, which serves the same lookups (and, on PostgreSQL, the cascading deletes of the foreign key).  Every
graded attempt wrote each of them again: an item_result entry per item, a mistake_entry entry per missed
item, and attempt's for the row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 14:30:00
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COVERED = (("ix_item_result_attempt_id", "item_result", "attempt_id"),  # by (attempt_id, item_id)
           ("ix_mistake_entry_user_id", "mistake_entry", "user_id"),    # by (user_id, quiz_id, item_id)
           ("ix_attempt_user_id", "attempt", "user_id"))                # by (user_id, quiz_id, number)


def upgrade() -> None:
    for name, table, _column in COVERED:
        op.drop_index(name, table)


def downgrade() -> None:
    for name, table, column in COVERED:
        op.create_index(name, table, [column])
