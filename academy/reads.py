"""The reads every signed-in page makes, run on the driver connection with SQL compiled once.

Each page reads the login session and the learner's progress.  Through an ORM session each statement
costs 40–80 µs of Python (session, connection, execution context, result object); the same SQL on the
driver's cursor costs about 5 µs on SQLite.  A `ReadQuery` is an ordinary SQLAlchemy Core `select`,
compiled once per dialect with its type processing (SQLite dates and booleans come back as Python
values), and returns named tuples.  Each thread keeps one connection for them, in autocommit mode: these
reads never need a transaction of their own, and on a write request they stay outside its transaction (and
outside SQLite's write lock).
"""
import os
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select


@dataclass(frozen=True)
class DriverSQL:
    """A Core statement compiled for one dialect, with what turns named values into the driver's arguments."""

    sql: str
    positional: tuple[str, ...] | None  # parameter order for positional drivers (sqlite3), else None
    defaults: dict
    binders: dict[str, Callable]

    def arguments(self, params: dict):
        """The driver's arguments for these values."""
        values = self.defaults | params
        for name, bind in self.binders.items():
            values[name] = bind(values[name])
        return tuple(values[n] for n in self.positional) if self.positional is not None else values


def driver_sql(statement, dialect: Dialect) -> DriverSQL:
    """Compile once: the SQL string, parameter order, default values and bind processors (e.g. SQLite dates)."""
    compiled = statement.compile(dialect=dialect)
    if "POSTCOMPILE" in compiled.string:
        raise ValueError("statements run on the driver cannot have expanding IN parameters")
    if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
        raise ValueError("statements run on the driver must give every column's value (column defaults are not applied)")
    binders, defaults = {}, {}
    for name, bind in compiled.binds.items():
        if not bind.required:
            defaults[name] = bind.effective_value
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binders[name] = processor
    return DriverSQL(compiled.string, tuple(compiled.positiontup) if compiled.positional else None, defaults, binders)


@dataclass
class _Compiled:
    driver: DriverSQL
    row: type
    readers: tuple[tuple[int, Callable], ...] | None = None  # set at the first run: they need the driver's column types


class ReadQuery:
    """A Core select run straight on the driver: `query.rows(reader, user_id=3)` → list of named tuples."""

    def __init__(self, statement: Select) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def rows(self, reader: "Reader", **params) -> list:
        compiled = self._compiled.get(reader.dialect.name) or self._compile(reader.dialect)
        rows, description = reader.fetch(compiled.driver.sql, compiled.driver.arguments(params))
        if compiled.readers is None:
            compiled.readers = self._readers(reader.dialect, description)
        if compiled.readers:
            rows = [_convert(row, compiled.readers) for row in rows]
        return [compiled.row._make(row) for row in rows]

    def _compile(self, dialect: Dialect) -> _Compiled:
        row = namedtuple("Row", self.statement.selected_columns.keys())
        result = self._compiled[dialect.name] = _Compiled(driver_sql(self.statement, dialect), row)
        return result

    def _readers(self, dialect: Dialect, description) -> tuple:
        """The type processing SQLAlchemy would apply to each column (e.g. SQLite text → datetime)."""
        readers = []
        for index, (column, described) in enumerate(zip(self.statement.selected_columns, description)):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, described[1])
            if processor is not None:
                readers.append((index, processor))
        return tuple(readers)


def _convert(row: tuple, readers: tuple) -> list:
    values = list(row)
    for index, processor in readers:
        values[index] = processor(values[index])
    return values


class Reader:
    """A driver connection in autocommit mode that one thread keeps from request to request
    (`academy.db.get_reader`).

    It is not pinged before use (that was a round trip on every PostgreSQL request).  Instead, a read that
    finds the database gone (restart, failover) drops every pooled connection of the engine and this one, and
    runs again once on a new one; as this is the first read of a signed-in request, the request's other
    connections are new ones too.
    """

    def __init__(self, engine) -> None:
        self.dialect, self._engine, self.pid = engine.dialect, engine, os.getpid()
        self._connection = self._connect()

    def _connect(self):
        """A connection of the engine's kind that this reader owns (detached from the pool, so it never goes
        back there and closes with the reader)."""
        connection = self._engine.raw_connection()
        connection.detach()
        return connection

    def fetch(self, sql: str, arguments) -> list:
        try:
            return self._fetch(sql, arguments)
        except self.dialect.loaded_dbapi.Error as exc:
            if not self.dialect.is_disconnect(exc, self._connection.dbapi_connection, None):
                raise
        self._connection.invalidate()
        self._engine.dispose()
        self._connection = self._connect()
        return self._fetch(sql, arguments)

    def _fetch(self, sql: str, arguments) -> list:
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql, arguments)
            return cursor.fetchall(), cursor.description
        finally:
            cursor.close()

    def close(self) -> None:
        self._connection.close()
