"""Saved queries: the SQLite store, runs and "new since last run", exports, migrations, CLI."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import sqlite3
from datetime import date

import pytest

from search.archive import open_archive
from search.cli import ExitStatus, run
from search.errors import QuerySyntaxError
from search.export import chunks, export_rows, neutralise
from search.indexer import update_index
from search.query.parser import parse_query
from search.saved import SavedQueryError, SavedStore, decode_keys, encode_keys
from search.saved.schema import MIGRATIONS, SCHEMA_VERSION, migrate
from search.saved.transfer import dump, load
from search.searching import run_search
from tests.conftest import DATA, REUTERS_SLICE
from webui.cli import cli

pytestmark = pytest.mark.usefixtures("engine_name")


@pytest.fixture
def store(tmp_path):
    with SavedStore(tmp_path / "saved.sqlite3") as saved_store:
        yield saved_store


@pytest.fixture
def halves(tmp_path):
    """The Reuters slice split in two files, to index one and then the other."""
    lines = gzip.decompress(REUTERS_SLICE.read_bytes()).decode("utf-8").splitlines(keepends=True)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("".join(lines[:180]), encoding="utf-8")
    second.write_text("".join(lines[180:]), encoding="utf-8")
    return first, second


def test_add_get_list_and_pragmas(store):
    item = store.add(
        "Cocoa in March",
        "cocoa",
        sources=["Reuters"],
        date_from=date(1987, 3, 1),
        sort="newest",
        notes="for the crop story",
    )
    assert item.slug == "cocoa-in-march"
    assert store.get("cocoa-in-march") == store.get("Cocoa in March")
    assert item.sources == ("Reuters",)
    assert item.sort == "newest"
    assert item.version == 1
    assert [s.name for s in store.list()] == ["Cocoa in March"]
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_bad_queries_and_duplicate_names_are_refused(store):
    with pytest.raises(QuerySyntaxError, match="unbalanced quote"):
        store.add("broken", '"oops')
    store.add("oil", "oil")
    with pytest.raises(SavedQueryError, match="exists already"):
        store.add("OIL", "gas")  # same slug
    with pytest.raises(SavedQueryError, match="no saved query named 'gas'"):
        store.get("gas")
    assert [s.name for s in store.list()] == ["oil"]


def test_edit_keeps_versions_and_delete_removes_history(store):
    store.add("oil", "oil")
    store.edit("oil", notes="just notes")
    assert store.get("oil").version == 1  # notes do not make a version
    store.edit("oil", query="oil AND price*", sources=("Reuters",))
    store.edit("oil", new_name="Oil prices")
    versions = store.versions("oil-prices")
    assert [(v.version, v.query, v.sources) for v in versions] == [
        (1, "oil", ()),
        (2, "oil AND price*", ("Reuters",)),
    ]
    store.delete("oil-prices")
    assert store.list() == []
    assert [d.name for d in store.deleted()] == ["Oil prices"]
    store.add("Oil prices", "something else")  # the name is free at once
    with pytest.raises(SavedQueryError, match="exists; rename it first"):
        store.restore("Oil prices")
    store.delete("Oil prices")
    restored = store.restore("oil-prices")  # the most recently deleted one
    assert restored.query == "something else"
    store.edit("Oil prices", new_name="Other")
    first = store.restore("Oil prices")
    assert [(v.version, v.query) for v in store.versions(first.slug)] == [
        (1, "oil"),
        (2, "oil AND price*"),
    ]


def test_new_since_last_run_after_indexing_more(tmp_path, store, halves):
    first, second = halves
    index = tmp_path / "index"
    update_index(index, [first])
    store.add("cocoa", "cocoa")
    with open_archive(index) as engine:
        before = set(engine.match_keys(parse_query("cocoa"), store.get("cocoa").request))
        baseline = store.run("cocoa", engine)
    assert baseline.first
    assert baseline.run.total == len(before)
    assert baseline.run.new == 0
    update_index(index, [second])
    with open_archive(index) as engine:
        after = set(engine.match_keys(parse_query("cocoa"), store.get("cocoa").request))
        report = store.run("cocoa", engine, new_only=True)
        assert len(after) > len(before)
        assert report.run.new == len(after - before)
        assert report.new_ids == after - before
        assert {h.id for h in report.hits} == after - before
        # Running again on the same index records nothing and reports the same news.
        again = store.run("cocoa", engine)
        assert not again.recorded
        assert again.new_ids == after - before
    runs = store.runs("cocoa")
    assert [(r.total, r.new) for r in runs] == [(len(before), 0), (len(after), len(after - before))]
    assert runs[1].index_articles == 368
    assert runs[0].index_articles == 180
    assert runs[1].index_schema.startswith("en_stem_v")


def test_updated_and_removed_articles_count_as_changed_and_gone(tmp_path, store):
    source = tmp_path / "a.jsonl"
    rows = [
        {"id": f"a{i}", "title": f"Harbour {i}", "body": "harbour news", "date": "2025-01-01"}
        for i in range(3)
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    update_index(tmp_path / "index", [source])
    store.add("harbour", "harbour")
    with open_archive(tmp_path / "index") as engine:
        store.run("harbour", engine)
    rows[0]["body"] = "harbour news, corrected"
    rows[2].update(title="Rail 2", body="nothing to see")
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    update_index(tmp_path / "index", [source])
    with open_archive(tmp_path / "index") as engine:
        report = store.run("harbour", engine)
    assert (report.run.new, report.run.changed, report.run.gone) == (0, 1, 1)
    assert report.changed_ids == {"a0"}


def test_run_keys_are_stored_compactly():
    keys = {f"reuters21578-{i}": f"{i:032x}" for i in range(10_000)}
    blob = encode_keys(keys)
    assert len(blob) < 10_000 * 12  # far below the raw ~50 bytes a hit
    assert decode_keys(blob) == {k: v[:12] for k, v in keys.items()}


def test_export_rows_equal_total_in_rank_and_date_order(slice_engine):
    for sort in ("relevance", "newest"):
        request = parse_request("oil", sort)
        text = "".join(chunks(export_rows(slice_engine, request), "csv"))
        rows = list(csv.DictReader(io.StringIO(text)))
        total = run_search(slice_engine, request).total
        assert len(rows) == total > 10
        assert list(rows[0]) == [
            "id",
            "date",
            "source",
            "title",
            "author",
            "url",
            "score",
            "snippet",
            "snippet_spans",
            "copy_group",
            "story",
            "new",
        ]
        if sort == "newest":
            assert [r["date"] for r in rows] == sorted((r["date"] for r in rows), reverse=True)
        else:
            scores = [float(r["score"]) for r in rows]
            assert scores == sorted(scores, reverse=True)
    lines = "".join(chunks(export_rows(slice_engine, parse_request("oil")), "jsonl")).splitlines()
    assert len(lines) == run_search(slice_engine, parse_request("oil")).total
    assert json.loads(lines[0])["id"]


def parse_request(query, sort="relevance"):
    from search.types import SearchRequest

    return SearchRequest(query=query, sort=sort)


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
    ],
)
def test_csv_injection_is_neutralised(cell, safe):
    assert neutralise(cell) == safe


def test_hostile_titles_are_neutralised_in_csv(tmp_path):
    source = tmp_path / "h.jsonl"
    source.write_text(
        json.dumps(
            {
                "id": "=cmd|' /C calc'!A0",
                "title": "=1+1 harbour",
                "body": "harbour",
                "source": "@evil",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    update_index(tmp_path / "index", [source])
    with open_archive(tmp_path / "index") as engine:
        text = "".join(chunks(export_rows(engine, parse_request("harbour")), "csv"))
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["title"] == "'=1+1 harbour"
    assert row["source"] == "'@evil"
    assert row["id"].startswith("'=")


def test_migration_from_the_previous_schema(tmp_path):
    path = tmp_path / "old.sqlite3"
    shutil.copy(DATA / "saved_v1.sqlite3", path)
    with SavedStore(path) as migrated:
        assert migrated.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        item = migrated.get("cocoa-crop")
        assert (item.query, item.sources, item.sort, item.notes) == (
            "cocoa AND crop",
            ("Reuters",),
            "newest",
            "from the v1 days",
        )
        assert item.date_from == date(1987, 1, 1)
        assert [v.version for v in migrated.versions("cocoa-crop")] == [1]
        (old_run,) = migrated.runs("cocoa-crop")
        assert (old_run.total, old_run.version, old_run.new) == (2, 1, 0)
        assert old_run.index_articles is None


def test_a_failing_migration_leaves_the_old_version_intact(tmp_path):
    path = tmp_path / "old.sqlite3"
    shutil.copy(DATA / "saved_v1.sqlite3", path)
    broken = [*MIGRATIONS[:1], (2, MIGRATIONS[1][1] + "; ALTER TABLE nowhere ADD COLUMN x")]
    db = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        migrate(db, broken)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "query_version" not in tables
    assert db.execute("SELECT COUNT(*) FROM saved_query").fetchone()[0] == 1
    db.close()


def test_dump_and_load_move_queries_between_databases(tmp_path, store):
    store.add("oil", "oil AND price*", sources=["Reuters"], notes="n")
    store.edit("oil", query="oil AND pric*")
    document = json.loads(json.dumps(dump(store)))
    with SavedStore(tmp_path / "other.sqlite3") as other:
        assert load(other, document) == (1, 0)
        assert load(other, document) == (0, 1)
        moved = other.get("oil")
        assert (moved.query, moved.sources, moved.notes) == ("oil AND pric*", ("Reuters",), "n")
        with pytest.raises(SavedQueryError, match="not a Morgue saved-queries file"):
            load(other, {"queries": []})


@pytest.fixture
def morgue(capsys):
    def call(*args):
        status = run(cli, [str(a) for a in args])
        out = capsys.readouterr()
        return status, out.out, out.err

    return call


def test_cli_saved_flow(morgue, tmp_path, halves):
    first, second = halves
    index, db = tmp_path / "index", tmp_path / "s.sqlite3"
    common = ("--index", index, "--db", db)
    assert morgue("reindex", first, "--index", index, "-q")[0] == ExitStatus.OK
    status, out, _ = morgue("saved", "add", "oil", "oil AND price*", "--db", db)
    assert status == ExitStatus.OK
    assert "saved 'oil'" in out
    status, _, err = morgue("saved", "add", "bad", '"oops', "--db", db)
    assert status == ExitStatus.USAGE
    assert err.startswith("morgue: error: unbalanced quote")
    status, out, _ = morgue("saved", "run", "oil", "--json", *common)
    first_run = json.loads(out)
    assert first_run["new"] == 0
    assert first_run["total"] > 0
    morgue("reindex", second, "--index", index, "-q")
    status, out, _ = morgue("saved", "run", "oil", "--json", *common)
    second_run = json.loads(out)
    assert set(second_run) >= {"name", "query", "run_at", "total", "new", "gone", "hits"}
    assert second_run["new"] > 0
    status, out, _ = morgue("saved", "run", "oil", "--new-only", "--json", *common)
    new_only = json.loads(out)
    assert len(new_only["hits"]) == second_run["new"]
    assert all(h["new"] for h in new_only["hits"])
    export = tmp_path / "oil.csv"
    status, _, err = morgue(
        "saved", "export", "oil", "--format", "csv", "--output", export, *common
    )
    rows = list(csv.DictReader(io.StringIO(export.read_text(encoding="utf-8"))))
    assert len(rows) == second_run["total"]
    assert sum(r["new"] == "true" for r in rows) == second_run["new"]
    assert err.strip() == f"wrote {second_run['total']:,} hits to {export}"
    status, out, _ = morgue("saved", "list", "--json", "--db", db)
    assert json.loads(out)[0]["last_run"]["new"] == second_run["new"]
    status, out, _ = morgue("saved", "show", "oil", "--db", db)
    assert "v1" in out
    assert out.count(" hits ") == 2
    dump = tmp_path / "dump.json"
    status, out, _ = morgue("saved", "dump", "--db", db)
    dump.write_text(out, encoding="utf-8")
    status, out, _ = morgue("saved", "load", dump, "--db", tmp_path / "other.sqlite3")
    assert out.strip() == "loaded 1 saved queries, skipped 0 whose names exist"
    status, _, err = morgue("saved", "delete", "oil", "--db", db)  # no terminal to ask on
    assert status == ExitStatus.USAGE
    assert "add --yes to delete 'oil' without being asked" in err
    assert morgue("saved", "delete", "oil", "--yes", "--db", db)[0] == ExitStatus.OK
    status, _, err = morgue("saved", "show", "oil", "--db", db)
    assert status == ExitStatus.ERROR
    assert err.strip() == "morgue: error: no saved query named 'oil'"
    status, out, _ = morgue("saved", "list", "--deleted", "--db", db)
    assert out.startswith("oil ")
    assert morgue("saved", "restore", "oil", "--db", db)[0] == ExitStatus.OK
    status, out, _ = morgue("saved", "show", "oil", "--db", db)
    assert out.count(" hits ") == 2  # its runs came back with it


def test_cli_search_export(morgue, slice_index, tmp_path):
    target = tmp_path / "cocoa.jsonl"
    status, _, err = morgue("search", "cocoa", "--export", target, "--index", slice_index)
    assert status == ExitStatus.OK
    lines = target.read_text(encoding="utf-8").splitlines()
    with open_archive(slice_index) as engine:
        assert len(lines) == run_search(engine, parse_request("cocoa")).total
    status, _, err = morgue(
        "search", "cocoa", "--export", tmp_path / "x.xlsx", "--index", slice_index
    )
    assert status == ExitStatus.USAGE
    assert "--export takes a .csv or .jsonl file name" in err
