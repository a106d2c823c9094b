"""Accounts people can run (issue 14, item 5): user.must_change_password, set by an admin's password reset
and by the user import, sends the user to the change-password page until they choose their own; the
one-time passwords of an import wait in password_handout until the importing admin downloads them once.

Downgrading drops both: passwords still waiting for their download are lost, and users who had to change
their password no longer have to.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ALTER TABLE, not a batch (copy and rename): on SQLite with foreign keys on, dropping the old user_account
    # would cascade-delete every row that refers to a user (attempts, progress, sessions).
    op.add_column("user_account", sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(),
                                            nullable=False))
    op.create_table(
        "password_handout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["admin_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_index("ix_password_handout_admin_id", "password_handout", ["admin_id"])


def downgrade() -> None:
    op.drop_index("ix_password_handout_admin_id", "password_handout")
    op.drop_table("password_handout")
    op.execute("ALTER TABLE user_account DROP COLUMN must_change_password")  # SQLite >= 3.35, PostgreSQL; no batch (above)
