"""A real ``morgue serve`` (waitress, the shipped configuration) on a free loopback port."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"morgue serve exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"morgue serve did not answer at {url} within {timeout} s")


@contextlib.contextmanager
def running_server(root: Path, index: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """``morgue serve`` over ``index``; yields its base URL and process, stops it afterwards.

    Its output goes to a file, never a pipe nobody reads: under load waitress logs its queue
    depth, and a full pipe would stall the server (found by the load test).
    """
    port = free_port()
    env = {**os.environ, "MORGUE_INSTANCE_PATH": str(root / "instance"), "PYTHONPATH": str(ROOT)}
    log = root / f"serve-{port}.log"
    with open(log, "w", encoding="utf-8") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "webui.cli",
                "serve",
                "--port",
                str(port),
                "--index",
                str(index),
            ],
            cwd=root,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(base + "/", process, log)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def get(url: str, timeout: float = 30) -> tuple[int, bytes, dict]:
    """Status, body and headers; an HTTP error status is returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def get_json(url: str, timeout: float = 30) -> tuple[int, dict]:
    status, body, _ = get(url, timeout)
    return status, json.loads(body)


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def stale_fds(pid: int, folder: Path) -> list[str]:
    """Open files of ``pid`` in ``folder`` that no longer exist there: what a leak leaves."""
    stale = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)) and (
            target.endswith(" (deleted)") or not os.path.exists(target)
        ):
            stale.append(target)
    return stale
