"""academy.platform.dialects: the one upsert, in each database's words."""
from sqlalchemy.dialects import mysql, postgresql, sqlite

from academy.learning.models import QuizTally
from academy.platform.dialects import upsert_statement

KEY = {"user_id": 1, "quiz_id": "q"}
VALUES = {"attempts": 2, "graded": 1, "in_review": 0}


def test_sqlite_and_postgresql_use_on_conflict():
    for name, dialect in (("sqlite", sqlite.dialect()), ("postgresql", postgresql.dialect())):
        sql = str(upsert_statement(name, QuizTally.__table__, KEY, VALUES).compile(dialect=dialect))
        assert "ON CONFLICT (user_id, quiz_id) DO UPDATE" in sql and "excluded.attempts" in sql, sql


def test_mariadb_uses_on_duplicate_key_update():
    sql = str(upsert_statement("mariadb", QuizTally.__table__, KEY, VALUES).compile(dialect=mysql.dialect()))
    assert "ON DUPLICATE KEY UPDATE" in sql and "ON CONFLICT" not in sql, sql
    assert "attempts = VALUES(attempts)" in sql or "attempts = new.attempts" in sql.replace("`", ""), sql


def test_an_inline_table_reads_back_its_rows_on_this_database(db):
    """dialects.inline_table: unnest of arrays on PostgreSQL, a UNION ALL elsewhere; either way the same rows, typed,
    joinable, with text that needs quoting kept as text."""
    from sqlalchemy import Float, String, column, select

    from academy.platform.dialects import inline_table

    columns = (column("key", String(16)), column("score", Float))
    rows = [("a", 1.0), ("it's", 60.5), ("'); DROP TABLE x; --", 0.0), ("back\\slash \\' 线索", -2.25),
            ("100% :key %(x)s %%", 3.0), ('"{a,b}"', 4.0)]
    table = inline_table(db.get_bind().dialect.name, "req", columns, rows)
    assert sorted(db.execute(select(table.c.key, table.c.score)).all()) == sorted(rows)
    assert db.execute(select(table.c.key).where(table.c.score > 50)).scalar_one() == "it's"


def test_an_inline_table_writes_its_values_into_the_text():
    """Written into the SQL (quoted by the dialect), so that executing the statement binds no parameter per value,
    on every database (PostgreSQL as arrays to unnest)."""
    from sqlalchemy import Integer, String, column, select
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    from academy.platform.dialects import inline_table

    columns = (column("key", String(16)), column("n", Integer))
    for name, dialect in (("sqlite", sqlite.dialect()), ("mysql", mysql.dialect()), ("postgresql", postgresql.dialect())):
        compiled = select(inline_table(name, "req", columns, [("it's", 1), ("b", 2)])).compile(dialect=dialect)
        assert len(compiled.params) == 0, name
        assert "'it''s'" in str(compiled) or "'it\\'s'" in str(compiled), str(compiled)


def test_an_inline_table_types_its_columns_once():
    """Outside PostgreSQL only the first row names and casts the columns; the other rows are plain values: the
    assignment requirements' table has ~120 rows, and a cast and a label on every value would make its statement
    three times as long."""
    from sqlalchemy import Integer, String, column, select
    from sqlalchemy.dialects import mysql, sqlite

    from academy.platform.dialects import inline_table

    columns = (column("key", String(16)), column("n", Integer))
    rows = [(f"k{n}", n) for n in range(50)]
    for name, dialect in (("sqlite", sqlite.dialect()), ("mysql", mysql.dialect())):
        sql = str(select(inline_table(name, "req", columns, rows)).compile(dialect=dialect)).upper()
        assert sql.count("CAST(") == len(columns), sql
        assert sql.count("UNION ALL SELECT") == len(rows) - 1, sql
