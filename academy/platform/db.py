"""The engine and the one database session of each request (or CLI command).

A view that writes says so with `@writes`, and runs in one write transaction.  On SQLite the checks before it
(the signed-in user) read in a short read transaction of their own, and the view's transaction is begun at once
with `BEGIN IMMEDIATE`, so writers queue on SQLite's own lock with a busy timeout, for the view's work only,
instead of failing when a read transaction tries to become a write one.  On PostgreSQL, where writers run side by
side, the checks' reads simply open the view's transaction.  Every other request reads, and its session refuses
to flush: a view that writes without saying so fails in its tests, not under load.  On PostgreSQL such a request
reads in autocommit (`reading_engine`) unless its view streams rows (`@streams`).  The choice follows what the
view does, not the HTTP method: a GET that writes (an audit row, say) declares it and gets a proper transaction on
every database.
"""
from collections.abc import Callable
from functools import wraps

import orjson
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session

from academy.platform.dialects import statement_snapshots
from academy.platform.sqlite_writers import TurnTakingConnection, lock_path_for

SQLITE_PRAGMAS = ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL")


class Base(DeclarativeBase):
    pass


class ReadOnlyRequest(RuntimeError):
    """A view that is not declared `@writes` tried to flush changes."""


def json_text(value) -> str:
    """JSON columns as compact UTF-8 text: a Chinese character takes 3 bytes instead of a 6-byte \\u escape."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


json_value = orjson.loads  # JSON text (or bytes) → Python values, as json.loads


def writes(view: Callable) -> Callable:
    """Declare that a view writes to the database: it runs in one write transaction (`begin_write`)."""

    @wraps(view)
    def in_write_transaction(*args, **kwargs):
        begin_write()
        return view(*args, **kwargs)

    in_write_transaction.writes = True
    return in_write_transaction


def streams(view: Callable) -> Callable:
    """Declare that a view that only reads streams rows through a server-side cursor (`yield_per`, a large export).
    PostgreSQL opens such a cursor only inside a transaction, so this request reads in one (not in autocommit:
    `reading_engine`)."""
    view.streams = True
    return view


def begin_write() -> None:
    """On SQLite the checks before the view (the signed-in user) end their read transaction, and the view's begins
    at once with `BEGIN IMMEDIATE`: SQLite's write lock is held for the view's work only.  Elsewhere the checks'
    reads are the start of the view's transaction: ending it and taking a new connection from the pool would cost
    three round trips (COMMIT, the pool's ping, BEGIN) and gain nothing where each statement reads the latest
    committed rows anyway (`statement_snapshots`)."""
    session = get_session()
    if statement_snapshots(session.get_bind().dialect.name):
        return
    end_read(session)
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


# PostgreSQL's planner prices reading a page at random as four sequential reads by default, a figure for
# spinning disks; with SSDs, or the tables in memory as the reports' are, 1.1 is the usual setting.  Under the
# default a one-team report read whole 10,000-row tables (user_role, learner_summary, the stamps) to find its 200
# learners instead of looking them up (bench/README.md: the team overview's statements 6.8 → 2.5 ms and
# 10 → 3.6 ms).  Set per session when it connects, so no database setting is needed; a DBA may set the same.
POSTGRESQL_OPTIONS = "-c random_page_cost=1.1"


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite"):
        connect_args = {"options": POSTGRESQL_OPTIONS} if url.startswith("postgresql") else {}
        return create_engine(url, json_serializer=json_text, json_deserializer=json_value,
                             pool_pre_ping=True, pool_use_lifo=True, pool_size=5, max_overflow=5, connect_args=connect_args)
    engine = create_engine(url, json_serializer=json_text, json_deserializer=json_value,
                           connect_args={"timeout": 30, "check_same_thread": False, "factory": TurnTakingConnection})
    lock_path = lock_path_for(engine.url.database)
    event.listen(engine, "connect", lambda dbapi_connection, _record: _sqlite_on_connect(dbapi_connection, lock_path))
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: TurnTakingConnection, lock_path: str | None) -> None:
    # SQLAlchemy emits BEGIN itself (below), so that a write transaction can ask for BEGIN IMMEDIATE; writers
    # take turns on a lock file first (academy.platform.sqlite_writers).
    dbapi_connection.isolation_level = None
    dbapi_connection.lock_path = lock_path
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    # Straight to the driver (SQLAlchemy's documented SQLite recipe, without its statement machinery: this runs
    # at the start of every request's transaction).
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.connection.driver_connection.begin(mode)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_write_engine"] = engine.execution_options(sqlite_begin="IMMEDIATE")  # CLI work
    app.extensions["db_read_engine"] = reading_engine(engine)
    app.teardown_appcontext(close_session)


def reading_engine(engine: Engine) -> Engine:
    """The engine of requests that only read.  Where every statement sees the latest committed rows inside a
    transaction as well (PostgreSQL's READ COMMITTED: `statement_snapshots`), they read in autocommit: BEGIN and
    COMMIT would be two round trips per request for nothing (bench/README.md).  On SQLite the read transaction is
    what keeps a page's statements on one snapshot, and costs no round trip."""
    if statement_snapshots(engine.dialect.name):
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def dispose(app: Flask) -> None:
    """Close every pooled connection (tests, forked servers)."""
    app.extensions["db_engine"].dispose()


def get_engine() -> Engine:
    return current_app.extensions["db_engine"]


def request_writes() -> bool:
    """Whether this app context may write: a view declared `@writes`, or work outside a request (CLI)."""
    return not has_request_context() or _view_declares("writes")


def _view_declares(declaration: str) -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, declaration, False))


def get_session() -> Session:
    """The one session of this app context, opened on first use."""
    if "db_session" not in g:
        writing = request_writes()
        cli = not has_request_context()
        engine = "db_write_engine" if cli else "db_engine" if writing or _view_declares("streams") else "db_read_engine"
        session = RequestSession(bind=current_app.extensions[engine], expire_on_commit=False)
        session.info["reads_only"] = not writing
        g.db_session = session
    return g.db_session


class RequestSession(Session):
    """The session of a request or a command: one that may only read refuses to flush a change."""


@event.listens_for(RequestSession, "before_flush")
def _refuse_flush(session: Session, _context, _instances) -> None:
    if not session.info.get("reads_only"):
        return
    if session.new or session.deleted or any(session.is_modified(obj) for obj in session.dirty):
        raise ReadOnlyRequest(f"{request.endpoint}: declare the view @writes to change the database")


def end_read(session: Session) -> None:
    """End a transaction that only read with COMMIT, which for a transaction that wrote nothing is the same as a
    rollback, except that psycopg drops every prepared statement on a rollback and keeps them over a commit:
    PostgreSQL then plans each statement once per connection instead of on every request (bench/README.md: a team
    report's statements 5.7 ms prepared, twice that planned; a submit's 26 planned on every write request).  A
    transaction with changes pending is rolled back: they are discarded, never written by the way."""
    if not session.in_transaction():
        return
    if session.new or session.dirty or session.deleted:
        session.rollback()
    else:
        session.commit()


def close_session(exc: BaseException | None = None) -> None:
    """End the request's session: a request that only read ends its transaction as `end_read` does; anything else
    (a failed request, a write view that did not commit) is rolled back by close()."""
    session = g.pop("db_session", None)
    if session is None:
        return
    if exc is None and session.info.get("reads_only"):
        end_read(session)
    session.close()
