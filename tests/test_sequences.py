"""Sequences of real use through the command line, on each engine: several kinds of files indexed
into one archive one run after another, with ``morgue stats`` and ``morgue check`` after each.

The first two are the sequences that broke the Whoosh index (columns shorter than the index once
some segments held articles without a raw digest); the rest are 3, 5 and 10 runs of mixed formats.
"""

from __future__ import annotations

import json
import shutil

import pytest

from search.archive import read_meta
from search.cli import run
from tests.conftest import SEEDS
from tests.formats import FORMATS, Item, write_input
from webui.cli import cli


def morgue(*args: str) -> int:
    return run(cli, [str(a) for a in args])


def articles(index, capsys) -> int:
    capsys.readouterr()
    assert morgue("stats", "--json", "--index", index) == 0
    return json.loads(capsys.readouterr().out)["articles"]


def checked(index, capsys) -> None:
    capsys.readouterr()
    assert morgue("check", "--index", index) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.strip().endswith("articles read back")


def test_seeds_then_a_feed_then_anything_again(tmp_path, engine_name, capsys):
    index = tmp_path / "X"
    feed = write_input(
        tmp_path / "feed", "feed", "rss", [Item(1, 0), Item(2, 0), Item(5, 0)], False
    )
    assert morgue("reindex", SEEDS, "--index", index, "--engine", engine_name) == 0
    assert morgue("reindex", *feed, "--index", index) == 0
    assert morgue("reindex", SEEDS, "--index", index) == 0
    assert morgue("reindex", *feed, "--index", index) == 0
    assert read_meta(index)["engine"] == engine_name
    assert articles(index, capsys) == 5
    checked(index, capsys)


def test_text_then_a_csv_then_the_csv_again(tmp_path, engine_name, capsys):
    index = tmp_path / "X"
    texts = write_input(tmp_path / "t", "note", "text", [Item(1, 0), Item(2, 0)], False)
    table = write_input(tmp_path / "c", "export", "csv", [Item(3, 0), Item(4, 0)], False)
    assert morgue("reindex", *texts, "--index", index, "--engine", engine_name) == 0
    assert morgue("reindex", *table, "--index", index) == 0
    assert morgue("reindex", *table, "--index", index) == 0
    assert "0 added, 0 updated, 2 unchanged" in capsys.readouterr().out
    assert articles(index, capsys) == 4
    checked(index, capsys)


@pytest.mark.parametrize("runs", [3, 5, 10])
def test_runs_of_mixed_formats_into_one_index(tmp_path, engine_name, capsys, runs):
    """Run n indexes format n (cycling through all of them, gzipped every other time) with two
    new stories, and a new version of the story of run n - 2; totals are exact after each."""
    index = tmp_path / "index"
    expected: dict[str, int] = {}  # model id -> version
    shutil.copytree(SEEDS, tmp_path / "seeds")
    assert morgue("reindex", tmp_path / "seeds", "--index", index, "--engine", engine_name) == 0
    seed_count = 2
    for n in range(runs):
        fmt = FORMATS[n % len(FORMATS)]
        items = [Item(10 * n, 0), Item(10 * n + 1, 0)]
        if n >= 2:
            items.append(Item(10 * (n - 2), 1))  # a new version of an earlier story
        paths = write_input(tmp_path / f"run{n}", f"in{n}", fmt, items, gz=n % 2 == 1)
        assert morgue("reindex", *paths, "--index", index) == 0
        for item in items:
            if fmt in ("text",):
                expected[f"text:{item.k}:{item.v}"] = item.v
            elif fmt == "html":
                expected[f"html:{item.k}"] = item.v
            else:
                expected[f"id:{item.k}"] = item.v
        assert articles(index, capsys) == seed_count + len(expected), (n, fmt)
        checked(index, capsys)
