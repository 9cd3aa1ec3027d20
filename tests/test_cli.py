"""The command line: output shapes, exit statuses and one-line errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import ExitStatus, run
from tests.conftest import REUTERS_SLICE
from webui.cli import cli

pytestmark = pytest.mark.usefixtures("engine_name")


@pytest.fixture
def morgue(capsys):
    """Run the CLI in-process; return (status, stdout, stderr)."""

    def call(*args: str):
        status = run(cli, [str(a) for a in args])
        out = capsys.readouterr()
        return status, out.out, out.err

    return call


def test_reindex_summary_and_json_search_on_seeds(morgue, tmp_path, seeds_copy):
    index = tmp_path / "index"
    status, out, err = morgue("reindex", seeds_copy, "--index", index)
    assert status == ExitStatus.OK
    assert re.fullmatch(
        rf"{re.escape(str(index))}: 2 added, 0 updated, 0 unchanged, 0 rejected in \d+\.\d s"
        r"( \(\d+ articles/s\))?",  # the rate is shown for a run of a second or more
        out.strip(),
    )
    status, out, _ = morgue("search", "deputize IRS agents", "--json", "--index", index)
    assert status == ExitStatus.OK
    document = json.loads(out)
    assert set(document) == {
        *("query", "total", "stories", "copy_groups", "collapse", "page", "pages"),
        *("hits", "facets", "warnings", "mode_used", "all_words_total", "without_filters"),
        *("suggestion", "variants", "spellings", "some_words", "some_words_total"),
    }
    assert (document["mode_used"], document["all_words_total"]) == ("all", None)
    assert (document["stories"], document["copy_groups"], document["collapse"]) == (1, 2, "copies")
    assert document["query"] == "deputize IRS agents"
    assert document["total"] == 2
    assert document["page"] == 1
    assert {f["value"]: f["count"] for f in document["facets"]["source"]} == {
        "Fox News": 1,
        "Reuters": 1,
    }
    assert document["facets"]["date"] == [{"bucket": "2025-02-10", "count": 2}]
    # the two seeds: one story of two outlets, two different copy groups
    first, second = document["hits"]
    assert first["story"] == second["story"] is not None
    assert first["story_size"] == second["story_size"] == 2
    assert first["copy_group"] != second["copy_group"]
    assert (first["copies"], second["copies"]) == (1, 1)
    for hit in document["hits"]:
        assert set(hit) == {
            *("id", "title", "source", "date", "url", "author", "place", "fields", "score"),
            "snippet",
            *("snippet_spans", "title_spans", "copy_group", "copies", "story", "story_size"),
            *("collapsed", "collapsed_outlets"),
        }
        spans = hit["snippet_spans"]
        assert spans
        assert all(
            hit["snippet"][a:b].lower().startswith(("deput", "irs", "agent")) for a, b in spans
        )
        assert "deputize" in hit["snippet"].lower()
        assert "<" not in hit["snippet"]


def test_readable_search_output(morgue, seed_index):
    status, out, _ = morgue("search", "guantanamo", "--index", seed_index)
    assert status == ExitStatus.OK
    lines = out.splitlines()
    assert lines[0].startswith("1 article \u00b7 1 story for 'guantanamo' (page 1 of 1,")
    assert "2025-02-10 \u00b7 Reuters \u00b7 Ted Hesson" in out
    assert "Guantanamo" in out
    assert "Sources: Reuters 1" in out


def test_filters_sort_and_paging_options(morgue, slice_index):
    status, out, _ = morgue(
        "search",
        '"cocoa" AND source:reuters',
        "--from",
        "1987-03-01",
        "--to",
        "1987-03-31",
        "--sort",
        "newest",
        "--json",
        "--index",
        slice_index,
        "--limit",
        "5",
        "--page",
        "2",
    )
    assert status == ExitStatus.OK
    document = json.loads(out)
    assert document["page"] == 2
    assert len(document["hits"]) == 5
    dates = [h["date"] for h in document["hits"]]
    assert dates == sorted(dates, reverse=True)
    assert all(d.startswith("1987-03") for d in dates)
    assert document["total"] == sum(f["count"] for f in document["facets"]["source"])


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (
            ["search", '"unbalanced (AND'],
            2,
            'morgue: error: unbalanced quote: this " is never closed (at character 1)',
        ),
        (["search", "nope:x"], 2, "morgue: error: unknown field nope:"),
        (
            ["search", "irs", "--from", "2025-13"],
            2,
            "morgue: error: --from '2025-13' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)",
        ),
        (["search", "irs", "--sort", "random"], 2, "morgue: error: Invalid value for '--sort'"),
        (["search", "irs", "--page", "0"], 2, "morgue: error: Invalid value for '--page'"),
        (["frobnicate"], 2, "morgue: error: No such command 'frobnicate'."),
        # suggested among every command, loaded or not
        (["serch"], 2, "morgue: error: No such command 'serch'. Did you mean 'search' or 'serve'?"),
        (["kwik"], 2, "morgue: error: No such command 'kwik'. Did you mean 'kwic'?"),
    ],
)
def test_errors_are_one_line_with_status(morgue, seed_index, args, status, message):
    got, out, err = morgue(*args, "--index", seed_index) if args[0] == "search" else morgue(*args)
    assert got == status
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(message)
    assert "Traceback" not in err


def test_missing_index_exits_1_and_traceback_on_request(morgue, tmp_path):
    status, _, err = morgue("search", "x", "--index", tmp_path / "none")
    assert status == ExitStatus.ERROR
    assert err.strip() == (
        f"morgue: error: no index at {tmp_path / 'none'}; build one with "
        f"`morgue reindex PATH... --index {tmp_path / 'none'}`"
    )
    status, _, err = morgue("search", "x", "--index", tmp_path / "none", "--traceback")
    assert status == ExitStatus.ERROR
    assert "Traceback (most recent call last)" in err


def test_reindex_reports_bad_records_and_goes_on(morgue, tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text('{"id": "1", "title": "Good", "body": "fine"}\n{bad\n', encoding="utf-8")
    status, out, err = morgue("reindex", data, "--index", tmp_path / "index")
    assert status == ExitStatus.OK
    assert (
        err.strip() == f"{data}: line 2: invalid JSON: "
        "Expecting property name enclosed in double quotes at column 2"
    )
    assert "1 added, 0 updated, 0 unchanged, 1 rejected" in out
    status, out, err = morgue("reindex", data, "--index", tmp_path / "index", "--quiet")
    assert err == ""
    assert "0 added, 0 updated, 1 unchanged, 1 rejected" in out


def test_stats(morgue, seed_index):
    status, out, _ = morgue("stats", "--json", "--index", seed_index)
    assert status == ExitStatus.OK
    stats = json.loads(out)
    assert stats["articles"] == 2
    assert stats["sources"] == [{"value": "Fox News", "count": 1}, {"value": "Reuters", "count": 1}]
    assert stats["first_date"] == stats["last_date"] == "2025-02-10"
    assert stats["size_bytes"] > 0
    assert stats["schema_version"].startswith("en_stem_v")
    status, out, _ = morgue("stats", "--index", seed_index)
    assert "Articles:   2 (0 undated)" in out


def test_installed_entry_point_runs_end_to_end(tmp_path, seeds_copy):
    """One run of the real console script, as a user types it."""
    exe = shutil.which("morgue") or str(Path(sys.executable).with_name("morgue"))
    if not Path(exe).exists():
        pytest.skip("the morgue console script is not installed (pip install -e .)")
    index = tmp_path / "index"
    done = subprocess.run(
        [exe, "reindex", str(seeds_copy), "--index", str(index)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [exe, "search", "deputize IRS agents", "--json", "--index", str(index)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert json.loads(done.stdout)["total"] == 2
    done = subprocess.run(
        [exe, "search", '"unbalanced (AND', "--index", str(index)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("morgue: error: unbalanced quote")


def test_every_command_has_help(morgue):
    assert {"reindex", "search", "stats", "serve"} <= set(cli.commands)
    for name in cli.commands:
        status, out, _ = morgue(name, "--help")
        assert status == ExitStatus.OK
        assert f"Usage: morgue {name}" in out


def test_slice_file_reindexes_through_the_cli(morgue, tmp_path):
    status, out, _ = morgue("reindex", REUTERS_SLICE, "--index", tmp_path / "i", "-q")
    assert status == ExitStatus.OK
    assert "368 added" in out


def test_help_lists_every_command_as_the_commands_describe_themselves():
    """``morgue --help`` is drawn from the lazy group's own lines (no command module is imported
    for it): they must be the commands' own, and the page what an eager group would print."""
    import importlib

    import click

    from search.cli import COMMANDS
    from webui.cli import cli, serve

    eager = click.Group(name="morgue", help=cli.help, params=cli.params)
    eager.context_settings = cli.context_settings
    for name, (module, attribute, line) in COMMANDS.items():
        command = getattr(importlib.import_module(module), attribute)
        assert command.short_help == line, name
        eager.add_command(command, name)
    eager.add_command(serve)
    lazy = CliRunner().invoke(cli, ["--help"], prog_name="morgue")
    assert lazy.exit_code == 0
    assert lazy.output == CliRunner().invoke(eager, ["--help"], prog_name="morgue").output
    assert "  search     Search the index." in lazy.output


def test_starting_a_command_imports_only_what_it_needs():
    """`morgue --help` imports no command module and no engine; `morgue stats` no NLTK."""
    script = (
        "import sys; from webui.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('nltk', 'whoosh', 'tantivy', "
        "'search.cli.', 'search.indexer', 'search.searching', 'numpy', 'scipy'))), file=sys.stderr)"
    )
    found = subprocess.run(
        [sys.executable, "-c", script, "--help"], capture_output=True, text=True, check=True
    )
    assert found.stderr.strip() == "['search.cli.options', 'search.cli.runner']"
