#!/usr/bin/env python
"""Throughput benchmark: the app under gunicorn against a bare Flask "hello" floor, measured in one run.

    python bench/run.py                # ~1 minute; prints a table, writes bench/results/latest.json

See bench/README.md for what is measured and how.  Everything runs on 127.0.0.1 and stops by itself.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WRK = "/usr/bin/wrk"
PASSWORD = "bench-pass-123"
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789"
USER = "trainee5"
SUBMIT_USERS = ("trainee5", "trainee6", "trainee7", "trainee8")  # one per connection: one open attempt per user
TAKE_QUIZ = "clients-quiz"
SUBMIT_QUIZ = "sample-all-types"  # attempts: unlimited

# (name, path or None, goal as a fraction of the floor, text the page must contain)
GET_ENDPOINTS = [
    ("floor", "/", None, "hello"),
    ("lesson", "/lessons/clients-org-traits", 0.5, "complete-form"),
    ("map", "/map", 0.4, "learning-map"),
    ("dashboard", "/", 0.4, "progress-list"),
    ("quiz_intro", f"/quizzes/{TAKE_QUIZ}", 0.4, f"/quizzes/{TAKE_QUIZ}/start"),
    ("quiz_take", None, 0.4, 'id="answers"'),  # path filled in after starting one attempt
]
SUBMIT_GOAL = 0.15

WRK_SCRIPT = r"""
-- Count every response that is not a 200 (a redirect to /login would otherwise look like success).
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("BAD_STATUS %d\n", total))
end
"""


# ---------------------------------------------------------------- HTTP client (http.client, keep-alive)

class Client:
    """A tiny cookie-keeping HTTP/1.1 client; reconnects when the server closes (gunicorn sync does)."""

    def __init__(self, port: int, cookies: dict | None = None) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, form=None) -> tuple[int, str, bytes]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for retry in (True, False):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if not retry:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            if value and "Max-Age=0" not in header and "01 Jan 1970" not in header:
                self.cookies[name.strip()] = value.strip()
            else:
                self.cookies.pop(name.strip(), None)
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, urlsplit(response.getheader("Location", "")).path, data

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def csrf_token(page: bytes) -> str:
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(rb'value="([^"]+)"[^>]*name="csrf_token"', page)
    if not match:
        raise RuntimeError("no csrf_token in the page")
    return match.group(1).decode()


def login(port: int, username: str) -> tuple[Client, str]:
    client = Client(port)
    status, _, page = client.request("GET", "/login")
    if status != 200:
        raise RuntimeError(f"GET /login answered {status}")
    status, location, page = client.request(
        "POST", "/login", {"csrf_token": csrf_token(page), "username": username, "password": PASSWORD})
    if status != 302 or location != "/":
        raise RuntimeError(f"login as {username} failed: {status} {location} {page[:300]!r}")
    status, _, page = client.request("GET", "/")
    if status != 200:
        raise RuntimeError(f"dashboard after login answered {status}")
    return client, csrf_token(page)


class AnswerForm(HTMLParser):
    """Fill in form#answers the way a learner would: first option, first choice, a short text."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.fields, self.seen = False, [], set()
        self.select, self.textarea = None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == "answers"
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and name != "csrf_token":
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if name not in self.seen:
                    self.seen.add(name)
                    self.fields.append((name, a.get("value", "")))
            elif kind not in ("hidden", "submit", "button"):
                self.fields.append((name, "1"))
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and a.get("value"):
            self.fields.append((self.select, a["value"]))
            self.select = None
        elif tag == "textarea" and name:
            self.fields.append((name, "先确认预算来源和采购方式，再约信息股一起评估兼容性与等保要求。"))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        if tag == "select":
            self.select = None


# ---------------------------------------------------------------- servers

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
             "--chdir", str(chdir), "--timeout", "60", target],
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


# ---------------------------------------------------------------- load generators

