"""The CPU one learner's exam costs the app, request by request, in one process: what capacity.py's start burst
asks of the cores per learner, without the noise of a load run.

    python bench/exam_cpu.py [--users 200] [--database-url postgresql://postgres@127.0.0.1:5432/academy_bench]
                             [--profile start] [--served WORKERS]

The learners of capacity.py's scenario (signed in before the exam) take the final exam one after another through
Flask's test client: the exam page, the start, the take page, one save, the submit and the result.  Each request's
CPU time (this process only: PostgreSQL's own work is not in it) is measured with time.process_time(); the first
fifth of the learners warm the caches and are left out of the medians.  The statements each request sends to the
database are counted too.  `--profile PHASE` prints cProfile's cumulative table for that request.

`--served WORKERS` then takes other learners of the same database through gunicorn, served as capacity.py serves
the app (sync workers, its access log), one after another over fresh connections, and a bare Flask route
(bench/floor_app.py) the same way: the workers' CPU per learner's start burst beside the figure in this process,
and what gunicorn and the kernel cost a request before any app code runs.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_db import fresh_postgres, statements_sent
from capacity import FLOOR, prepare, serve
from cpu_split import session_seconds
from exam_pages import RADIO, TOKEN
from load import Client

PHASES = ("intro", "start", "take", "save", "submit", "result")


class Timer:
    def __init__(self, app, profile: str | None) -> None:
        self.app = app
        self.times: dict[str, list[float]] = {phase: [] for phase in PHASES}
        self.statements: dict[str, list[int]] = {phase: [] for phase in PHASES}
        self.profile, self.profiler = profile, cProfile.Profile() if profile else None

    def __call__(self, phase: str, request):
        profiling = self.profiler is not None and phase == self.profile
        with statements_sent(self.app) as sent:
            began = time.process_time()
            if profiling:
                self.profiler.enable()
            response = request()
            if profiling:
                self.profiler.disable()
            self.times[phase].append((time.process_time() - began) * 1000)
        self.statements[phase].append(len(sent))
        return response


def take_exam(client, exam: str, timed: Timer) -> None:
    intro = timed("intro", lambda: client.get(f"/quizzes/{exam}"))
    token = TOKEN.search(intro.get_data(as_text=True)).group(1)
    started = timed("start", lambda: client.post(f"/quizzes/{exam}/start", data={"csrf_token": token}))
    if started.status_code != 302:
        raise RuntimeError(f"start answered {started.status_code}")
    take_path = started.headers["Location"]
    page = timed("take", lambda: client.get(take_path)).get_data(as_text=True)
    answers = {"csrf_token": TOKEN.search(page).group(1)}
    for name, value in RADIO.findall(page):
        answers.setdefault(name, value)
    attempt = take_path.rsplit("/", 1)[1]
    timed("save", lambda: client.post(f"/attempts/{attempt}/save", data=answers))
    submitted = timed("submit", lambda: client.post(f"/attempts/{attempt}/submit", data=answers))
    if submitted.status_code != 302:
        raise RuntimeError(f"submit answered {submitted.status_code}")
    timed("result", lambda: client.get(submitted.headers["Location"]))


def start_burst(client: Client, exam: str) -> None:
    """The exam page, the start and the take page, as the learner's browser asks for them."""
    status, _, page = client.request("GET", f"/quizzes/{exam}")
    token = TOKEN.search(page.decode())
    if status != 200 or token is None:
        raise RuntimeError(f"the exam page answered {status}")
    status, take_path, _ = client.request("POST", f"/quizzes/{exam}/start", {"csrf_token": token.group(1)})
    if status != 302 or client.request("GET", take_path)[0] != 200:
        raise RuntimeError(f"the start answered {status}")


def workers_cpu(server, calls: list, warm: int) -> float:
    """The server's workers' CPU seconds per call, over `calls` after the first `warm` (made to warm its caches);
    stops the server."""
    try:
        for call in calls[:warm]:
            call()
        began = session_seconds(server.pid)
        for call in calls[warm:]:
            call()
        return (session_seconds(server.pid) - began) / (len(calls) - warm)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def served_burst(url: str, work: Path, cookies: list[str], exam: str, workers: int, port: int = 8766) -> float:
    """The workers' CPU (ms) per learner for the exam page, start and take page, learners one after another."""
    calls = [lambda cookie=cookie: start_burst(Client(port, {"session": cookie}), exam) for cookie in cookies]
    return workers_cpu(serve(url, work, workers, port, 1), calls, len(cookies) // 5) * 1000


def served_floor(url: str, work: Path, workers: int, requests: int = 3000, port: int = 8767) -> float:
    """The workers' CPU (µs) per request of the bare Flask route, served and asked alike."""
    (work / "floor").mkdir(exist_ok=True)
    server = serve(url, work / "floor", workers, port, 1, FLOOR)
    calls = [lambda: Client(port).request("GET", "/")] * (requests + requests // 10)
    return workers_cpu(server, calls, requests // 10) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--database-url", help="PostgreSQL database whose name ends in _bench (emptied); default SQLite")
    parser.add_argument("--exam", default="final-exam")
    parser.add_argument("--profile", choices=PHASES, help="print cProfile's table for this request")
    parser.add_argument("--served", type=int, metavar="WORKERS", help="then the same through gunicorn with this many sync workers")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="academy-exam-cpu-"))
    url = fresh_postgres(args.database_url) if args.database_url else f"sqlite:///{work / 'exam.db'}"
    cookies = json.loads(prepare(url, work, args.users * (2 if args.served else 1)).read_text(encoding="utf-8"))
    cookies, served_cookies = cookies[:args.users], cookies[args.users:]
    os.environ["IDLE_MINUTES"] = "600"
    from app import create_app

    app = create_app()
    timed = Timer(app, args.profile)
    for cookie in cookies:
        client = app.test_client()
        client.set_cookie("session", cookie)
        take_exam(client, args.exam, timed)
    warm = args.users // 5
    print("CPU ms per request (median): " + ", ".join(f"{phase} {statistics.median(times[warm:]):.1f}"
                                                       for phase, times in timed.times.items()))
    print("statements sent per request (median): " + ", ".join(
        f"{phase} {statistics.median(sent[warm:]):.0f}" for phase, sent in timed.statements.items()))
    burst = sum(statistics.median(timed.times[phase][warm:]) for phase in ("intro", "start", "take"))
    print(f"the start burst's three requests together: {burst:.1f} ms per learner")
    if timed.profiler is not None:
        pstats.Stats(timed.profiler).sort_stats("cumulative").print_stats(40)
    if args.served:
        from academy.platform.db import dispose

        dispose(app)
        print(f"through gunicorn ({args.served} sync workers, one learner after another): the same three requests cost "
              f"the workers {served_burst(url, work, served_cookies, args.exam, args.served):.1f} ms per learner; "
              f"a bare Flask route costs them {served_floor(url, work, args.served):.0f} µs per request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
