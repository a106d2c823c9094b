"""SQLite writers take turns on a lock file (academy.sqlite_writers): a second writer waits for the first one's
commit or rollback and is let in at once, readers never wait, and the lock goes with the transaction."""
import fcntl
import os
import threading
import time

import pytest

from sqlalchemy import text

from academy.db import make_engine


def writer_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    return engine, engine.execution_options(sqlite_begin="IMMEDIATE")


def second_writer(writer, log: list) -> threading.Thread:
    def run():
        with writer.begin() as conn:
            log.append(("second in", time.monotonic()))
            conn.execute(text("INSERT INTO t VALUES (2)"))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def lock_file_is_held(tmp_path) -> bool:
    fd = os.open(tmp_path / "w.db-writers.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_write_transaction_holds_the_lock_file_until_it_ends(tmp_path):
    engine, writer = writer_engine(tmp_path)
    for end in ("commit", "rollback", "close"):
        conn = writer.connect()
        conn.begin()
        assert lock_file_is_held(tmp_path), end
        getattr(conn, end)()
        assert not lock_file_is_held(tmp_path), end
        conn.close()
    with engine.begin():
        assert not lock_file_is_held(tmp_path)  # reads (deferred) do not take it
    engine.dispose()


@pytest.mark.parametrize("end", ["commit", "rollback", "commit"])  # twice: one fast wake-up could be luck
def test_a_writer_waits_for_the_other_and_enters_when_it_ends(tmp_path, end):
    """SQLite's own busy handler would sleep in steps of up to 100 ms; the turn is handed over at once."""
    engine, writer = writer_engine(tmp_path)
    log: list = []
    first = writer.connect()
    first.begin()
    first.execute(text("INSERT INTO t VALUES (1)"))
    thread = second_writer(writer, log)
    time.sleep(0.34)  # SQLite's busy handler would next look at about 0.43 s
    assert log == []  # still waiting
    ended = time.monotonic()
    getattr(first, end)()
    thread.join(5)
    first.close()
    assert not thread.is_alive() and log and log[0][1] - ended < 0.06, end  # woken at once, not after a sleep
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == ([1, 2] if end == "commit" else [2])
    engine.dispose()


def test_readers_do_not_wait_for_a_writer(tmp_path):
    engine, writer = writer_engine(tmp_path)
    with writer.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        with engine.connect() as reader:  # a deferred transaction: no turn needed
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
    engine.dispose()


def test_a_closed_connection_gives_up_its_turn(tmp_path):
    engine, writer = writer_engine(tmp_path)
    conn = writer.connect()
    conn.begin()
    conn.invalidate()  # closes the driver connection mid-transaction
    log: list = []
    second_writer(writer, log).join(5)
    assert log
    engine.dispose()


def test_an_unusable_lock_file_falls_back_to_sqlites_own_waiting(tmp_path, caplog):
    engine, writer = writer_engine(tmp_path)
    (tmp_path / "w.db-writers.lock").mkdir()  # a directory in its place: flock() cannot use it
    with writer.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1
    assert "lock file" in caplog.text
    engine.dispose()


def test_a_connection_dropped_without_closing_frees_the_lock(tmp_path):
    import gc
    import sqlite3

    from academy.sqlite_writers import TurnTakingConnection

    conn = sqlite3.connect(tmp_path / "w.db", factory=TurnTakingConnection, isolation_level=None)
    conn.lock_path = str(tmp_path / "w.db-writers.lock")
    conn.begin("IMMEDIATE")
    assert lock_file_is_held(tmp_path)
    del conn
    gc.collect()
    assert not lock_file_is_held(tmp_path)


def before_checkpoints(monkeypatch, hook) -> None:
    """Call hook() before each WAL checkpoint a TurnTakingConnection runs (it may raise, as SQLite would)."""
    from academy import sqlite_writers

    real_execute = sqlite_writers.TurnTakingConnection.execute

    def watched(self, sql, *args):
        if "wal_checkpoint" in sql:
            hook()
        return real_execute(self, sql, *args)

    monkeypatch.setattr(sqlite_writers.TurnTakingConnection, "execute", watched)


def test_the_wal_is_checkpointed_after_commits_outside_the_writers_turn(tmp_path, monkeypatch):
    """No automatic checkpoint inside COMMIT: every CHECKPOINT_EVERY commits of a connection copy the WAL back
    into the database file after the turn has been handed on."""
    from academy import sqlite_writers

    checkpointed_while_holding = []
    before_checkpoints(monkeypatch, lambda: checkpointed_while_holding.append(lock_file_is_held(tmp_path)))
    engine, writer = writer_engine(tmp_path)
    every, database = sqlite_writers.CHECKPOINT_EVERY, tmp_path / "w.db"
    with engine.connect() as conn:  # the pool's one connection: the schema's commit counted already
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    size = database.stat().st_size
    for n in range(every - 2):
        with writer.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
    assert database.stat().st_size == size and not checkpointed_while_holding  # all of it still in the WAL
    with writer.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (-1)"))
    assert checkpointed_while_holding == [False]
    assert database.stat().st_size > size
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == every - 1
    engine.dispose()


def test_a_failed_checkpoint_leaves_the_commit_standing(tmp_path, monkeypatch, caplog):
    import sqlite3

    from academy import sqlite_writers

    def locked():
        raise sqlite3.OperationalError("database is locked")

    before_checkpoints(monkeypatch, locked)
    monkeypatch.setattr(sqlite_writers, "CHECKPOINT_EVERY", 1)
    engine, writer = writer_engine(tmp_path)
    with writer.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1
    assert "checkpoint skipped" in caplog.text
    engine.dispose()