def wrk(port: int, path: str, cookie: str | None, seconds: float, concurrency: int, script: Path) -> dict:
    cmd = [WRK, f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
           "--latency", "-s", str(script)]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout

    def number(pattern: str, default: float = 0.0) -> float:
        match = re.search(pattern, out)
        return float(match.group(1)) if match else default

    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(int(n) for n in sockets.groups()) if sockets else 0
    if not re.search(r"Requests/sec:", out):
        raise RuntimeError(f"wrk gave no result:\n{out}")
    return {
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "requests": int(number(r"(\d+) requests in")),
        "errors": int(number(r"Non-2xx or 3xx responses: (\d+)")) + socket_errors,
        "not_200": int(number(r"BAD_STATUS (\d+)")),
        "p50_ms": _ms(re.search(r"\s50%\s+([\d.]+)(us|ms|s)", out)),
        "p99_ms": _ms(re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out)),
        "tool": "wrk",
    }


def _ms(match) -> float | None:
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2)
    return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)


def _worker(port: int, job: dict, stop_at: float, count_from: float, out: list, lock: threading.Lock) -> None:
    client = Client(port, job["cookies"])
    ok = errors = 0
    latencies = []
    while True:
        started = time.monotonic()
        if started >= stop_at:
            break
        try:
            good = _submit_cycle(client, job) if job["kind"] == "submit" else _get(client, job)
        except (OSError, http.client.HTTPException):
            client.conn.close()
            good = False
        finished = time.monotonic()
        if started >= count_from and finished <= stop_at:
            ok, errors = ok + good, errors + (not good)
            latencies.append(finished - started)
    with lock:
        out.append((ok, errors, latencies))


def _get(client: Client, job: dict) -> bool:
    status, _, _ = client.request("GET", job["path"])
    return status == 200


def _submit_cycle(client: Client, job: dict) -> bool:
    status, location, _ = client.request("POST", f"/quizzes/{job['quiz']}/start", {"csrf_token": job["csrf"]})
    match = re.fullmatch(r"/attempts/(\d+)", location) if status == 302 else None
    if not match:
        return False
    attempt = match.group(1)
    status, location, _ = client.request("POST", f"/attempts/{attempt}/submit",
                                         [("csrf_token", job["csrf"])] + job["answers"])
    return status == 302 and location == f"/attempts/{attempt}/result"


def _load_process(port: int, jobs: list[dict], warmup: float, seconds: float, queue) -> None:
    """Runs in its own process: one thread and one connection per job."""
    start = time.monotonic()
    count_from, stop_at = start + warmup, start + warmup + seconds
    out, lock = [], threading.Lock()
    threads = [threading.Thread(target=_worker, args=(port, job, stop_at, count_from, out, lock)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ok = sum(o for o, _, _ in out)
    errors = sum(e for _, e, _ in out)
    latencies = sorted(x for _, _, lat in out for x in lat)

    def pct(p):
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 2) if latencies else None

    queue.put({"rps": ok / seconds, "requests": ok, "errors": errors, "not_200": 0,
               "p50_ms": pct(0.50), "p99_ms": pct(0.99), "tool": "python"})


def python_load(port: int, jobs: list[dict], warmup: float, seconds: float) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_load_process, args=(port, jobs, warmup, seconds, queue))
    process.start()
    try:
        return queue.get(timeout=warmup + seconds + 90)
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)


# ---------------------------------------------------------------- the run

def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # so that `finally` stops the servers

