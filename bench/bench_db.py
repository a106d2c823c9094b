"""The benchmarks' own PostgreSQL database: emptied before a run (only one whose name ends in _bench) and
analysed after seeding.  Used by bench/run.py and bench/capacity.py; and the statements an app sends to its
database, with their times (bench/reports.py, bench/exam_cpu.py, bench/page_cpu.py)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def statements_sent(app) -> Iterator[list[tuple[str, float, float]]]:
    """The statements the app sends to its database while the block runs, as (statement, CPU µs, wall µs) timed
    around the driver's execute (fetching the rows is not in it); a list filled as they are sent."""
    import time

    from sqlalchemy import event

    engine, seen, began = app.extensions["db_engine"], [], {}

    def before(*_args) -> None:
        began["cpu"], began["wall"] = time.process_time(), time.perf_counter()

    def after(_conn, _cursor, statement, *_args) -> None:
        seen.append((statement, (time.process_time() - began["cpu"]) * 1e6, (time.perf_counter() - began["wall"]) * 1e6))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def fresh_postgres(url: str) -> str:
    """Empty (or create) the benchmark's own PostgreSQL database; refuses any database not named *_bench."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    if not (target.database or "").endswith("_bench"):
        raise SystemExit(f"refusing to empty {target.database!r}: the benchmark database's name must end in _bench")
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first() is None:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()
    engine = create_engine(target)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def analyze_postgres(url: str) -> None:
    """Planner statistics for the freshly seeded tables, as autovacuum keeps them in a database in use (it would
    get to these tables only during the run, after the first round had been planned without statistics)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
