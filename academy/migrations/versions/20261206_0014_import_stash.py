"""A question file waiting between the import's preview and its confirmation (academy.authoring.import_stash).

Downgrading drops the table and any file still waiting.

Revision ID: 0014_formats
Revises: 0013_review
Create Date: 2026-12-06 23:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_formats"
down_revision = "0013_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_stash",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(length=60), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_index("ix_import_stash_user_id", "import_stash", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_import_stash_user_id", table_name="import_stash")
    op.drop_table("import_stash")