def main() -> int:
    parser = argparse.ArgumentParser(description="Throughput of the academy against a bare Flask floor")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per endpoint (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per endpoint (default 1)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk exists")
    parser.add_argument("--output", type=Path, default=BENCH / "results" / "latest.json")
    parser.add_argument("--check", action="store_true", help="exit 1 when an endpoint misses its goal")
    args = parser.parse_args()

    use_wrk = os.access(WRK, os.X_OK) and not args.python_load
    work = Path(tempfile.mkdtemp(prefix="academy-bench-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'bench.db'}", "INSTANCE_PATH": str(work / "instance"),
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

        app_port, floor_port = free_port(), free_port()
        servers.append(Gunicorn("app", "app:create_app()", app_port, env, ROOT, work / "app.log"))
        servers.append(Gunicorn("floor", "floor_app:app", floor_port, env, BENCH, work / "floor.log"))
        servers[0].wait_ready("/healthz")
        servers[1].wait_ready("/")

        client, token = login(app_port, USER)
        status, take_path, _ = client.request("POST", f"/quizzes/{TAKE_QUIZ}/start", {"csrf_token": token})
        if status != 302 or not take_path.startswith("/attempts/"):
            raise RuntimeError(f"could not start {TAKE_QUIZ}: {status} {take_path}")
        endpoints = [(n, p or take_path, g, m) for n, p, g, m in GET_ENDPOINTS]

        # the submitted answers: form#answers of the quiz filled in once, like a learner would
        submit_jobs = []
        for username in SUBMIT_USERS:
            user_client, user_token = (client, token) if username == USER else login(app_port, username)
            submit_jobs.append({"kind": "submit", "quiz": SUBMIT_QUIZ, "cookies": user_client.cookies,
                                "csrf": user_token, "answers": None})
        status, attempt_path, _ = client.request("POST", f"/quizzes/{SUBMIT_QUIZ}/start", {"csrf_token": token})
        status, _, page = client.request("GET", attempt_path)
        form = AnswerForm()
        form.feed(page.decode("utf-8"))
        if status != 200 or not form.fields:
            raise RuntimeError(f"could not read the answer form of {SUBMIT_QUIZ} ({status})")
        for job in submit_jobs:
            job["answers"] = form.fields

        script = work / "count.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        cookie = client.cookie_header()
        results = []
        for name, path, goal, marker in endpoints:
            port = floor_port if name == "floor" else app_port
            check = Client(port, None if name == "floor" else client.cookies)
            status, _, page = check.request("GET", path)
            if status != 200 or marker.encode() not in page:
                raise RuntimeError(f"{name} {path} answered {status} without {marker!r}: {page[:300]!r}")
            jar = None if name == "floor" else cookie
            print(f"measuring {name:<10} {path} …", flush=True)
            if use_wrk:
                if args.warmup > 0:
                    wrk(port, path, jar, args.warmup, args.concurrency, script)
                result = wrk(port, path, jar, args.seconds, args.concurrency, script)
            else:
                jobs = [{"kind": "get", "path": path, "cookies": {} if name == "floor" else client.cookies}] * args.concurrency
                result = python_load(port, jobs, args.warmup, args.seconds)
            results.append({"endpoint": name, "path": path, "goal": goal, **result})

        print(f"measuring {'submit':<10} POST /quizzes/{SUBMIT_QUIZ}/start + /attempts/<id>/submit …", flush=True)
        jobs = [submit_jobs[i % len(submit_jobs)] for i in range(args.concurrency)]
        result = python_load(app_port, jobs, args.warmup, args.seconds)
        results.append({"endpoint": "submit", "path": f"POST /quizzes/{SUBMIT_QUIZ}/start + POST /attempts/<id>/submit",
                        "goal": SUBMIT_GOAL, **result, "unit": "cycles/s"})
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

    floor = results[0]["rps"] or 1.0
    for row in results:
        row["rps"] = round(row["rps"], 1)
        row["ratio"] = round(row["rps"] / floor, 3)
        row["meets_goal"] = None if row["goal"] is None else row["ratio"] >= row["goal"]
    print_table(results)
    report = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "method": {"load": "wrk" if use_wrk else "python", "submit_load": "python", "concurrency": args.concurrency,
                   "warmup_s": args.warmup, "seconds": args.seconds, "server": "gunicorn -w 2 -k sync",
                   "database": "sqlite (fresh, seed-demo)", "user": USER, "submit_users": list(SUBMIT_USERS)},
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


def print_table(results: list[dict]) -> None:
    header = f"{'endpoint':<11} {'req/s':>9} {'ratio':>7} {'goal':>7} {'ok?':>4} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
    print("\n" + header + "\n" + "-" * len(header))
    for r in results:
        goal = "—" if r["goal"] is None else f"≥{r['goal']:.2f}"
        ok = "" if r["meets_goal"] is None else ("yes" if r["meets_goal"] else "NO")
        rate = f"{r['rps']:.1f}" + ("*" if r.get("unit") == "cycles/s" else "")
        errors = r["errors"] + r["not_200"]
        print(f"{r['endpoint']:<11} {rate:>9} {r['ratio']:>7.3f} {goal:>7} {ok:>4} "
              f"{r['p50_ms'] if r['p50_ms'] is not None else '—':>8} {r['p99_ms'] if r['p99_ms'] is not None else '—':>8} {errors:>7}")
    print("* submit: start+submit cycles per second (two POSTs each)")


if __name__ == "__main__":
    sys.exit(main())
