#!/usr/bin/env python
"""Capacity: how many learners can take an exam at once with p95 ≤ 500 ms and no errors (Locust, headless).

    python bench/capacity.py --users 5000                      # SQLite; gunicorn as recommended for it
    python bench/capacity.py --users 5000 --database-url postgresql://postgres@127.0.0.1:5432/academy_bench
    python bench/capacity.py --users 1000 2500 5000            # several N, one after the other

The scenario (bench/exam_locustfile.py): N learners in teams of 100 are already signed in, their logins spread over the 5
minutes before the exam; the exam opens and all N start it within 30 s, each at a moment of its own (spread
evenly through the ramp; `--lumped` sends them as Locust starts its users, a lump at the start of every second);
each answers with a save every 30–90 s (EXAM_SAVES saves), submits and views the result.  Prints p50/p95/p99 and errors for each N, per
request and overall, as Locust saw them and (from gunicorn's access log) as the time each request spent inside a
worker, and how many cores the app, Locust, the database and the rest used during the start burst (bench/cpu_split.py);
writes bench/results/capacity-<db>-<N>.json.  gunicorn is set up as docs/deployment.md recommends for the
database unless --workers / --threads say otherwise (--threads 1: sync workers).  Everything runs on 127.0.0.1 and
stops by itself.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_db import fresh_postgres
from cpu_split import CpuSplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789"
RAMP_SECONDS = 30
BUSIEST_SECONDS = 10  # the stretch of the burst whose CPU split is printed beside the burst's average
# gunicorn for two cores, as docs/deployment.md recommends from these runs (bench/README.md): sync workers on
# PostgreSQL; on SQLite threads, whose worker keeps serving reads while one thread waits for the writers' lock.
RECOMMENDED = {"postgresql": (6, 1), "sqlite": (4, 4)}  # (workers, threads per worker)
TEAM_SIZE = 100
sys.path.insert(0, str(ROOT))


def prepare(database_url: str, work: Path, users: int) -> Path:
    """A migrated database with `users` learners, each signed in (a login session created in the 5 minutes
    before the exam), and a JSON file of their session cookies."""
    os.environ.update(DATABASE_URL=database_url, INSTANCE_PATH=str(work / "instance"), SECRET_KEY=SECRET_KEY)
    from sqlalchemy import insert, select

    from academy.org.auth.services import hash_password
    from academy.org.models import LoginSession, Region, Team, User, UserRole
    from academy.platform.db import get_session
    from app import create_app

    app = create_app({"CONTENT_DIR": str(ROOT)})
    now = datetime.now(UTC).replace(tzinfo=None)
    password = hash_password(secrets.token_urlsafe(12))  # nobody signs in with a password here
    cookies = []
    with app.app_context(), app.test_request_context():
        session = get_session()
        # in teams of TEAM_SIZE, as in an organisation: their submits share the teams' report sums and locks
        region_id = session.execute(insert(Region).values(name="考场片区").returning(Region.id)).scalar_one()
        teams = [{"name": f"考场{n + 1:03d}", "region_id": region_id} for n in range(-(-users // TEAM_SIZE))]
        session.execute(insert(Team), teams)
        team_ids = session.scalars(select(Team.id).where(Team.region_id == region_id).order_by(Team.name)).all()
        rows = [{"username": f"exam{i:05d}", "display_name": f"考生{i}", "password_hash": password, "active": True,
                 "team_id": team_ids[i // TEAM_SIZE]} for i in range(users)]
        session.execute(insert(User), rows)
        ids = [row.id for row in session.execute(User.__table__.select().where(User.username.like("exam%")).order_by(User.id))]
        session.execute(insert(UserRole), [{"user_id": i, "role": "trainee"} for i in ids])
        serializer = app.session_interface.get_signing_serializer(app)
        sessions = []
        for n, user_id in enumerate(ids):
            token = secrets.token_urlsafe(32)
            signed_in = now - timedelta(seconds=300 * n / max(1, users))  # spread over the 5 minutes before
            sessions.append({"user_id": user_id, "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                             "created_at": signed_in})
            cookies.append(serializer.dumps({"_user_id": str(user_id), "_fresh": True, "sid": token,
                                             "seen": int(signed_in.replace(tzinfo=UTC).timestamp())}))
        session.execute(insert(LoginSession), sessions)
        session.commit()
    from academy.platform.db import dispose

    dispose(app)
    path = work / "cookies.json"
    path.write_text(json.dumps(cookies), encoding="utf-8")
    return path


# what serve() runs: the app, or bench/floor_app.py's bare route (exam_cpu.py --served), with the path that says it is up
APP = ("app:create_app()", ROOT, "/healthz")
FLOOR = ("floor_app:app", BENCH, "/")


def serve(database_url: str, work: Path, workers: int, port: int, threads: int, target: tuple = APP) -> subprocess.Popen:
    """gunicorn with `workers` processes: gthread workers of `threads` threads, or sync workers (one request at a
    time each, the deployment guide's setting) when `threads` is 1; its logs in `work`."""
    module, folder, ready = target
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(work / "instance"), "SECRET_KEY": SECRET_KEY,
           "IDLE_MINUTES": "600", "WEB_CONCURRENCY": str(workers)}
    log = open(work / "gunicorn.log", "w", encoding="utf-8")
    worker_class = ["-k", "gthread", "--threads", str(threads)] if threads > 1 else ["-k", "sync"]
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), *worker_class,
                                "-b", f"127.0.0.1:{port}", "--timeout", "120", "--backlog", "4096",
                                "--access-logfile", str(work / "access.log"), "--access-logformat", ACCESS_FORMAT,
                                module],
                               cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    import http.client

    for _ in range(120):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", ready)
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError((work / "gunicorn.log").read_text()[-3000:])


