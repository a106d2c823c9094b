"""The only SQL that differs between the databases we run on: an upsert (and one that adds to the row it meets), the
start of a week, a table of values written into a statement, whether writers are serialised, and whether each
statement reads the latest committed rows.

SQLite and PostgreSQL write `INSERT … ON CONFLICT … DO UPDATE`; MariaDB has no ON CONFLICT and writes
`INSERT … ON DUPLICATE KEY UPDATE` instead.  Everything else the services write is portable Core or ORM.
"""
from functools import cache

from sqlalchemy import URL, Date, Integer, Select, Table, bindparam, cast, literal_column, select, text
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


def upsert_statement(dialect_name: str, table: Table, keys, values):
    """INSERT a row of `table` (its columns given as parameters when executed), or overwrite the columns named
    in `values` of the row with the same `keys` columns, in this dialect."""
    return _upsert_statement(dialect_name, table, tuple(keys), tuple(values))


@cache  # one statement per dialect, table and column set: built once, so each call only binds its parameters
def _upsert_statement(dialect_name: str, table: Table, keys: tuple[str, ...], values: tuple[str, ...]):
    if dialect_name in ("mysql", "mariadb"):
        statement = mysql.insert(table)
        return statement.on_duplicate_key_update(**{k: statement.inserted[k] for k in values})
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(index_elements=list(keys), set_={k: statement.excluded[k] for k in values})


def add_upsert(dialect_name: str, table: Table, keys: tuple[str, ...], values: tuple[str, ...], rows: Select):
    """INSERT the rows of the SELECT `rows` (its columns: `keys`, then `values`) into `table`, adding the `values`
    to those of a row with the same `keys` where there is one: a sum kept by adding changes to it."""
    columns = [*keys, *values]
    if dialect_name in ("mysql", "mariadb"):
        statement = mysql.insert(table).from_select(columns, rows)
        return statement.on_duplicate_key_update({v: table.c[v] + statement.inserted[v] for v in values})
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    statement = insert(table).from_select(columns, rows)
    return statement.on_conflict_do_update(index_elements=list(keys), set_={v: table.c[v] + statement.excluded[v] for v in values})


def upsert(connection: Connection, table: Table, keys: tuple[str, ...], rows: list[dict]) -> None:
    """Insert or overwrite these rows (dicts of the same columns), identified by their `keys` columns; one
    statement, executed for all of them."""
    if rows:
        values = tuple(name for name in rows[0] if name not in keys)
        connection.execute(upsert_statement(connection.dialect.name, table, keys, values), rows)


def serialises_writers(connection: Connection) -> bool:
    """SQLite lets one write transaction run at a time (BEGIN IMMEDIATE), so a recount cannot race another
    transaction's; the other databases need the rows locked."""
    return connection.dialect.name == "sqlite"


def statement_snapshots(dialect_name: str) -> bool:
    """Whether every statement sees the rows committed before it, inside a transaction or not: PostgreSQL's
    default READ COMMITTED.  A request's reads then need no transaction of their own (academy.platform.db); SQLite
    keeps one snapshot per transaction, MariaDB's default REPEATABLE READ too."""
    return dialect_name == "postgresql"


