"""Writes with the SQL compiled once per dialect and the driver's arguments built before the transaction.

SQLAlchemy's Core execute compiles (or finds in its cache) and processes the parameters on each call.  A
`Written` statement is compiled once per dialect; `bind` turns named values into the driver's arguments
(JSON encoded, dates formatted) without a connection, so a submit does that work before it begins its write
transaction (on SQLite, before it takes the writers' lock).  `Bound.run` sends them through
`exec_driver_sql`, on the caller's connection and inside its transaction, so event listeners (statement
counts) still see them.
"""
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Dialect

from academy.reads import DriverSQL, driver_sql


@dataclass(frozen=True)
class Bound:
    """A statement with its driver arguments (a tuple or a dict)."""

    sql: str
    arguments: tuple | dict

    def run(self, connection: Connection) -> int:
        """Rows changed."""
        return connection.exec_driver_sql(self.sql, self.arguments).rowcount


class Written:
    """`Written(statement).bind(dialect, values)`.  The statement names every column it writes (`.values(...)`):
    column defaults are not applied here."""

    def __init__(self, statement) -> None:
        self.statement = statement
        self._compiled: dict[str, DriverSQL] = {}

    def bind(self, dialect: Dialect, values: dict) -> Bound:
        compiled = self._compiled.get(dialect.name) or self._compiled.setdefault(dialect.name, driver_sql(self.statement, dialect))
        return Bound(compiled.sql, compiled.arguments(values))