# Each request's time inside a worker (gunicorn's %(M)s: from the parsed request to the response written), so the
# report can set the server's own time beside what Locust saw (which adds waiting for a free worker).
ACCESS_FORMAT = "%(m)s %(U)s %(M)s"
REQUEST_NAMES = (("exam start", re.compile(r"/quizzes/[^/]+/start")), ("exam intro", re.compile(r"/quizzes/[^/]+")),
                 ("exam save", re.compile(r"/attempts/\d+/save")), ("exam submit", re.compile(r"/attempts/\d+/submit")),
                 ("exam result", re.compile(r"/attempts/\d+/result")), ("exam take page", re.compile(r"/attempts/\d+")))


def server_times(access_log: Path) -> dict[str, dict]:
    """p50/p95 of the time each kind of request spent in a worker, named as Locust names them."""
    times: dict[str, list[int]] = {}
    for line in access_log.read_text(encoding="utf-8").splitlines():
        _method, path, ms = line.split()
        name = next((name for name, pattern in REQUEST_NAMES if pattern.fullmatch(path)), None)
        if name:
            times.setdefault(name, []).append(int(ms))
    return {name: {"server_p50_ms": _percentile(values, 0.50), "server_p95_ms": _percentile(values, 0.95)}
            for name, values in times.items()}


def _percentile(values: list[int], share: float) -> int:
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))]


def batch_interval(rate: float) -> float:
    """Seconds between Locust's batches of new users: it starts floor(rate) of them at once (locust.dispatch)."""
    return max(1, math.floor(rate)) / rate


def run_locust(users: int, cookies: Path, port: int, saves: int, wait: tuple[int, int], work: Path, cpu: CpuSplit,
               lumped: bool = False) -> dict:
    rate = max(1, users / RAMP_SECONDS)
    env = {**os.environ, "EXAM_COOKIES": str(cookies), "EXAM_SAVES": str(saves), "EXAM_USERS": str(users),
           "EXAM_WAIT": f"{wait[0]},{wait[1]}", "EXAM_ARRIVAL_SPREAD": "0" if lumped else str(batch_interval(rate))}
    run_time = RAMP_SECONDS + (saves + 1) * wait[1] + 60  # a wait before each save and before the submit
    prefix = work / f"locust-{users}"
    locust = subprocess.Popen([sys.executable, "-m", "locust", "-f", str(BENCH / "exam_locustfile.py"), "--headless",
                               "-u", str(users), "-r", str(rate), "--run-time", f"{run_time}s",
                               "--stop-timeout", "10", "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix),
                               "--only-summary", "--loglevel", "WARNING"],
                              cwd=BENCH, env=env, start_new_session=True)
    cpu.watch("Locust", locust.pid)
    try:
        locust.wait(timeout=run_time + 300)
    finally:
        if locust.poll() is None:
            os.killpg(locust.pid, 9)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    return {name: {"requests": int(row["Request Count"]), "errors": int(row["Failure Count"]),
                   "p50_ms": float(row["50%"]), "p95_ms": float(row["95%"]), "p99_ms": float(row["99%"])}
            for name, row in rows.items()}


