"""The shipped commands, timed from outside: how long `morgue --help` and `morgue search` take to
start, how soon `morgue serve` answers, and what HTTP adds to `/api/search`.

Used by ``benchmarks/run.py``; every figure is a median of several runs, and the HTTP figures
are compared with the same queries run in-process in the same run.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


def morgue_command() -> list[str]:
    """The installed console script beside this Python, else the module behind it."""
    script = Path(sys.executable).parent / "morgue"
    return [str(script)] if script.exists() else [sys.executable, "-m", "webui.cli"]


def _timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, capture_output=True, check=True, cwd=ROOT)
    return time.perf_counter() - started


def startup(small_index: Path, word: str = "IRS") -> dict:
    """Median wall seconds of `morgue --help`, `morgue search WORD` on a small index, and
    `python -c pass` (the floor), each run ``RUNS`` times after one warm-up."""
    cases = {
        "python_pass_s": [sys.executable, "-c", "pass"],
        "help_s": [*morgue_command(), "--help"],
        "search_s": [*morgue_command(), "search", word, "--index", str(small_index)],
    }
    found = {}
    for name, args in cases.items():
        _timed(args)
        found[name] = statistics.median(_timed(args) for _ in range(RUNS))
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def serve_and_query(index: Path, requests: list[dict], in_process_median_ms: float) -> dict:
    """Start `morgue serve` on ``index``: the seconds until its first answer, then the median
    latency of ``/api/search`` over ``requests`` (query-string dicts) on one kept-alive
    connection, beside ``in_process_median_ms`` (the same searches' `search()` median)."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    server = subprocess.Popen(
        [*morgue_command(), "serve", "--index", str(index), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )
    try:
        first = None
        while first is None and time.perf_counter() - started < 60:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status, _ = _get(connection, "/api/search?q=oil")
                if status == 200:
                    first = time.perf_counter() - started
            except OSError:
                time.sleep(0.02)
        if first is None:
            raise SystemExit("morgue serve did not answer within 60 s")
        paths = [f"/api/search?{urlencode(r, doseq=True)}" for r in requests]
        for path in paths:  # warm-up, as the in-process run had
            _get(connection, path)
        times = []
        for path in paths:
            begin = time.perf_counter()
            status, body = _get(connection, path)
            times.append((time.perf_counter() - begin) * 1000)
            if status != 200:
                raise SystemExit(f"{path}: HTTP {status}: {json.loads(body)}")
        connection.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    http_median = statistics.median(times)
    return {
        "serve_first_answer_s": first,
        "http_median_ms": http_median,
        "in_process_median_ms": in_process_median_ms,
        "http_adds_ms": http_median - in_process_median_ms,
    }
