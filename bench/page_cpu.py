"""The CPU a learner's page costs the app in one process, and the statements it sends: what bench/run.py's
served figures are made of, without gunicorn, the load generator or the machine's noise between runs.

    python bench/page_cpu.py [--path /] [--requests 400] [--database-url postgresql://postgres@127.0.0.1:5432/academy_bench]

The demo organisation is seeded (`flask seed-demo`), run.py's learner (trainee5) signs in through the login
form, and the page is asked for through Flask's test client: 50 times to warm the caches, then `--requests`
times measured with time.process_time() (this process only: PostgreSQL's own work is not in it).  Each
statement's CPU and wall time are read around the driver's execute (fetching the rows is not in them).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench_db import fresh_postgres, statements_sent
from exam_pages import TOKEN
from run import PASSWORD, ROOT, USER

WARM = 50


def signed_in_client(app):
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": USER, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"signing in as {USER} answered {response.status_code}")
    return client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--path", default="/")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database-url", help="PostgreSQL database whose name ends in _bench (emptied); default SQLite")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="academy-page-cpu-"))
    url = fresh_postgres(args.database_url) if args.database_url else f"sqlite:///{work / 'page.db'}"
    os.environ.update(DATABASE_URL=url, IDLE_MINUTES="600", INSTANCE_PATH=str(work / "instance"))
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed-demo", "--password", PASSWORD], check=True,
                   capture_output=True, cwd=ROOT)
    sys.path.insert(0, str(ROOT))
    from app import create_app

    app = create_app()
    client = signed_in_client(app)
    for _ in range(WARM):
        status = client.get(args.path).status_code
    if status != 200:
        raise SystemExit(f"{args.path} answered {status}")
    with statements_sent(app) as sent:
        began = time.process_time()
        for _ in range(args.requests):
            client.get(args.path)
        spent = (time.process_time() - began) / args.requests * 1e6
    timings = defaultdict(list)
    for statement, cpu, wall in sent:
        timings[f"{' '.join(statement.split())[:80]} … [{len(statement):,} B]"].append((cpu, wall))
    print(f"{args.path}: {spent:,.0f} µs of CPU per request in this process")
    for label, times in timings.items():
        print(f"  {len(times) / args.requests:.1f}× CPU {statistics.median(t[0] for t in times):5.0f} µs, "
              f"wall {statistics.median(t[1] for t in times):5.0f} µs  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
