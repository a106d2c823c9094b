"""The reads every signed-in page makes, run on the driver connection with SQL compiled once.

Each page reads the login session and the learner's progress.  Through an ORM session each statement
costs 40–80 µs of Python (session, connection, execution context, result object); the same SQL on the
driver's cursor costs about 5 µs on SQLite.  A `ReadQuery` is an ordinary SQLAlchemy Core `select`,
compiled once per dialect with its type processing (SQLite dates and booleans come back as Python
values), and returns named tuples.  The connection is taken from the engine's pool once per request
and reads in autocommit mode: these reads never need a transaction of their own, and on a write
request they stay outside its transaction (and outside SQLite's write lock).
"""
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select


@dataclass
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None  # parameter order for positional drivers (sqlite3), else None
    defaults: dict
    binders: dict[str, Callable]
    row: type
    readers: tuple[tuple[int, Callable], ...] | None = None  # set at the first run: they need the driver's column types


class ReadQuery:
    """A Core select run straight on the driver: `query.rows(reader, user_id=3)` → list of named tuples."""

    def __init__(self, statement: Select) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def rows(self, reader: "Reader", **params) -> list:
        compiled = self._compiled.get(reader.dialect.name) or self._compile(reader.dialect)
        values = compiled.defaults | params
        for name, bind in compiled.binders.items():
            values[name] = bind(values[name])
        arguments = tuple(values[n] for n in compiled.positional) if compiled.positional is not None else values
        rows, description = reader.fetch(compiled.sql, arguments)
        if compiled.readers is None:
            compiled.readers = self._readers(reader.dialect, description)
        if compiled.readers:
            rows = [_convert(row, compiled.readers) for row in rows]
        return [compiled.row._make(row) for row in rows]

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("ReadQuery cannot run expanding IN parameters; write the condition without them")
        binders, defaults = {}, {}
        for name, bind in compiled.binds.items():
            if not bind.required:
                defaults[name] = bind.effective_value
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                binders[name] = processor
        positional = tuple(compiled.positiontup) if compiled.positional else None
        row = namedtuple("Row", self.statement.selected_columns.keys())
        result = _Compiled(compiled.string, positional, defaults, binders, row)
        self._compiled[dialect.name] = result
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
    """A pooled driver connection in autocommit mode, held for one request and then returned.

    Its pool does not ping a connection before handing it out (that was a round trip on every PostgreSQL
    request).  Instead, a read that finds the database gone (restart, failover) drops every pooled connection
    and runs again once on a new one; as this is the first read of a signed-in request, the request's other
    connections are new ones too.
    """

    def __init__(self, engine) -> None:
        self.dialect, self._engine = engine.dialect, engine
        self._connection = engine.raw_connection()

    def fetch(self, sql: str, arguments) -> list:
        try:
            return self._fetch(sql, arguments)
        except self.dialect.loaded_dbapi.Error as exc:
            if not self.dialect.is_disconnect(exc, self._connection.dbapi_connection, None):
                raise
        self._connection.invalidate()
        self._engine.dispose()
        self._connection = self._engine.raw_connection()
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