def fresh_database(url: str | None, work: Path) -> str:
    if not url:
        return f"sqlite:///{work / 'capacity.db'}"
    return fresh_postgres(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1000])
    parser.add_argument("--database-url", help="PostgreSQL database whose name ends in _bench (emptied); default SQLite")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: as recommended for the database)")
    parser.add_argument("--threads", type=int, help="threads per worker (gthread); 1: sync workers (default: as recommended)")
    parser.add_argument("--saves", type=int, default=3, help="saves per learner before the submit")
    parser.add_argument("--wait", type=int, nargs=2, default=(30, 90), help="seconds between saves (min max)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--lumped", action="store_true",
                        help="learners arrive as Locust batches them, floor(N/30) at the same moment each second "
                             "(the arrival of the runs before the eleventh session); default: spread through each second")
    args = parser.parse_args()
    database = "postgresql" if args.database_url else "sqlite"
    workers, threads = RECOMMENDED[database]
    args.workers, args.threads = args.workers or workers, args.threads or threads
    results = []
    for users in args.users:
        work = Path(tempfile.mkdtemp(prefix="academy-capacity-"))
        url = fresh_database(args.database_url, work)
        cookies = prepare(url, work, users)
        server = serve(url, work, args.workers, args.port, args.threads)
        try:
            with CpuSplit({"app": server.pid}) as cpu:
                stats = run_locust(users, cookies, args.port, args.saves, tuple(args.wait), work, cpu, args.lumped)
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        # the start burst (the first RAMP_SECONDS, with 10 s for Locust to start and the last starts to finish)
        burst = cpu.cores(0, RAMP_SECONDS + 10)
        peak = cpu.busiest(BUSIEST_SECONDS, 0, RAMP_SECONDS + 30)
        for name, times in server_times(work / "access.log").items():
            stats.get(name, {}).update(times)
        overall = stats.get("Aggregated", {})
        ok = overall.get("errors", 1) == 0 and overall.get("p95_ms", 1e9) <= 500
        results.append({"users": users, "database": database, "workers": args.workers, "threads": args.threads, "saves": args.saves,
                        "arrival": "lumped" if args.lumped else "spread",
                        "holds": ok, "stats": stats, "burst_cores": burst, "peak_cores": peak,
                        "when": datetime.now(UTC).isoformat(timespec="seconds")})
        shape = f"{args.workers} workers × {args.threads} threads" if args.threads > 1 else f"{args.workers} sync workers"
        arrival = "in Locust's lumps" if args.lumped else "spread"
        print(f"\n{database}, {users} learners arriving {arrival}, gunicorn {shape}: "
              f"{'HOLDS' if ok else 'does not hold'} (p95 ≤ 500 ms, 0 errors)")
        print(f"{'request':<18}{'count':>8}{'errors':>8}{'p50':>8}{'p95':>8}{'p99':>8}   in a worker: p50  p95")
        for name, row in stats.items():
            inside = f"{row['server_p50_ms']:>17}{row['server_p95_ms']:>5}" if "server_p50_ms" in row else ""
            print(f"{name:<18}{row['requests']:>8}{row['errors']:>8}{row['p50_ms']:>8.0f}{row['p95_ms']:>8.0f}{row['p99_ms']:>8.0f}{inside}")
        for title, cores in ((f"CPU in the first {RAMP_SECONDS + 10} s (the start burst)", burst),
                             (f"CPU in its busiest {BUSIEST_SECONDS} s", peak)):
            if cores:
                groups = sorted(((n, v) for n, v in cores.items() if n != "machine"), key=lambda nv: -nv[1])
                print(f"{title}, cores used of {cores['machine']:.1f}: " + ", ".join(f"{name} {value:.2f}" for name, value in groups))
        out = BENCH / "results" / f"capacity-{database}-{users}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(results[-1], ensure_ascii=False, indent=1), encoding="utf-8")
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r["holds"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
