"""certificate.lapsed: a certificate revoked because a corrected grade (a reopened review, a second rating, a
regrade) took back its condition, to be issued again when the learner meets it again.  Revocations so far were
all made by people: none is lapsed.

Downgrading drops the column: lapsed certificates stay revoked (and are not issued again).

Revision ID: 0018_cert_lapsed
Revises: 0017_learner_rows
Create Date: 2026-12-08 00:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_cert_lapsed"
down_revision = "0017_learner_rows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("certificate", sa.Column("lapsed", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.execute("ALTER TABLE certificate DROP COLUMN lapsed")  # SQLite >= 3.35, PostgreSQL; no batch copy
