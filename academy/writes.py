"""Write-only rows of a transaction (a graded attempt's item results and mistake book) in one executemany,
with the SQL compiled once per dialect.

SQLAlchemy's Core executemany compiles (or finds in its cache) and processes every row's parameters again
on each call; a graded 18-item quiz writes about 30 such rows per submit.  `ManyRows` sends the SQL compiled
once with the driver's arguments through `exec_driver_sql`, on the caller's connection and inside its
transaction, so event listeners (statement counts) still see it.
"""
from sqlalchemy.engine import Connection

from academy.reads import DriverSQL, driver_sql


class ManyRows:
    """`ManyRows(statement).run(connection, [row, …])`: one statement for all the rows, nothing when none.  The
    statement names every column it writes (`.values(...)`): column defaults are not applied here."""

    def __init__(self, statement) -> None:
        self.statement = statement
        self._compiled: dict[str, DriverSQL] = {}

    def run(self, connection: Connection, rows: list[dict]) -> None:
        if not rows:
            return
        name = connection.dialect.name
        compiled = self._compiled.get(name) or self._compiled.setdefault(name, driver_sql(self.statement, connection.dialect, True))
        connection.exec_driver_sql(compiled.sql, [compiled.arguments(row) for row in rows])
