"""The wrk load generator for bench/run.py: GET pages (bench/count.lua) and signed-in POSTs (bench/post.lua)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
WRK = "/usr/bin/wrk"


def _run(threads: int, connections: int, seconds: float, script: str, url: str, options=(), script_args=()) -> str:
    cmd = [WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "--latency",
           "-s", str(BENCH / script), *options, url]
    if script_args:
        cmd += ["--", *script_args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout


def wrk_get(port: int, path: str, cookie: str | None, seconds: float, concurrency: int) -> dict:
    out = _run(min(2, concurrency), concurrency, seconds, "count.lua", f"http://127.0.0.1:{port}{path}",
               ["-H", f"Cookie: {cookie}"] if cookie else [])

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
        **latencies(out),
        "tool": "wrk",
    }


def wrk_posts(port: int, mode: str, path: str, jobs: list[dict], connections: int, seconds: float) -> dict:
    """bench/post.lua with one wrk thread per learner: start → submit cycles ("cycle") or the same POST ("write");
    the rate is of what finished (cycles, or 200 answers)."""
    learners = []
    for job in jobs:
        learners += ["; ".join(f"{k}={v}" for k, v in job["cookies"].items()), job["csrf"]]
    answers = urlencode(jobs[0].get("answers") or [])
    out = _run(len(jobs), connections, seconds, "post.lua", f"http://127.0.0.1:{port}{path}",
               script_args=[mode, path, answers, *learners])
    return _finished(out, mode)


def wrk_started_submits(port: int, prefix: str, threads: int, answers: list, connections: int, seconds: float) -> dict:
    """bench/post.lua's "submit" mode: submits of attempts started ahead (bench/prestart.py, one file per thread)."""
    out = _run(threads, connections, seconds, "post.lua", f"http://127.0.0.1:{port}/",
               script_args=["submit", prefix, urlencode(answers)])
    return _finished(out, "submit")


def _finished(out: str, mode: str) -> dict:
    match = re.search(r"FINISHED (\d+) ERRORS (\d+) DURATION_US (\d+)", out)
    if not match:
        raise RuntimeError(f"wrk gave no {mode} result:\n{out}")
    finished, errors, duration_us = (int(n) for n in match.groups())
    return {"rps": finished / (duration_us / 1e6), "requests": finished, "errors": errors, "not_200": 0,
            **latencies(out), "tool": "wrk"}


def latencies(wrk_output: str) -> dict:
    """p50 and p99 in ms from wrk's --latency report."""
    return {f"p{p}_ms": _ms(re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", wrk_output)) for p in (50, 99)}


def _ms(match) -> float | None:
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2)
    return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)
