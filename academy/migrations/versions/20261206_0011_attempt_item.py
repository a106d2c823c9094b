"""attempt_item: one row per graded attempt × top-level scored item (contract C3), which item analysis and the
manager reports aggregate in plain SQL on every database (json_each, which item figures used, has no
MariaDB equivalent under that name, and reports need the item's concept, stage and the response).

Existing graded attempts get their rows from the same function that keeps the table true from now on
(academy.learning.quizzes.item_rows.rows), reading the attempts with plain SQL so that later columns of
attempt do not matter here.  A stored version that no longer parses leaves its attempts without rows.

Downgrading drops the table; nothing else is lost (the rows are derived).

Revision ID: 0011_attempt_item
Revises: 0010
Create Date: 2026-12-06 23:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_attempt_item"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempt_item",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=120), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.String(length=80), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("item_type", sa.String(length=16), nullable=False),
        sa.Column("concept", sa.String(length=80), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("redline", sa.Boolean(), nullable=False),
        sa.Column("response", sa.String(length=400), nullable=False),
        sa.Column("graded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempt.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("attempt_id", "item_id"),
    )
    op.create_index("ix_attempt_item_quiz_item", "attempt_item", ["quiz_id", "item_id"])
    op.create_index("ix_attempt_item_user_quiz", "attempt_item", ["user_id", "quiz_id"])
    op.create_index("ix_attempt_item_concept", "attempt_item", ["concept"])
    _fill(op.get_bind())


def _fill(connection) -> None:
    from types import SimpleNamespace

    from academy.learning.questions import parse_quiz_text
    from academy.learning.quizzes.item_rows import rows

    table = sa.table("attempt_item", *(sa.column(name) for name in (
        "attempt_id", "item_id", "user_id", "quiz_id", "version_id", "item_type", "concept", "stage", "score", "points",
        "correct", "redline", "response")), sa.column("graded_at", sa.DateTime))
    attempt = sa.table("attempt", *(sa.column(name) for name in ("id", "user_id", "quiz_id", "version_id", "state")),
                       sa.column("answers", sa.JSON), sa.column("result", sa.JSON), sa.column("graded_at", sa.DateTime))
    version = sa.table("quiz_version", sa.column("id"), sa.column("snapshot", sa.JSON))
    for version_id, snapshot in connection.execute(sa.select(version.c.id, version.c.snapshot)).all():
        try:
            quiz, _sink = parse_quiz_text(snapshot["source"], snapshot["path"])
        except (KeyError, TypeError):
            quiz = None
        if quiz is None:
            continue
        graded = connection.execute(sa.select(attempt).where(attempt.c.version_id == version_id, attempt.c.state == "graded"))
        found = [row for found in graded for row in rows(SimpleNamespace(**found._mapping), quiz)]
        if found:
            connection.execute(table.insert(), found)


def downgrade() -> None:
    op.drop_table("attempt_item")
