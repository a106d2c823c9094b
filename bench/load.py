"""HTTP client, login and the Python load generator used by bench/run.py (runs in its own process)."""
from __future__ import annotations

import http.client
import multiprocessing
import re
import threading
import time
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

PASSWORD = "bench-pass-123"  # the demo password run.py seeds

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
