"""Worker processes (``reindex --workers N``) change how fast an index is built, never what it
holds: the same articles under the same ids, the same messages, duplicates and stories, the same
written words, over a whole sequence of runs. Records cross chunk boundaries (256 records per
chunk) and come back from two workers in whatever order they finish."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import astuple, replace
from pathlib import Path

import pytest

from search.archive import open_archive, read_meta
from search.indexer import update_index
from search.vocabulary import FILE_NAME as WORDS_FILE
from tests.conftest import REUTERS_SLICE, ROOT
from tests.formats import Item, write_input
from tests.test_groups import groups_of

pytestmark = pytest.mark.usefixtures("engine_name")


def _articles(index: Path) -> list[tuple]:
    """Every stored article, with where it was read from but not when."""
    with open_archive(index) as engine:
        return sorted(
            astuple(replace(a, provenance=tuple(p for p in a.provenance if p[0] != "read at")))
            for a in engine.iter_articles()
        )


def _words(index: Path) -> list[tuple]:
    with sqlite3.connect(index / WORDS_FILE) as db:
        return sorted(db.execute("SELECT * FROM form"))


def _state(index: Path) -> tuple:
    return _articles(index), groups_of(index), _words(index)


def _report(report) -> tuple:
    return (
        report.added,
        report.updated,
        report.unchanged,
        report.rejected,
        report.duplicates,
        report.warnings,
        report.problems,
    )


def _first_inputs(folder: Path) -> list[Path]:
    items = [Item(k, 1) for k in range(300)]
    paths = write_input(folder, "feed", "rss", items[:40], gz=False)
    paths += write_input(folder, "export", "jsonl", items, gz=True)
    paths += write_input(folder, "notes", "text", items[:5], gz=False)
    broken = folder / "broken.jsonl"
    broken.write_text(
        json.dumps({"id": "fine-1", "title": "Harbour", "body": "A tanker in the harbour."})
        + "\n{not json\n"
        + json.dumps({"id": "no-text", "title": "", "body": ""})
        + "\n"
        + json.dumps({"id": "art-3", "title": "Story 3 again", "body": "Claimed first elsewhere."})
        + "\n",
        encoding="utf-8",
    )
    return [REUTERS_SLICE, *paths, broken]


def _edit_export(folder: Path) -> None:
    items = [Item(k, 2 if k % 3 == 0 else 1) for k in range(300)]  # a third of them edited
    write_input(folder, "export", "jsonl", items, gz=True)


def test_a_build_with_workers_holds_what_a_build_in_one_process_holds(tmp_path, engine_name):
    first = _first_inputs(tmp_path / "in")
    one, pool = tmp_path / "one", tmp_path / "pool"
    alone = update_index(one, first, engine=engine_name, workers=0)
    pooled = update_index(pool, first, engine=engine_name, workers=2)
    assert read_meta(pool)["engine"] == engine_name
    assert _report(pooled) == _report(alone)
    assert alone.added > 600  # hundreds of records: several chunks each way
    assert (alone.rejected, alone.duplicates, alone.warnings) == (1, 41, 2)
    assert any("broken.jsonl" in p and "line 2" in p for p in pooled.problems)
    assert _state(pool) == _state(one)

    _edit_export(tmp_path / "in")
    alone = update_index(one, first, workers=0)
    pooled = update_index(pool, first, workers=2)
    assert _report(pooled) == _report(alone)
    assert pooled.updated > 80
    assert pooled.added == 0
    assert _state(pool) == _state(one)

    unchanged = update_index(pool, first, workers=2)
    assert (unchanged.added, unchanged.updated) == (0, 0)
    assert _state(pool) == _state(one)


def test_a_script_without_a_main_guard_runs_once(tmp_path, engine_name):
    """Worker processes are spawned; they must not run the user's script again."""
    script = tmp_path / "build.py"
    script.write_text(
        "from search.indexer import update_index\n"
        "print('script ran', flush=True)\n"
        f"report = update_index({str(tmp_path / 'index')!r}, [{str(REUTERS_SLICE)!r}], "
        f"engine={engine_name!r}, workers=2)\n"
        "print('added', report.added)\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("script ran") == 1
    with open_archive(tmp_path / "index") as engine:
        assert f"added {engine.stats().articles}" in done.stdout


def test_reindex_takes_workers_from_the_command_line(tmp_path, engine_name):
    from click.testing import CliRunner

    from webui.cli import cli

    runner = CliRunner()
    index = tmp_path / "index"
    done = runner.invoke(
        cli, ["reindex", "--workers", "2", "-q", str(REUTERS_SLICE), "--index", str(index)]
    )
    assert done.exit_code == 0, done.output
    reference = tmp_path / "reference"
    update_index(reference, [REUTERS_SLICE], engine=engine_name)
    assert _articles(index) == _articles(reference)
    wrong = runner.invoke(
        cli, ["reindex", "--workers", "-1", str(REUTERS_SLICE), "--index", str(index)]
    )
    assert wrong.exit_code == 2
    assert "--workers" in wrong.output
