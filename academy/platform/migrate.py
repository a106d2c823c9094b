"""Alembic migrations run programmatically (at start-up and by `flask db upgrade`)."""
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

SCRIPTS = Path(__file__).parent.parent / "migrations"


def alembic_config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = connection
    return config


STARTUP_LOCK = 0x61636164  # PostgreSQL advisory lock key ("acad")


def take_startup_turn(connection: Connection) -> None:
    """Hold, until this transaction ends, the lock that serialises start-up work (migrations, the first admin)
    when several workers or servers start at once.  On SQLite a write transaction (BEGIN IMMEDIATE) already
    excludes the others."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STARTUP_LOCK})


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate in one transaction; a second process starting at the same time waits, then finds nothing to do."""
    with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as connection:
        take_startup_turn(connection)
        command.upgrade(alembic_config(connection), revision)


def revision(engine: Engine, message: str) -> None:
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
