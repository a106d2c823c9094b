"""Start + submit cycles in one process (Flask test client, no server, no load generator), on a seeded
SQLite demo: CPU per cycle against a bare Flask request, and how long each write transaction holds the
SQLite writers' lock.  The lock time caps the cycles per second of any number of workers; the CPU time
caps them per core.

    python bench/submit_inprocess.py [--cycles 300]

Numbers move with the machine; compare runs made one after the other.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

from load import PASSWORD, AnswerForm  # noqa: E402
from run import SUBMIT_QUIZ, SUBMIT_USERS, copy_content  # noqa: E402

ENVIRON = {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "bench"}


class LockClock:
    """Time from BEGIN IMMEDIATE (the writers' turn taken) to the end of each write transaction."""

    def __init__(self) -> None:
        from academy import sqlite_writers

        self.held, self.started = [], {}
        connection = sqlite_writers.TurnTakingConnection
        take, end, clock = connection._take_turn, connection._end_turn, self

        def timed_take(conn):
            take(conn)
            clock.started[id(conn)] = time.perf_counter()

        def timed_end(conn):
            began = clock.started.pop(id(conn), None)
            end(conn)
            if began is not None:
                clock.held.append(time.perf_counter() - began)

        connection._take_turn, connection._end_turn = timed_take, timed_end


def signed_in_client(app, username: str):
    client = app.test_client()
    page = client.get("/login", environ_base=ENVIRON).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token}, environ_base=ENVIRON)
    page = client.get("/", environ_base=ENVIRON).get_data(as_text=True)
    return client, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="academy-inprocess-"))
    os.environ.update({"DATABASE_URL": f"sqlite:///{work / 'bench.db'}", "INSTANCE_PATH": str(work / "instance"),
                       "CONTENT_DIR": str(copy_content(work / "content")), "SECRET_KEY": "inprocess-" + "x" * 32})
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed-demo", "--password", PASSWORD],
                   cwd=BENCH.parent, check=True, capture_output=True)
    from werkzeug.datastructures import MultiDict

    from app import create_app
    from floor_app import app as floor

    app = create_app()
    client, token = signed_in_client(app, SUBMIT_USERS[0])
    start = f"/quizzes/{SUBMIT_QUIZ}/start"
    attempt = client.post(start, data={"csrf_token": token}, environ_base=ENVIRON).headers["Location"]
    form = AnswerForm()
    form.feed(client.get(attempt, environ_base=ENVIRON).get_data(as_text=True))
    answers = MultiDict([("csrf_token", token), *form.fields])

    def cycle() -> None:
        location = client.post(start, data={"csrf_token": token}, environ_base=ENVIRON).headers["Location"]
        done = client.post(location + "/submit", data=answers, environ_base=ENVIRON)
        assert done.status_code == 302 and done.headers["Location"].endswith("/result"), done.status_code

    for _ in range(20):
        cycle()
    clock = LockClock()
    began = time.process_time()
    for _ in range(args.cycles):
        cycle()
    cycle_ms = (time.process_time() - began) / args.cycles * 1000
    floor_client, began = floor.test_client(), time.process_time()
    for _ in range(2000):
        floor_client.get("/")
    floor_ms = (time.process_time() - began) / 2000 * 1000
    held = sorted(clock.held)
    per_cycle = sum(held) / args.cycles * 1000
    print(f"CPU per start+submit cycle: {cycle_ms:.2f} ms ({cycle_ms / floor_ms:.0f} bare Flask requests of {floor_ms:.3f} ms)")
    print(f"write lock held per transaction: median {1000 * held[len(held) // 2]:.2f} ms, "
          f"per cycle {per_cycle:.2f} ms (at most {1000 / per_cycle:.0f} cycles/s with any number of workers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
