"""Write-only rows of a transaction (a graded attempt's item results and mistake book) in one executemany,
with the SQL compiled once per dialect.

SQLAlchemy's Core executemany processes every row's parameters in Python again; for the 18 rows of a
graded quiz that cost more than the write itself.  `ManyRows` sends the compiled SQL with the driver's
arguments through `exec_driver_sql`, on the caller's connection and inside its transaction, so event
listeners (statement counts) still see it.
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
