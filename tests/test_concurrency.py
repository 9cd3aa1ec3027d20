"""One writer, many readers: the web app answers 2,000 queries while a reindex makes 20 commits,
and two reindexers started at once never both write."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from search.archive import open_archive
from search.indexer import update_index
from tests.conftest import ROOT
from tests.servers import get_json, open_fds, running_server, stale_fds

pytestmark = [pytest.mark.usefixtures("engine_name"), pytest.mark.slow]

COMMITS, PER_COMMIT, QUERIES, CLIENTS = 20, 50, 2_000, 4

PACED_REINDEX = """
import sys, time
from search.indexer import Progress, update_index

class Paced(Progress):
    def advance(self, done_bytes, articles):
        time.sleep(0.1)

report = update_index(sys.argv[1], [sys.argv[2]], batch_size=int(sys.argv[3]), progress=Paced())
print(report.added, report.commits, flush=True)
"""


def write_articles(path, start: int, count: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(start, start + count):
            record = {
                "id": f"h{i:05d}",
                "title": f"Harbour notice {i}",
                "body": f"The harbour master posted notice {i} about berth {i % 40}.",
                "date": f"2025-02-{1 + i % 28:02d}",
                "source": "Port Gazette",
            }
            handle.write(json.dumps(record) + "\n")


def test_queries_during_twenty_commits_never_fail_or_go_back(tmp_path, engine_name):
    index = tmp_path / "index"
    first = tmp_path / "first.jsonl"
    write_articles(first, 0, PER_COMMIT)
    update_index(index, [first])
    more = tmp_path / "more.jsonl"
    write_articles(more, PER_COMMIT, COMMITS * PER_COMMIT)

    with running_server(tmp_path, index) as (base, server):
        url = base + "/api/search?q=harbour&page_size=1"
        for _ in range(20):  # warm up every worker thread's searcher before the baseline
            get_json(url)
        fds_before = open_fds(server.pid)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        writer = subprocess.Popen(
            [sys.executable, "-c", PACED_REINDEX, str(index), str(more), str(PER_COMMIT)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        failures: list[str] = []
        backwards: list[str] = []
        done = threading.Semaphore(QUERIES)
        seen: list[list[int]] = [[] for _ in range(CLIENTS)]

        def client(number: int) -> None:
            while done.acquire(blocking=False):
                status, body = get_json(url)
                if status != 200:
                    failures.append(f"{status}: {body}")
                    continue
                totals = seen[number]
                if totals and body["total"] < totals[-1]:
                    backwards.append(f"{totals[-1]} -> {body['total']}")
                totals.append(body["total"])
                if writer.poll() is None:
                    time.sleep(0.002)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
        added, commits = map(int, out.split())
        assert (added, commits) == (COMMITS * PER_COMMIT, COMMITS)
        assert failures == []
        assert backwards == []
        distinct = sorted({t for totals in seen for t in totals})
        assert len(distinct) >= COMMITS // 2, f"queries saw too few commits: {distinct}"
        status, body = get_json(url)  # the last commit is visible on the next request
        assert (status, body["total"]) == (200, PER_COMMIT * (COMMITS + 1))
        for _ in range(50):  # every worker thread moves to the last commit
            get_json(url)
        # No leak: nothing still open from replaced commits, and a bounded number of files
        # (each of 8 threads may hold the files of every live segment).
        assert stale_fds(server.pid, index) == []
        live_files = sum(1 for p in index.iterdir() if p.is_file())
        assert open_fds(server.pid) <= fds_before + 8 * live_files


LOCK_SCRIPT = """
import sys, time
from search.indexer import Progress, update_index

class Paced(Progress):
    def start(self, total_bytes):
        print("writing", flush=True)  # the run holds the index's writer lock from here

    def advance(self, done_bytes, articles):
        time.sleep(1.0)  # ~10 s in all: longer than the lock timeout plus a Python start

update_index(sys.argv[1], [sys.argv[2]], batch_size=100, progress=Paced())
"""


def test_two_reindexers_at_once_one_writes_the_other_says_why(tmp_path, engine_name):
    index = tmp_path / "index"
    source = tmp_path / "articles.jsonl"
    write_articles(source, 0, 2_000)
    update_index(index, [tmp_path / "articles.jsonl"], batch_size=2_000)  # an index to share
    more = tmp_path / "more.jsonl"
    write_articles(more, 2_000, 2_000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start(script_args):
        return subprocess.Popen(
            [sys.executable, *script_args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    first = start(["-c", LOCK_SCRIPT, str(index), str(more)])
    assert first.stdout.readline().strip() == "writing"
    started = time.monotonic()
    second = start(["-m", "webui.cli", "reindex", "--quiet", "--index", str(index), str(more)])
    _, err = second.communicate(timeout=60)
    waited = time.monotonic() - started
    assert second.returncode == 1
    assert err.strip().splitlines() == [
        f"morgue: error: index {index} is locked by another writer; try again when it ends"
    ]
    assert waited < 3.0 + 5.0  # the lock timeout, plus starting Python
    first.send_signal(signal.SIGKILL)  # a killed writer's lock is free at once
    first.communicate()
    started = time.monotonic()
    report = update_index(index, [more], batch_size=500)
    assert time.monotonic() - started < 10
    assert report.rejected == 0
    with open_archive(index) as engine:
        assert len(engine.stored_hashes()) == engine.stats().articles == 4_000
