"""Content versions in the database (issue 15): documents, their revisions, edit grants, and the token every
app server compares to see a publish.

Downgrading drops the four tables and every browser edit they hold (the files are untouched).

Revision ID: 0016_store
Revises: 0015_attempt_regrade
Create Date: 2026-12-07 00:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_store"
down_revision = "0015_attempt_regrade"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=True),
        sa.Column("published_number", sa.Integer(), nullable=True),
        sa.Column("draft_source", sa.Text(), nullable=True),
        sa.Column("draft_by_id", sa.Integer(), nullable=True),
        sa.Column("draft_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["draft_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("path"),
    )
    op.create_index("ix_content_document_owner_id", "content_document", ["owner_id"])
    op.create_table(
        "content_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.String(length=400), nullable=False),
        sa.Column("conflict", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["content_document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "number"),
    )
    op.create_table(
        "content_grant",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["content_document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["granted_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("document_id", "user_id"),
    )
    op.create_index("ix_content_grant_user", "content_grant", ["user_id"])
    op.create_table(
        "content_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("content_state")
    op.drop_table("content_grant")
    op.drop_table("content_revision")
    op.drop_table("content_document")
