"""SQLite writers take turns on a lock file (academy.platform.sqlite_writers): a second writer waits for the
first one's commit and is woken by it, instead of sleeping in SQLite's busy handler."""
import threading
import time

from sqlalchemy import text

from academy.platform.db import make_engine


def test_a_second_writer_waits_for_the_first_and_goes_on_when_it_commits(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    with writer.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    assert (tmp_path / "w.db-writers.lock").exists()
    order = []
    first_in = threading.Event()

    def first():
        with writer.begin() as conn:
            first_in.set()
            conn.execute(text("INSERT INTO t VALUES (1)"))
            time.sleep(0.2)
            order.append("first commits")

    def second():
        first_in.wait()
        started = time.perf_counter()
        with writer.begin() as conn:
            order.append("second in")
            conn.execute(text("INSERT INTO t VALUES (2)"))
        order.append(time.perf_counter() - started)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert order[:2] == ["first commits", "second in"]
    assert order[2] < 0.2 + 0.05  # woken at the commit, not after a busy-handler sleep
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2
    engine.dispose()
