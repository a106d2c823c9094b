"""Where the machine's CPU goes during a load run: the app's workers, the load generator, the database, the rest.

Load generator and server share the two cores here, so a capacity figure alone cannot say whether the app or the
tool ran out of CPU.  `CpuSplit` samples /proc once a second while the run goes on (Linux only) and adds up each
process's user + system time by what it is: a process of a given session (the app's gunicorn, started in a session
of its own; Locust likewise), a PostgreSQL or MariaDB backend, or anything else; idle time comes from /proc/stat.
`cores(start, end)` gives the average number of cores each group used between two moments of the run.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
DATABASES = {"postgres", "mariadbd", "mysqld"}


def _process_times() -> dict[int, tuple[int, str, int]]:
    """pid → (session id, command name, user + system ticks) of every process now running."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:  # it ended meanwhile
            continue
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        found[int(entry.name)] = (int(fields[3]), name, int(fields[11]) + int(fields[12]))  # session, utime + stime
    return found


def session_seconds(session_id: int) -> float:
    """The CPU seconds (user + system) the running processes of this session have used so far."""
    return sum(ticks for session, _name, ticks in _process_times().values() if session == session_id) / TICKS


def _machine_ticks() -> tuple[int, int]:
    """(all ticks, idle ticks) of the machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values), values[3] + values[4]  # idle + iowait


class CpuSplit:
    """Samples once a second in a thread of its own; `sessions` names the session ids to count apart
    ({"app": gunicorn's pid, ...}: each was started with start_new_session, so its session id is its pid)."""

    def __init__(self, sessions: dict[str, int] | None = None) -> None:
        self.sessions = dict(sessions or {})
        self.samples: list[tuple[float, dict[str, int], int, int]] = []
        self._last: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._totals: dict[str, int] = {}

    def watch(self, name: str, session_id: int) -> None:
        # a new dict, not an update: the sampling thread may be reading the old one
        self.sessions = {**self.sessions, name: session_id}

    def __enter__(self) -> CpuSplit:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self._sample()

    def _sample(self) -> None:
        by_session = {session: name for name, session in self.sessions.items()}
        for pid, (session, command, ticks) in _process_times().items():
            group = by_session.get(session) or ("database" if command in DATABASES else "other")
            # a process counts from when it is first seen; one seen at the first sample counts from then
            grown = ticks - self._last.get(pid, ticks if not self.samples else 0)
            self._last[pid] = ticks
            self._totals[group] = self._totals.get(group, 0) + grown
        total, idle = _machine_ticks()
        self.samples.append((time.monotonic(), dict(self._totals), total, idle))

    def cores(self, start: float, end: float) -> dict[str, float]:
        """Average cores used by each group (and idle) between `start` and `end` seconds after the first sample."""
        origin = self.samples[0][0]
        inside = [s for s in self.samples if start <= s[0] - origin <= end]
        if len(inside) < 2:
            return {}
        (t0, groups0, total0, idle0), (t1, groups1, total1, idle1) = inside[0], inside[-1]
        seconds = t1 - t0
        used = {name: (groups1.get(name, 0) - groups0.get(name, 0)) / TICKS / seconds for name in groups1}
        machine_cores = (total1 - total0) / TICKS / seconds
        used["idle"] = (idle1 - idle0) / TICKS / seconds
        used["machine"] = machine_cores
        return {name: round(value, 2) for name, value in used.items()}

    def busiest(self, seconds: float, start: float, end: float) -> dict[str, float]:
        """`cores` over the stretch of `seconds` between `start` and `end` in which the machine was least idle: an
        average over the whole burst counts the seconds after its queue drained as idle too, so it cannot say
        whether the CPU was used up while the requests queued."""
        origin = self.samples[0][0]
        offsets = [s[0] - origin for s in self.samples if start <= s[0] - origin <= end]
        best: dict[str, float] = {}
        for first in offsets:
            if first + seconds > offsets[-1]:
                break
            window = self.cores(first, first + seconds)
            if window and (not best or window["idle"] < best["idle"]):
                best = window
        return best
