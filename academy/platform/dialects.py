"""The only SQL that differs between the databases we run on: an upsert, and locking a row for a rewrite.

SQLite and PostgreSQL write `INSERT … ON CONFLICT … DO UPDATE`; MariaDB has no ON CONFLICT and writes
`INSERT … ON DUPLICATE KEY UPDATE` instead.  Everything else the services write is portable Core or ORM.
"""
from sqlalchemy import Table
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection


def upsert(connection: Connection, table: Table, keys: dict, values: dict) -> None:
    """Insert the row with these key columns, or overwrite its other columns with `values`."""
    name = connection.dialect.name
    row = keys | values
    if name in ("mysql", "mariadb"):
        statement = mysql.insert(table).values(row)
        connection.execute(statement.on_duplicate_key_update(**{k: statement.inserted[k] for k in values}))
        return
    insert = postgresql.insert if name == "postgresql" else sqlite.insert
    statement = insert(table).values(row)
    connection.execute(statement.on_conflict_do_update(index_elements=list(keys),
                                                       set_={k: statement.excluded[k] for k in values}))


def serialises_writers(connection: Connection) -> bool:
    """SQLite lets one write transaction run at a time (BEGIN IMMEDIATE), so a recount cannot race another
    transaction's; the other databases need the rows locked."""
    return connection.dialect.name == "sqlite"
