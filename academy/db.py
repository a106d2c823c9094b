"""Engine and per-request session; SQLite gets WAL, foreign keys and BEGIN IMMEDIATE for writes."""
import os
import threading

import orjson
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session

from academy.reads import Reader
from academy.sqlite_writers import TurnTakingConnection, lock_path_for

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class Base(DeclarativeBase):
    pass


def json_text(value) -> str:
    """JSON columns as compact UTF-8 text: a Chinese character takes 3 bytes instead of a 6-byte \\u escape
    (a graded quiz's answers: 2,006 → 1,430 bytes).  orjson writes the same text as `json.dumps(value,
    ensure_ascii=False, separators=(",", ":"))` about 4× faster (a graded submit's answers, result and
    outcomes: 55 → 12 µs)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


json_value = orjson.loads  # JSON text (or bytes) → Python values, as json.loads


def make_engine(url: str, **options) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite"):
        return create_engine(url, json_serializer=json_text, json_deserializer=json_value,
                             **({"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5} | options))
    engine = create_engine(url, json_serializer=json_text, json_deserializer=json_value,
                           connect_args={"timeout": 30, "check_same_thread": False, "factory": TurnTakingConnection})
    lock_path = lock_path_for(engine.url.database)
    event.listen(engine, "connect", lambda dbapi_connection, _record: _sqlite_on_connect(dbapi_connection, lock_path))
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def per_dialect(build) -> dict:
    """A statement built once per dialect from that dialect's `insert` (upserts differ between them), by
    dialect name."""
    return {"postgresql": build(postgresql.insert), "sqlite": build(sqlite.insert)}


def _sqlite_on_connect(dbapi_connection: TurnTakingConnection, lock_path: str | None) -> None:
    # Let SQLAlchemy emit BEGIN itself so writes can ask for BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    dbapi_connection.lock_path = lock_path
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
    if lock_path:  # a database file: checkpoints after commits, outside the writers' turn
        dbapi_connection.manage_checkpoints()


def _sqlite_on_begin(connection) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    # Straight to the driver: this runs at the start of every request's transaction.  Writers take turns on
    # a lock file first (academy.sqlite_writers).
    connection.connection.driver_connection.begin(mode)


def _read_engine(engine: Engine, url: str) -> Engine:
    """For reads that never commit: GET requests' sessions and `get_reader()`.  On PostgreSQL a small pool
    of its own in autocommit mode (no BEGIN and ROLLBACK round trips); SQLite's connections already read
    without them (deferred transactions, or the driver's autocommit for raw reads)."""
    if engine.dialect.name == "postgresql":  # no ping per checkout: `Reader` reconnects when the database went away
        return make_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)
    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_write_engine"] = engine.execution_options(sqlite_begin="IMMEDIATE")
    app.extensions["db_read_engine"] = _read_engine(engine, app.config["DATABASE_URL"])
    app.extensions["db_readers"] = threading.local()
    app.teardown_appcontext(close_session)


def dispose(app: Flask) -> None:
    """Close every pooled connection of the app's engines and this thread's reader (tests, forked servers)."""
    reader = app.extensions["db_readers"].__dict__.pop("reader", None)
    if reader is not None:
        reader.close()
    for key in ("db_engine", "db_read_engine"):
        app.extensions[key].dispose()


def get_engine() -> Engine:
    return current_app.extensions["db_engine"]


def _session(name: str, engine_key: str) -> Session:
    """The app context's session called `name`, bound to the engine stored under `engine_key`."""
    if name not in g:
        setattr(g, name, Session(bind=current_app.extensions[engine_key], expire_on_commit=False))
    return getattr(g, name)


def get_session() -> Session:
    """The session of this app context; write requests and CLI work begin IMMEDIATE on SQLite."""
    reading = has_request_context() and request.method not in WRITE_METHODS
    return _session("db_session", "db_read_engine" if reading else "db_write_engine")


def get_reader() -> Reader:
    """This thread's driver connection for the hot reads of `academy.reads` (autocommit: outside any write
    transaction of the request).  It stays open from request to request, as a pool keeps connections, but
    without checking one out of the pool and back in for every request (about 5 % of a page's time); a
    forked process opens its own."""
    kept = current_app.extensions["db_readers"]
    reader = getattr(kept, "reader", None)
    if reader is None or reader.pid != os.getpid():
        reader = kept.reader = Reader(current_app.extensions["db_read_engine"])
    return reader


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
