#!/usr/bin/env python
"""Throughput benchmark: the app under gunicorn against a bare Flask "hello" floor, measured in one run.

    python bench/run.py                # ~1 minute; prints a table, writes bench/results/latest.json

See bench/README.md for what is measured and how.  Everything runs on 127.0.0.1 and stops by itself.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_db import analyze_postgres, fresh_postgres
from load import PASSWORD, AnswerForm, Client, login, python_load
from prestart import graded_count
from wrk_load import WRK, wrk_get, wrk_posts, wrk_started_submits

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789"
USER = "trainee5"
SUBMIT_USERS = ("trainee6", "trainee7", "trainee8", "trainee9")  # one per connection (one open attempt per user), none of them USER
TAKE_QUIZ = "clients-quiz"
SUBMIT_QUIZ = "bench-graded"  # clients-quiz with unlimited attempts, written into the run's content copy
SUBMIT_SOURCE = "clients-quiz"

# (name, path or None, whether issue 13's page goal applies, text the page must contain)
GET_ENDPOINTS = [
    ("floor", "/", False, "hello"),
    ("signed_in", "/__bench/signed-in", False, "signed in"),  # what being signed in costs (bench/signed_in_app.py)
    ("lesson", "/lessons/clients-org-traits", True, "complete-form"),
    ("map", "/map", True, "learning-map"),
    ("dashboard", "/", True, "progress-list"),
    ("quiz_intro", f"/quizzes/{TAKE_QUIZ}", True, f"/quizzes/{TAKE_QUIZ}/start"),
    ("quiz_take", None, True, 'id="answers"'),  # path filled in after starting one attempt
]
# Issue 13's goals as fractions of the floor, per database: (pages, the submit request POST /attempts/<id>/submit
# of attempts started ahead by bench/prestart.py).
GOALS = {"sqlite": (0.40, 0.12), "postgresql": (0.30, 0.10)}
# Attempts started ahead per round, as a share of the round's floor rate: a submit costs more than one_write
# (under 0.3x everywhere so far), so this never runs out; running out would show as errors.
PRESTART_SHARE = 0.4
# A reference without a goal: the least a write request costs here (bench/signed_in_app.py).
ONE_WRITE = ("one_write", "/__bench/one-write")

# ---------------------------------------------------------------- HTTP client (http.client, keep-alive)

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, name: str, target: str, port: int, env: dict, chdir: Path, log: Path) -> None:
        self.name, self.port, self.log_path = name, port, log
        self.log = open(log, "w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}",
             "--chdir", str(chdir), "--pythonpath", f"{ROOT},{BENCH}", "--timeout", "60", target],
            cwd=chdir, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, path: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} gunicorn exited:\n{self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} gunicorn not ready after {timeout} s:\n{self.tail()}")

    def tail(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8")[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)  # the arbiter and its own workers
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=5)
        self.log.close()


def copy_content(target: Path) -> Path:
    """The course and quizzes, plus the submit quiz: clients-quiz (18 items, fully graded on submit) with
    unlimited attempts, so that learners can submit it again and again."""
    shutil.copytree(ROOT / "courses", target / "courses")
    shutil.copytree(ROOT / "quizzes", target / "quizzes")
    source = (ROOT / "quizzes" / f"{SUBMIT_SOURCE}.md").read_text(encoding="utf-8")
    source = source.replace(f"id: {SUBMIT_SOURCE}\n", f"id: {SUBMIT_QUIZ}\n", 1).replace("attempts: 3\n", "attempts: unlimited\n", 1)
    (target / "quizzes" / f"{SUBMIT_QUIZ}.md").write_text(source, encoding="utf-8")
    return target


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # so that `finally` stops the servers

def main() -> int:
    parser = argparse.ArgumentParser(description="Throughput of the academy against a bare Flask floor")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per endpoint (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per endpoint (default 1)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every endpoint; medians reported")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk exists")
    parser.add_argument("--output", type=Path, default=BENCH / "results" / "latest.json")
    parser.add_argument("--database-url", help="a PostgreSQL database whose name ends in _bench (emptied first); "
                                               "default: a fresh SQLite file")
    parser.add_argument("--check", action="store_true", help="exit 1 when an endpoint misses its goal")
    parser.add_argument("--only", help="comma-separated endpoints to measure besides the floor, e.g. submit or lesson,map")
    args = parser.parse_args()

    use_wrk = os.access(WRK, os.X_OK) and not args.python_load
    work = Path(tempfile.mkdtemp(prefix="academy-bench-"))
    content = copy_content(work / "content")
    database_url = fresh_postgres(args.database_url) if args.database_url else f"sqlite:///{work / 'bench.db'}"
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(work / "instance"),
           "CONTENT_DIR": str(content),
           "SECRET_KEY": SECRET_KEY, "PYTHONUNBUFFERED": "1"}
    env.pop("ACADEMY_ENV", None)
    servers: list[Gunicorn] = []
    previous_term = signal.signal(signal.SIGTERM, _interrupt)
    try:
        print(f"seeding demo data in {work} …", flush=True)
        seed = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed-demo", "--password", PASSWORD],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        if seed.returncode != 0:
            raise RuntimeError(f"seed-demo failed:\n{seed.stdout}\n{seed.stderr}")
        if args.database_url:
            analyze_postgres(args.database_url)

        app_port, floor_port = free_port(), free_port()
        servers.append(Gunicorn("app", "signed_in_app:app", app_port, env, ROOT, work / "app.log"))
        servers.append(Gunicorn("floor", "floor_app:app", floor_port, env, BENCH, work / "floor.log"))
        servers[0].wait_ready("/healthz")
        servers[1].wait_ready("/")

        client, token = login(app_port, USER)
        status, take_path, _ = client.request("POST", f"/quizzes/{TAKE_QUIZ}/start", {"csrf_token": token})
        if status != 302 or not take_path.startswith("/attempts/"):
            raise RuntimeError(f"could not start {TAKE_QUIZ}: {status} {take_path}")
        only = set(args.only.split(",")) | {"floor"} if args.only else None
        endpoints = [(n, p or take_path, g, m) for n, p, g, m in GET_ENDPOINTS if only is None or n in only]
        measure_cycle = only is None or "start_submit" in only
        measure_submit = use_wrk and (only is None or "submit" in only)
        measure_write = use_wrk and (only is None or ONE_WRITE[0] in only)

        # the submitted answers: form#answers of the quiz filled in once, like a learner would
        submit_jobs = []
        for username in SUBMIT_USERS:
            user_client, user_token = (client, token) if username == USER else login(app_port, username)
            submit_jobs.append({"kind": "submit", "quiz": SUBMIT_QUIZ, "cookies": user_client.cookies,
                                "csrf": user_token, "answers": None, "username": username})
        status, attempt_path, _ = client.request("POST", f"/quizzes/{SUBMIT_QUIZ}/start", {"csrf_token": token})
        status, _, page = client.request("GET", attempt_path)
        form = AnswerForm()
        form.feed(page.decode("utf-8"))
        if status != 200 or not form.fields:
            raise RuntimeError(f"could not read the answer form of {SUBMIT_QUIZ} ({status})")
        for job in submit_jobs:
            job["answers"] = form.fields

        for name, path, _goal, marker in endpoints:  # every page answers 200 with its content, once
            port = floor_port if name == "floor" else app_port
            status, _, page = Client(port, None if name == "floor" else client.cookies).request("GET", path)
            if status != 200 or marker.encode() not in page:
                raise RuntimeError(f"{name} {path} answered {status} without {marker!r}: {page[:300]!r}")
        load = Load(args, use_wrk, floor_port, app_port, client, submit_jobs, env, work)
        rounds = []
        for number in range(1, args.rounds + 1):
            print(f"round {number}/{args.rounds}", flush=True)
            if number > 1:
                load.sign_in_again()
            row = [load.get(name, path) for name, path, _g, _m in endpoints] + ([load.one_write()] if measure_write else [])
            row += [load.submit(row[0]["rps"])] if measure_submit else []
            if measure_cycle:
                load.sign_in_again()  # the prestart can take minutes
                row.append(load.cycle())
            rounds.append(row)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        for server in servers:
            print(f"--- {server.name} log ---\n{server.tail()}", file=sys.stderr)
        return 2
    finally:
        for server in servers:
            server.stop()
        signal.signal(signal.SIGTERM, previous_term)
        shutil.rmtree(work, ignore_errors=True)

    page_goal, submit_goal = GOALS["postgresql" if args.database_url else "sqlite"]
    goals = {name: page_goal if is_page else None for name, _p, is_page, _m in endpoints} | {
        "submit": submit_goal, "start_submit": None, ONE_WRITE[0]: None}
    paths = {name: path for name, path, _g, _m in endpoints} | {
        "submit": "POST /attempts/<id>/submit", "start_submit": f"POST /quizzes/{SUBMIT_QUIZ}/start + POST /attempts/<id>/submit",
        ONE_WRITE[0]: f"POST {ONE_WRITE[1]}"}
    results = combine(rounds, goals, paths)
    print_table(results)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "method": {"load": "wrk" if use_wrk else "python", "submit_load": "wrk (bench/post.lua)" if use_wrk else "python",
                   "concurrency": args.concurrency, "rounds": args.rounds,
                   "warmup_s": args.warmup, "seconds": args.seconds, "server": "gunicorn -w 2 -k sync",
                   "database": ("postgresql" if args.database_url else "sqlite") + " (fresh, seed-demo)", "user": USER,
                   "submit_users": list(SUBMIT_USERS)},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.output}")
    failed = [r["endpoint"] for r in results if r["errors"] or r["not_200"]]
    missed = [r["endpoint"] for r in results if r["meets_goal"] is False]
    if failed:
        print(f"errors on: {', '.join(failed)}", file=sys.stderr)
    if missed:
        print(f"below goal: {', '.join(missed)}")
    return 1 if failed or (args.check and missed) else 0


class Load:
    """One measurement of one endpoint: wrk when installed, else the Python load generator."""

    def __init__(self, args, use_wrk: bool, floor_port: int, app_port: int, client, submit_jobs, env: dict, work: Path) -> None:
        self.args, self.use_wrk, self.floor_port, self.app_port = args, use_wrk, floor_port, app_port
        self.client, self.submit_jobs, self.env, self.work = client, submit_jobs, env, work
        self.prestarted = 0

    def sign_in_again(self) -> None:
        """New cookies for a round: wrk sends the same Cookie header all along, so after a few minutes the app
        would rewrite the session's activity mark (a Set-Cookie) on every request, which a browser, taking
        the new cookie, triggers once in five minutes."""
        self.client, _token = login(self.app_port, USER)
        for job in self.submit_jobs:
            user_client, job["csrf"] = login(self.app_port, job["username"])
            job["cookies"] = user_client.cookies

    def get(self, name: str, path: str) -> dict:
        floor = name == "floor"
        port, a = (self.floor_port if floor else self.app_port), self.args
        print(f"  {name:<10} {path}", flush=True)
        if not self.use_wrk:
            jobs = [{"kind": "get", "path": path, "cookies": {} if floor else self.client.cookies}] * a.concurrency
            return {"endpoint": name, **python_load(port, jobs, a.warmup, a.seconds)}
        cookie = None if floor else self.client.cookie_header()
        if a.warmup > 0:
            wrk_get(port, path, cookie, a.warmup, a.concurrency)
        return {"endpoint": name, **wrk_get(port, path, cookie, a.seconds, a.concurrency)}

    def posts(self, mode: str, path: str, jobs: list[dict], connections: int) -> dict:
        a = self.args
        if a.warmup > 0:
            wrk_posts(self.app_port, mode, path, jobs, connections, a.warmup)
        return wrk_posts(self.app_port, mode, path, jobs, connections, a.seconds)

    def one_write(self) -> dict:
        """The bare signed-in write (wrk only), with two of the submitting learners."""
        name, path = ONE_WRITE
        print(f"  {name:<10} POST {path}", flush=True)
        return {"endpoint": name, **self.posts("write", path, self.submit_jobs[:2], self.args.concurrency)}

    def submit(self, floor_rps: float) -> dict:
        """The submit request alone (wrk only): each POST submits one of the attempts started for this round."""
        a, threads, finished = self.args, 2, 0
        print(f"  {'submit':<10} POST /attempts/<id>/submit", flush=True)
        graded_before = graded_count(self.env["DATABASE_URL"])
        for part, seconds in (("warmup", a.warmup), ("measured", a.seconds)):
            if seconds > 0:
                prefix = self.prestart(int(PRESTART_SHARE * floor_rps * max(seconds, 1)) + 50, threads, part)
                result = wrk_started_submits(self.app_port, prefix, threads, self.submit_jobs[0]["answers"], a.concurrency, seconds)
                finished += result["requests"]
        graded = graded_count(self.env["DATABASE_URL"]) - graded_before
        if not finished <= graded <= finished + 2 * a.concurrency:  # wrk drops the answers still in flight at its end
            raise RuntimeError(f"submit: {finished} submits redirected to their result, but {graded} attempts were graded")
        return {"endpoint": "submit", **result}

    def prestart(self, count: int, threads: int, part: str) -> str:
        prefix = str(self.work / f"started-{self.prestarted}-{part}")
        done = subprocess.run([sys.executable, str(BENCH / "prestart.py"), SUBMIT_QUIZ, str(self.prestarted + 1), str(count),
                               prefix, str(threads)], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"bench/prestart.py failed:\n{done.stderr[-3000:]}")
        if self.args.database_url:  # as autovacuum would: plans for the grown tables (this server runs without it)
            analyze_postgres(self.args.database_url)
        self.prestarted += count
        return prefix

    def cycle(self) -> dict:
        a = self.args
        print(f"  {'start_submit':<10} POST /quizzes/{SUBMIT_QUIZ}/start + /attempts/<id>/submit", flush=True)
        if not self.use_wrk:
            jobs = [self.submit_jobs[i % len(self.submit_jobs)] for i in range(a.concurrency)]
            return {"endpoint": "start_submit", **python_load(self.app_port, jobs, a.warmup, a.seconds), "unit": "cycles/s"}
        jobs = self.submit_jobs  # one connection per learner: its start and submit run strictly in turn
        return {"endpoint": "start_submit", **self.posts("cycle", f"/quizzes/{SUBMIT_QUIZ}/start", jobs, len(jobs)),
                "unit": "cycles/s"}


def combine(rounds: list[list[dict]], goals: dict, paths: dict) -> list[dict]:
    """Per endpoint: the median over rounds of req/s and of the ratio to the floor of the same round."""
    results = []
    for column in zip(*rounds):
        name = column[0]["endpoint"]
        ratios = [row["rps"] / (floor["rps"] or 1.0) for row, floor in zip(column, (r[0] for r in rounds))]
        goal = goals[name]
        ratio = round(statistics.median(ratios), 3)
        results.append({
            "endpoint": name, "path": paths[name], "goal": goal, "unit": column[0].get("unit", "req/s"),
            "rps": round(statistics.median(r["rps"] for r in column), 1), "ratio": ratio,
            "ratios": [round(r, 3) for r in ratios], "meets_goal": None if goal is None else ratio >= goal,
            "p50_ms": _median(r["p50_ms"] for r in column), "p99_ms": _median(r["p99_ms"] for r in column),
            "errors": sum(r["errors"] for r in column), "not_200": sum(r["not_200"] for r in column),
            "requests": sum(r["requests"] for r in column), "tool": column[0]["tool"]})
    return results


def _median(values) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 2) if known else None


def print_table(results: list[dict]) -> None:
    signed_in = next((r["ratio"] for r in results if r["endpoint"] == "signed_in"), None) or 1.0
    header = (f"{'endpoint':<12} {'req/s':>9} {'ratio':>7} {'goal':>7} {'ok?':>4} {'÷signed':>8} {'p50 ms':>8} "
              f"{'p99 ms':>8} {'errors':>7}")
    print("\n" + header + "\n" + "-" * len(header))
    for r in results:
        goal = "—" if r["goal"] is None else f"≥{r['goal']:.2f}"
        ok = "" if r["meets_goal"] is None else ("yes" if r["meets_goal"] else "NO")
        rate = f"{r['rps']:.1f}" + ("*" if r.get("unit") == "cycles/s" else "")
        errors = r["errors"] + r["not_200"]
        share = "—" if r["endpoint"] == "floor" else f"{r['ratio'] / signed_in:.2f}"
        print(f"{r['endpoint']:<12} {rate:>9} {r['ratio']:>7.3f} {goal:>7} {ok:>4} {share:>8} "
              f"{r['p50_ms'] if r['p50_ms'] is not None else '—':>8} {r['p99_ms'] if r['p99_ms'] is not None else '—':>8} {errors:>7}")
    print("ratio: median over the rounds of req/s ÷ the floor's req/s in the same round")
    print("÷signed: that ratio ÷ the signed_in ratio: how close a page comes to the bare signed-in request (1.00)")
    print("one_write: a signed-in POST that reads one value and inserts one row, nothing else (no goal)")
    print("submit: the submit POST alone, each of an attempt started before the measurement (bench/prestart.py)")
    print("* start_submit: start+submit cycles per second (two POSTs each; latencies are per POST)")


if __name__ == "__main__":
    sys.exit(main())
