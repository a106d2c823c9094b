"""SQLite write transactions take turns on an OS file lock before SQLite's own lock.

SQLite lets one writer in at a time, and a writer that finds the database locked by another process is not
woken when the lock is free: its busy handler sleeps and retries in growing steps (1 ms up to 100 ms).  With
two workers, submits spent most of their time asleep: measured with `bench/run.py` (see bench/README.md),
submit 0.029 of the floor and p99 653 ms without this module, 0.14 and 9 ms with it.  `flock()` queues the
writers in the kernel and wakes the next one as soon as the lock file is released, in this process or
another.  SQLite's busy timeout stays as the fallback for other programs that open the database.

It is used only by `academy.platform.db.make_engine`, for SQLite files; nothing else knows about it.
"""
import fcntl
import logging
import os
import sqlite3

log = logging.getLogger(__name__)


class TurnTakingConnection(sqlite3.Connection):
    """`begin("IMMEDIATE")` waits for the writers' lock file first; commit, rollback and close release it."""

    lock_path: str | None = None
    _lock_fd: int | None = None
    _locked = False

    def begin(self, mode: str) -> None:
        if mode == "IMMEDIATE" and self.lock_path:
            self._take_turn()
        try:
            self.execute(f"BEGIN {mode}")
        except BaseException:
            self._end_turn()
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        self._end_turn()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        super().close()

    def __del__(self) -> None:
        # A connection dropped without close() must not keep the writers' lock: closing the file frees it.
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _take_turn(self) -> None:
        if self._lock_fd is None:
            try:  # read-only is enough for flock(), so another OS user's lock file still works
                self._lock_fd = os.open(self.lock_path, os.O_RDONLY | os.O_CREAT, 0o644)
            except OSError as exc:
                log.warning("SQLite writers' lock file %s unusable (%s): relying on SQLite's busy timeout", self.lock_path, exc)
                self.lock_path = None
                return
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)  # blocks without the GIL until the previous writer is done
        self._locked = True

    def _end_turn(self) -> None:
        if self._locked:
            self._locked = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)


def lock_path_for(database: str | None) -> str | None:
    """The writers' lock file beside a database file; None for in-memory databases."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database + "-writers.lock"
