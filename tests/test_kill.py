"""SIGKILL a real ``update_index`` process: at random moments of a 20,000-article run, and at
named points inside a commit. The index must always open as a complete commit (never a mix), and a
rerun must finish with exactly the articles of the input, each once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from search.archive import open_archive
from search.check import check_index
from search.errors import MorgueError
from search.indexer import update_index
from tests.conftest import ROOT, run_python

pytestmark = [pytest.mark.usefixtures("engine_name"), pytest.mark.slow]

TOTAL, BATCH = 20_000, 1_000

# Paced so a kill can land anywhere on any machine and engine: ~6 s for 20,000 articles.
RUN_SCRIPT = """
import sys, time
from search.indexer import Progress, update_index

class Paced(Progress):
    def advance(self, done_bytes, articles):
        time.sleep(0.06)

update_index(sys.argv[1], [sys.argv[2]], batch_size=int(sys.argv[3]), progress=Paced())
print("done", flush=True)
"""

# Kills itself at a named point inside a Whoosh commit, by wrapping the durable storage.
POINT_SCRIPT = """
import os, signal, sys
from search.engines import whoosh_storage
from search.indexer import update_index

point, index, source, batch, skip = sys.argv[1:6]
storage = whoosh_storage.DurableFileStorage
state = {"commits": 0}

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def wanted():
    return state["commits"] >= int(skip)

create_file = storage.create_file
def patched_create(self, name, *args, **kwargs):
    sfile = create_file(self, name, *args, **kwargs)
    if point in ("segment-written", "first-commit") and not name.endswith(".toc") \\
            and ".toc." not in name and wanted():
        inner = sfile.onclose
        def close_then_die(structfile):
            inner(structfile)
            die()
        sfile.onclose = close_then_die
    return sfile

rename_file = storage.rename_file
def patched_rename(self, old, new, safe=False):
    is_toc = new.endswith(".toc")
    if is_toc and point == "toc-written" and wanted():
        die()
    rename_file(self, old, new, safe=safe)
    if is_toc:
        if point == "toc-renamed" and wanted():
            die()
        state["commits"] += 1

storage.create_file = patched_create
storage.rename_file = patched_rename
update_index(index, [source], batch_size=int(batch))
"""


def write_articles(path, total: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(total):
            record = {
                "id": f"k{i:05d}",
                "title": f"Harbour report {i}",
                "body": f"Dock workers at berth {i % 97} unloaded cargo; tally{i} recorded.",
                "date": f"2025-01-{1 + i % 28:02d}",
                "source": "Wire",
            }
            handle.write(json.dumps(record) + "\n")


def expected_ids(n: int) -> list[str]:
    return [f"k{i:05d}" for i in range(n)]


def stored_ids(index) -> list[str] | None:
    """Every id in the index, after reading every stored article back; None if there is none."""
    try:
        with open_archive(index) as engine:
            ids = sorted(engine.stored_hashes())
            read_back = sorted(a.id for a in engine.iter_articles())
    except MorgueError:
        return None
    assert read_back == ids, "stored articles and id column disagree"
    return ids


def test_ten_random_kills_then_a_rerun_completes_exactly(tmp_path, engine_name):
    source = tmp_path / "articles.jsonl"
    write_articles(source, TOTAL)
    index = tmp_path / "index"
    rng = random.Random(7)
    kills = 0
    counts = []
    while kills < 10:
        process = run_python(RUN_SCRIPT, index, source, BATCH)
        time.sleep(rng.uniform(0.3, 4.0))
        if process.poll() is not None:  # finished before the kill: start over from scratch
            process.communicate()
            break
        process.send_signal(signal.SIGKILL)
        _, err = process.communicate()
        assert "Traceback" not in err
        kills += 1
        ids = stored_ids(index) or []
        assert len(ids) % BATCH == 0, f"kill {kills}: {len(ids)} articles is not whole commits"
        assert ids == expected_ids(len(ids)), f"kill {kills}: not exactly the first commits"
        assert not counts or len(ids) >= counts[-1], "a kill lost committed articles"
        counts.append(len(ids))
    assert kills == 10, f"only {kills} kills landed before a run finished: {counts}"
    report = update_index(index, [source], batch_size=BATCH)
    assert report.added == TOTAL - counts[-1]
    assert report.unchanged == counts[-1]
    assert report.rejected == report.duplicates == 0
    assert stored_ids(index) == expected_ids(TOTAL)
    assert check_index(index).ok


POINTS = ["segment-written", "toc-written", "toc-renamed"]


@pytest.mark.parametrize("point", POINTS)
def test_kill_inside_a_whoosh_commit_leaves_the_old_or_the_new_commit(tmp_path, engine_name, point):
    if engine_name != "whoosh":
        pytest.skip("named points are inside Whoosh's commit (tantivy's are in Rust)")
    source = tmp_path / "articles.jsonl"
    write_articles(source, 600)
    for attempt in range(3):
        index = tmp_path / f"index-{attempt}"
        # Two commits succeed (the empty index counts as one), the third is killed at `point`.
        process = run_python(POINT_SCRIPT, point, index, source, 200, 3)
        _, err = process.communicate(timeout=120)
        assert process.returncode == -signal.SIGKILL, err
        ids = stored_ids(index)
        assert ids in (expected_ids(400), expected_ids(600)), (point, ids and len(ids))
        assert check_index(index).ok
        report = update_index(index, [source], batch_size=200)
        assert report.added == 600 - len(ids)
        assert stored_ids(index) == expected_ids(600)


def test_kill_during_the_first_commit_reads_as_no_index_yet(tmp_path, engine_name):
    source = tmp_path / "articles.jsonl"
    write_articles(source, 600)
    index = tmp_path / "index"
    if engine_name == "whoosh":
        process = run_python(POINT_SCRIPT, "first-commit", index, source, 200, 1)
        process.communicate(timeout=120)
    else:
        process = run_python(RUN_SCRIPT, index, source, 200)
        deadline = time.monotonic() + 60
        while not (index / "morgue.json").exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    ids = stored_ids(index)
    assert ids in (None, [], expected_ids(200))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    shown = subprocess.run(
        [sys.executable, "-m", "webui.cli", "stats", "--index", str(index)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert "Traceback" not in shown.stderr
    if ids is None:
        assert shown.returncode == 1
        assert "no index at" in shown.stderr
    else:
        assert shown.returncode == 0
    update_index(index, [source], batch_size=200)
    assert stored_ids(index) == expected_ids(600)
