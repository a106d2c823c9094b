#!/usr/bin/env python
"""Report timings at scale: the manager reports on a synthetic organisation (flask seed-scale), in-process, as
server time per page and as a ratio to a bare Flask route measured in the same run.

    python bench/reports.py                                   # SQLite, 10,000 learners in 50 teams (seeded once)
    python bench/reports.py --database-url postgresql://postgres@127.0.0.1:5432/academy_scale_bench
    python bench/reports.py --learners 2000 --teams 10        # a quicker look

The database is seeded on the first run and reused afterwards (seeding 10,000 learners takes several minutes).
Goals (issue 16): the whole organisation's report ≤ 300 ms, one team's ≤ 20 ms of server time.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_db import statements_sent  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

PASSWORD = "scale-bench-pw"
GOALS_MS = {"org": 300, "team": 20}
# Requests before measuring, as in a server that has been running: the content and statement caches filled, and
# on PostgreSQL each statement prepared on the connection with its generic plan.  psycopg prepares a statement on
# its sixth execution, and PostgreSQL plans the first five executions of a prepared statement for their values
# before it keeps a generic plan; until then a report's larger statements are planned on every run (several
# milliseconds each: bench/README.md).
WARM_REQUESTS = 12


def timed(client, path: str, rounds: int) -> tuple[float, int]:
    """Median milliseconds to answer `path` and read the whole body, and the status."""
    samples, status = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(path)
        response.get_data()
        samples.append((time.perf_counter() - start) * 1000)
        status = response.status_code
    return statistics.median(samples), status


def statements(app, client, path: str) -> int:
    with statements_sent(app) as sent:
        client.get(path).get_data()
    return len(sent)


def floor_ms(rounds: int) -> float:
    floor = Flask("floor")
    floor.add_url_rule("/", "hello", lambda: "hello")
    client = floor.test_client()
    return timed(client, "/", rounds * 50)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: an SQLite file under bench/results/")
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--scope", choices=("org", "team"), help="measure only the whole-organisation or one-team pages")
    args = parser.parse_args()
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{results}/scale-{args.learners}.db"
    os.environ["INSTANCE_PATH"] = tempfile.mkdtemp(prefix="academy-reports-bench-")
    from academy.platform import migrate
    from academy.platform.db import get_session
    from academy.scale import seed_scale
    from app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "r" * 40, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "AUTO_MIGRATE": False, "PAGE_CACHE_URL": ""})
    migrate.upgrade(app.extensions["db_engine"])
    with app.app_context():
        session = get_session()
        if session.execute(text("SELECT count(*) FROM region WHERE name LIKE 'scale-%'")).scalar() == 0:
            started = time.perf_counter()
            counts = seed_scale(session, args.learners, args.teams, password=PASSWORD, echo=lambda line: None)
            print(f"seeded {counts} in {time.perf_counter() - started:.0f} s")
            if session.get_bind().dialect.name == "postgresql":
                session.commit()
                session.execute(text("ANALYZE"))  # as autovacuum would in a database in use
        from academy.cli import add_user
        from academy.org.models import Team, User
        if session.scalar(select(User.id).where(User.username == "scale-admin")) is None:
            add_user(session, "scale-admin", "规模测试管理员", PASSWORD, {"admin"})
            session.commit()
        attempts = session.execute(text("SELECT count(*) FROM attempt")).scalar()
        learners = session.scalar(select(func.count()).select_from(User).where(User.username.like("scale%"),
                                                                                  ~User.username.like("scale-%")))
        team_id = session.scalar(select(Team.id).where(Team.name == "团队001"))
    print(f"database {url.split('@')[-1]}: {learners} learners, {attempts} attempts")
    admin, lead = app.test_client(), app.test_client()
    admin.post("/login", data={"username": "scale-admin", "password": PASSWORD})
    lead.post("/login", data={"username": "scale-team001", "password": PASSWORD})
    pages = [
        ("org", "overview", admin, "/reports/"),
        ("org", "learners", admin, "/reports/learners"),
        ("org", "competency", admin, "/reports/competency"),
        ("org", "coaching", admin, "/reports/coaching"),
        ("org", "export.xlsx", admin, "/reports/export.xlsx"),
        ("team", "overview", lead, "/reports/"),
        ("team", "learners", lead, "/reports/learners"),
        ("team", "competency", lead, "/reports/competency"),
        ("team", "overview, by id", admin, f"/reports/?team={team_id}"),
    ]
    floor = floor_ms(args.rounds)
    print(f"floor (bare Flask route, same run): {floor:.3f} ms")
    print(f"{'scope':<6}{'page':<18}{'status':>7}{'ms':>10}{'goal':>7}{'ratio':>10}{'SQL':>6}")
    for scope, name, client, path in pages:
        if args.scope and scope != args.scope:
            continue
        for _ in range(WARM_REQUESTS):
            client.get(path).get_data()
        ms, status = timed(client, path, args.rounds)
        goal = GOALS_MS[scope] if not name.startswith("export") else None
        mark = "" if goal is None else ("ok" if ms <= goal else "MISS")
        print(f"{scope:<6}{name:<18}{status:>7}{ms:>10.1f}{goal or '-':>7}{floor / ms:>10.5f}{statements(app, client, path):>6} {mark}")


if __name__ == "__main__":
    main()