def continue_ids_after_bulk_insert(connection: Connection, table: Table) -> None:
    """After rows were inserted with explicit ids (a bulk seed), make the next generated id follow them.
    SQLite and MariaDB continue after the largest id by themselves; PostgreSQL's sequence must be moved."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                   f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))")


# The organisation's clock ahead of UTC in minutes (academy.platform.clock.day_offset_minutes), the second argument
# of `local_day` and `week_start` in statements built once: bound as `day_offset` on every run, as the zone is the
# deployment's.
DAY_OFFSET = bindparam("day_offset", type_=Integer)


class local_day(FunctionElement):
    """The date of a stored (UTC) timestamp on the organisation's clock: `local_day(timestamp, minutes)` with the
    clock's offset from UTC in minutes (usually DAY_OFFSET); one expression, written in each database's own date
    functions when the statement is compiled."""

    type = Date()
    inherit_cache = True
    name = "local_day"


class week_start(FunctionElement):
    """The date of the Monday that starts the organisation's week of a stored (UTC) timestamp: `week_start(timestamp,
    minutes)` as `local_day`."""

    type = Date()
    inherit_cache = True
    name = "week_start"


def _arguments(element, compiler, **kw) -> tuple[str, str]:
    moment, minutes = element.clauses
    return compiler.process(moment, **kw), compiler.process(minutes, **kw)


@compiles(local_day)
def _local_day_sqlite(element, compiler, **kw):
    moment, minutes = _arguments(element, compiler, **kw)
    return f"date({moment}, ({minutes}) || ' minutes')"


@compiles(week_start)
def _week_start_sqlite(element, compiler, **kw):  # SQLite: back six days, then forward to the next Monday
    moment, minutes = _arguments(element, compiler, **kw)
    return f"date({moment}, ({minutes}) || ' minutes', '-6 days', 'weekday 1')"


@compiles(local_day, "postgresql")
def _local_day_postgresql(element, compiler, **kw):
    moment, minutes = _arguments(element, compiler, **kw)
    return f"CAST({moment} + make_interval(mins => {minutes}) AS DATE)"


@compiles(week_start, "postgresql")
def _week_start_postgresql(element, compiler, **kw):
    moment, minutes = _arguments(element, compiler, **kw)
    return f"CAST(date_trunc('week', {moment} + make_interval(mins => {minutes})) AS DATE)"


@compiles(local_day, "mysql")
@compiles(local_day, "mariadb")
def _local_day_mysql(element, compiler, **kw):
    moment, minutes = _arguments(element, compiler, **kw)
    return f"DATE({moment} + INTERVAL {minutes} MINUTE)"


@compiles(week_start, "mysql")
@compiles(week_start, "mariadb")
def _week_start_mysql(element, compiler, **kw):
    moment, minutes = _arguments(element, compiler, **kw)
    shifted = f"({moment} + INTERVAL {minutes} MINUTE)"
    return f"SUBDATE(DATE({shifted}), WEEKDAY({shifted}))"


ARRAY_TYPES = {str: "TEXT[]", float: "FLOAT8[]", int: "BIGINT[]", bool: "BOOLEAN[]"}


def inline_table(dialect_name: str, name: str, columns: tuple, rows: list[tuple]):
    """A small table written into the statement (at least one row of plain values; each column a typed
    `column()`), to join like any other, as one piece of SQL text with its values in it (not parameters): the
    statement is the same for any learner, is prepared like any other on PostgreSQL, binds nothing per value when
    it runs (bound, the ~800 values of the assignment requirements cost more to send on every execution than the
    statement took to run: bench/README.md), and keys SQLAlchemy's compiled cache by one string (as ~800 literal
    elements, hashing the key was a sixth of a learner's dashboard on SQLite).  PostgreSQL reads it as `unnest`
    of one array per column, which it plans in a moment (a VALUES list or a UNION ALL of 120 rows took it 30 ms
    to plan); SQLite and MariaDB take a portable UNION ALL of a SELECT per row, whose first row names and
    casts the columns and the others are plain values (a cast and a label on every value would make the
    statement three times as long, and SQLAlchemy rewrites a statement's text on every execution when it has an
    expanding IN).  SQLAlchemy's own `values()` construct is not cached (it would be compiled on every request);
    these are."""
    dialect = _literal_dialect(dialect_name)
    if dialect_name == "postgresql":
        arrays = ", ".join(_sql_array(dialect, [row[j] for row in rows], col.type) for j, col in enumerate(columns))
        names = ", ".join(col.name for col in columns)
        sql = f"SELECT {names} FROM unnest({arrays}) AS {name}_rows ({names})"
    else:  # the first row names and types the columns; the others are plain values
        literals = [col.type.literal_processor(dialect) for col in columns]
        first = select(*(cast(literal_column(literal(value), type_=col.type), col.type).label(col.name)
                         for literal, value, col in zip(literals, rows[0], columns)))
        sql = " UNION ALL ".join([str(first.compile(dialect=dialect)), *(
            "SELECT " + ", ".join(literal(value) for literal, value in zip(literals, row)) for row in rows[1:])])
    # a colon in the values would start a parameter name in text()
    return text(sql.replace(":", "\\:")).columns(*columns).subquery(name)


def _literal_dialect(dialect_name: str):
    """The dialect whose rules quote the values: with named parameters, so that its literals do not double a
    per-cent sign; the statement's own compiler doubles it once for a driver that takes %-style parameters."""
    return URL.create(dialect_name).get_dialect()(paramstyle="named")


def _sql_array(dialect, values: list, type_) -> str:
    """ARRAY[…] of `values`, quoted by the dialect's rules for their type."""
    literal = type_.literal_processor(dialect)
    items = ", ".join(literal(value) for value in values)
    return f"CAST(ARRAY[{items}] AS {ARRAY_TYPES[type_.python_type]})"
