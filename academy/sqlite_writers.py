"""SQLite connections whose write transactions take turns on an OS file lock before SQLite's own lock.

SQLite lets one writer in at a time.  A writer that finds the database locked by another process is not woken
when the lock is free: its busy handler sleeps and retries in growing steps (1 ms up to 100 ms), so under
concurrent submits most of a write's time went on sleeping (p99 0.4–0.8 s for transactions that hold the lock
for about a millisecond).  `flock()` queues the writers in the kernel and wakes the next one as soon as the
lock file is released, in this process or another.  SQLite's busy timeout stays as the fallback for other
programs that open the database (sqlite3 shell, backups).

SQLite's automatic WAL checkpoint runs inside the COMMIT that crosses its threshold, so the writers' turn was
held while it copied about a thousand pages back into the database and synced both files (4–6 ms, about every
60 graded submits), and the next writer waited for it.  `manage_checkpoints` switches the automatic one off;
the connection then checkpoints after every `CHECKPOINT_EVERY` of its own commits, once it has handed the turn
on.  The checkpoint is PASSIVE: it waits for no reader or writer, and writers go on appending meanwhile.
"""
import fcntl
import logging
import os
import sqlite3

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 100  # commits of one connection


class TurnTakingConnection(sqlite3.Connection):
    """A sqlite3 connection for `make_engine`: `begin("IMMEDIATE")` waits for the writers' lock file first;
    commit, rollback and close release it."""

    lock_path: str | None = None
    _lock_fd: int | None = None
    _locked = False
    _checkpoint_every = 0  # 0: SQLite's automatic checkpoint
    _commits = 0

    def manage_checkpoints(self) -> None:
        """Checkpoint the WAL after every CHECKPOINT_EVERY commits, outside the writers' turn, not in the COMMIT."""
        self.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpoint_every = CHECKPOINT_EVERY

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
        if self._checkpoint_every:
            self._commits += 1
            if self._commits % self._checkpoint_every == 0:
                self._checkpoint()

    def _checkpoint(self) -> None:
        try:
            self.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # the commit stands; the next connection's turn checkpoints
            log.warning("WAL checkpoint skipped: %s", exc)

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
