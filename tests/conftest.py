"""Fixtures: one migrated database per run (SQLite file, or TEST_DATABASE_URL), emptied after every test."""
import os
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from academy.platform import migrate
from academy.platform.db import Base, dispose, make_engine
from app import create_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def database_url():
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        folder = tempfile.mkdtemp(prefix="academy-test-")
        url = f"sqlite:///{folder}/test.db"
    engine = make_engine(url)
    if not url.startswith("sqlite"):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate.upgrade(engine)
    engine.dispose()
    return url


def _empty_tables(app) -> None:
    engine = app.extensions["db_engine"]
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def make_app(database_url: str, tmp_path: Path, **extra):
    config = {
        "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "AUTO_MIGRATE": False,
        "CONTENT_DIR": str(ROOT),
    }
    config.update(extra)
    os.environ["INSTANCE_PATH"] = str(tmp_path / "instance")
    try:
        return create_app(config)
    finally:
        os.environ.pop("INSTANCE_PATH", None)


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    _empty_tables(app)
    dispose(app)


@pytest.fixture
def csrf_app(database_url, tmp_path):
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    yield app
    _empty_tables(app)
    dispose(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A session of the test's own: no app context is pushed, so requests never share it (or its g)."""
    from sqlalchemy.orm import Session

    session = Session(bind=app.extensions["db_engine"])
    yield session
    session.close()


@pytest.fixture
def admin_client(client, db):
    """The test client, signed in as an admin."""
    from tests.factories import login, make_user

    make_user(db, "boss", roles=("admin",))
    login(client, "boss")
    return client


@pytest.fixture
def trainer_client(client, db):
    """The test client, signed in as a trainer ("coach")."""
    from tests.factories import login, make_user

    make_user(db, "coach", roles=("trainer",))
    login(client, "coach")
    return client
