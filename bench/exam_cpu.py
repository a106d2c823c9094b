"""The CPU one learner's exam costs the app, request by request, in one process: what capacity.py's start burst
asks of the cores per learner, without the noise of a load run.

    python bench/exam_cpu.py [--users 200] [--database-url postgresql://postgres@127.0.0.1:5432/academy_bench]
                             [--profile start]

The learners of capacity.py's scenario (signed in before the exam) take the final exam one after another through
Flask's test client: the exam page, the start, the take page, one save, the submit and the result.  Each request's
CPU time (this process only: PostgreSQL's own work is not in it) is measured with time.process_time(); the first
fifth of the learners warm the caches and are left out of the medians.  `--profile PHASE` prints cProfile's
cumulative table for that request.
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

from bench_db import fresh_postgres
from capacity import prepare
from exam_pages import RADIO, TOKEN

PHASES = ("intro", "start", "take", "save", "submit", "result")


class Timer:
    def __init__(self, profile: str | None) -> None:
        self.times: dict[str, list[float]] = {phase: [] for phase in PHASES}
        self.profile, self.profiler = profile, cProfile.Profile() if profile else None

    def __call__(self, phase: str, request):
        profiling = self.profiler is not None and phase == self.profile
        began = time.process_time()
        if profiling:
            self.profiler.enable()
        response = request()
        if profiling:
            self.profiler.disable()
        self.times[phase].append((time.process_time() - began) * 1000)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--database-url", help="PostgreSQL database whose name ends in _bench (emptied); default SQLite")
    parser.add_argument("--exam", default="final-exam")
    parser.add_argument("--profile", choices=PHASES, help="print cProfile's table for this request")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="academy-exam-cpu-"))
    url = fresh_postgres(args.database_url) if args.database_url else f"sqlite:///{work / 'exam.db'}"
    cookies = json.loads(prepare(url, work, args.users).read_text(encoding="utf-8"))
    os.environ["IDLE_MINUTES"] = "600"
    from app import create_app

    app = create_app()
    timed = Timer(args.profile)
    for cookie in cookies:
        client = app.test_client()
        client.set_cookie("session", cookie)
        take_exam(client, args.exam, timed)
    warm = args.users // 5
    print("CPU ms per request (median): " + ", ".join(f"{phase} {statistics.median(times[warm:]):.1f}"
                                                       for phase, times in timed.times.items()))
    burst = sum(statistics.median(timed.times[phase][warm:]) for phase in ("intro", "start", "take"))
    print(f"the start burst's three requests together: {burst:.1f} ms per learner")
    if timed.profiler is not None:
        pstats.Stats(timed.profiler).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
