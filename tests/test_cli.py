"""Command line and configuration."""
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from academy.learning.models import Attempt
from academy.org.models import User
from academy.platform.config import InsecureConfig, check_production
from academy.platform.db import dispose, make_engine
from tests.conftest import ROOT, make_app


def test_seed_demo_is_idempotent(app, runner, db):
    first = runner.invoke(args=["seed-demo", "--password", "demo-pass-123"])
    assert "demo-pass-123" in first.output
    users = db.scalar(select(func.count()).select_from(User))
    assert users == 34
    assert db.scalar(select(func.count()).select_from(Attempt)) > 30
    with app.app_context():
        from academy.learning.content.catalog import get_catalog
        from academy.learning.courses.services import learner_progress
        from academy.platform.db import get_session

        for user in db.scalars(select(User).where(User.username.like("trainee%"))):
            for entry in learner_progress(get_session(), user.id, get_catalog()).modules:
                assert entry.status != "locked" or not any(s.attempts for _, s in entry.quizzes), user.username
    db.rollback()
    second = runner.invoke(args=["seed-demo"])
    assert "已存在" in second.output
    assert db.scalar(select(func.count()).select_from(User)) == 34


def test_create_user(runner, db):
    result = runner.invoke(args=["create-user", "zoe", "--role", "trainer", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    assert db.scalar(select(User).where(User.username == "zoe")).roles == {"trainer"}
    assert runner.invoke(args=["create-user", "zoe2", "--password", "short"]).exit_code != 0
    assert runner.invoke(args=["create-user", "zoe", "--password", "long-enough-1"]).exit_code != 0


def test_db_upgrade(runner):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_fresh_database_gets_one_admin_with_printed_password(tmp_path, capsys):
    app = make_app(f"sqlite:///{tmp_path}/fresh.db", tmp_path, AUTO_MIGRATE=True, TESTING=False)
    assert "初始密码" in capsys.readouterr().err
    with app.app_context():
        from academy.platform.db import get_session

        assert [u.username for u in get_session().scalars(select(User))] == ["admin"]
    dispose(app)


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A database with no tables, of the kind the suite runs on (a new SQLite file, or a new PostgreSQL
    database beside the test database)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/empty.db"
        return
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = "academy_startup_test"
    server = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with server.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    server.dispose()


WORKER = """
import sys, time
from pathlib import Path
from tests.conftest import make_app
url, folder = sys.argv[1], Path(sys.argv[2])
(folder / "ready").touch()
while not (folder.parent / "go").exists():
    time.sleep(0.005)
make_app(url, folder, AUTO_MIGRATE=True, TESTING=False)
"""


def test_workers_starting_together_migrate_once_and_create_one_admin(empty_database_url, tmp_path):
    """gunicorn starts its workers at the same moment, each running the start-up work of create_app.  Four
    processes are released together once each has imported the app (threads, as this test used, ran into
    a CPython 3.11 bug: compiling in several threads at once can raise 'AST constructor recursion depth
    mismatch', gh-106905)."""
    import time

    folders = [tmp_path / f"worker{n}" for n in range(4)]
    workers = []
    for folder in folders:
        folder.mkdir()
        workers.append(subprocess.Popen([sys.executable, "-c", WORKER, empty_database_url, str(folder)], cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + 60
    while not all((folder / "ready").exists() for folder in folders) and time.monotonic() < deadline:
        time.sleep(0.01)
    (tmp_path / "go").touch()
    outputs = [worker.communicate(timeout=90) for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * 4, outputs
    assert sum(err.count("初始密码") for _out, err in outputs) == 1, outputs
    engine = make_engine(empty_database_url)
    with engine.connect() as connection:
        assert connection.execute(select(User.username)).scalars().all() == ["admin"]
    engine.dispose()


@pytest.mark.parametrize("config", [
    {"PRODUCTION": True, "SECRET_KEY": "", "WEB_CONCURRENCY": 1, "REDIS_URL": "", "DATABASE_URL": "postgresql://x"},
    {"PRODUCTION": True, "SECRET_KEY": "k" * 40, "WEB_CONCURRENCY": 4, "REDIS_URL": "", "DATABASE_URL": "postgresql://x"},
])
def test_production_refuses_insecure_settings(config):
    with pytest.raises(InsecureConfig):
        check_production(config)


@pytest.mark.parametrize("database_url", ["postgresql://x", "sqlite:////srv/academy/academy.db"])
def test_production_accepts_secure_settings(database_url):
    """Several workers on one host may share a SQLite file (WAL, BEGIN IMMEDIATE, busy timeout)."""
    check_production({"PRODUCTION": True, "SECRET_KEY": "k" * 40, "WEB_CONCURRENCY": 4,
                      "REDIS_URL": "redis://127.0.0.1:6379/0", "DATABASE_URL": database_url})


def flask_command(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "INSTANCE_PATH": str(tmp_path / "instance")}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_check_content_only_reads_the_content(tmp_path):
    """No database is created or migrated as a side effect (issue 14 item 6)."""
    result = flask_command(tmp_path, "check-content", "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 个错误，0 个警告" in result.stdout
    assert not list(tmp_path.glob("cli.db*"))


def test_flask_commands_migrate_the_database_they_use_but_create_no_admin(tmp_path):
    result = flask_command(tmp_path, "export-xapi")
    assert result.returncode == 0, result.stderr
    assert "初始密码" not in result.stdout + result.stderr
    engine = make_engine(f"sqlite:///{tmp_path}/cli.db")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(User)).scalar() == 0  # migrated, but no admin
    engine.dispose()


def test_migrations_match_the_models(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from academy.platform.db import Base

    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()
