"""Incremental reindexing, rebuilds, and what a killed or concurrent writer leaves behind."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from search.archive import META_FILE, create_archive, open_archive
from search.errors import IndexLockedError, IndexNotFoundError, MorgueError, SchemaMismatchError
from search.indexer import update_index
from search.searching import run_search
from search.types import SearchRequest
from tests.conftest import REUTERS_SLICE

pytestmark = pytest.mark.usefixtures("engine_name")


def count(index: Path) -> int:
    with open_archive(index) as engine:
        return engine.stats().articles


def write_jsonl(path: Path, articles: list[dict]) -> Path:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path


def test_second_run_writes_nothing(tmp_path, seeds_copy):
    index = tmp_path / "index"
    first = update_index(index, [seeds_copy, REUTERS_SLICE])
    assert (first.added, first.updated, first.unchanged, first.rejected) == (370, 0, 0, 0)
    files_before = {p.name: p.stat().st_mtime_ns for p in index.iterdir()}
    second = update_index(index, [seeds_copy, REUTERS_SLICE])
    assert (second.added, second.updated, second.unchanged, second.rejected) == (0, 0, 370, 0)
    assert second.commits == 0
    assert {p.name: p.stat().st_mtime_ns for p in index.iterdir()} == files_before


def test_changed_article_is_updated_not_duplicated(tmp_path):
    index = tmp_path / "index"
    source = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {
                "id": "a1",
                "title": "Port strike",
                "body": "Dockers walked out.",
                "date": "2025-01-01",
            },
            {"id": "a2", "title": "Rail news", "body": "Trains ran.", "date": "2025-01-02"},
        ],
    )
    update_index(index, [source])
    write_jsonl(
        source,
        [
            {
                "id": "a1",
                "title": "Port strike ends",
                "body": "Dockers returned.",
                "date": "2025-01-01",
            },
            {"id": "a2", "title": "Rail news", "body": "Trains ran.", "date": "2025-01-02"},
            {"id": "a3", "title": "Air news", "body": "Planes flew.", "date": "2025-01-03"},
        ],
    )
    report = update_index(index, [source])
    assert (report.added, report.updated, report.unchanged) == (1, 1, 1)
    with open_archive(index) as engine:
        assert engine.stats().articles == 3
        assert engine.get("a1").title == "Port strike ends"
        assert run_search(engine, SearchRequest("walked")).total == 0
        assert run_search(engine, SearchRequest("returned")).total == 1


def test_duplicate_ids_in_one_run_keep_the_first(tmp_path):
    source = write_jsonl(
        tmp_path / "d.jsonl",
        [
            {"id": "x", "title": "First", "body": "one"},
            {"id": "x", "title": "Second", "body": "two"},
        ],
    )
    problems = []
    report = update_index(tmp_path / "index", [source], on_problem=problems.append)
    assert (report.added, report.duplicates) == (1, 1)
    assert problems == [f"{source}: line 2: duplicate id 'x' (the first one read is kept)"]
    with open_archive(tmp_path / "index") as engine:
        assert engine.get("x").title == "First"


def test_rebuild_replaces_the_index_and_keeps_the_readme(tmp_path, seeds_copy):
    index = tmp_path / "index"
    index.mkdir()
    (index / "README.md").write_text("keep me", encoding="utf-8")
    update_index(index, [REUTERS_SLICE])
    report = update_index(index, [seeds_copy], rebuild=True)
    assert report.added == 2
    assert count(index) == 2
    assert (index / "README.md").read_text(encoding="utf-8") == "keep me"
    assert not index.with_name("index.rebuild").exists()


def test_rebuild_refuses_a_folder_that_is_not_an_index(tmp_path, seeds_copy):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.docx").write_bytes(b"...")
    with pytest.raises(Exception, match="not a Morgue index"):
        update_index(precious, [seeds_copy], rebuild=True)
    assert (precious / "thesis.docx").exists()


def test_missing_index_and_version_mismatch_have_clear_errors(tmp_path, seeds_copy):
    with pytest.raises(IndexNotFoundError, match="morgue reindex"):
        open_archive(tmp_path / "nothing")
    index = tmp_path / "index"
    update_index(index, [seeds_copy])
    meta = json.loads((index / META_FILE).read_text())
    meta["schema_version"] = "en_stem_v0+schema0"
    (index / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(SchemaMismatchError, match=r"rebuild with `morgue reindex --rebuild"):
        open_archive(index)


def test_a_second_writer_is_refused_while_one_holds_the_lock(tmp_path, seeds_copy):
    index = tmp_path / "index"
    update_index(index, [seeds_copy])
    with open_archive(index) as engine:
        writer = engine.writer()
        try:
            started = time.monotonic()
            with pytest.raises(IndexLockedError, match="locked by another writer"):
                update_index(index, [REUTERS_SLICE])
            assert time.monotonic() - started < 10
        finally:
            writer.cancel()
    assert update_index(index, [REUTERS_SLICE]).added == 368


def test_unchanged_raw_records_are_skipped_unread_and_keep_their_ids(tmp_path):
    source = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"id": "a", "title": "First", "body": "one"},
            {"id": "a", "title": "Second copy", "body": "two"},
            {"id": "b", "title": "Bee", "body": "three"},
        ],
    )
    index = tmp_path / "index"
    first = update_index(index, [source])
    assert (first.added, first.duplicates) == (2, 1)
    with open_archive(index) as engine:
        assert len(engine.stored_digests()) == 2
    problems: list[str] = []
    second = update_index(index, [source], on_problem=problems.append)
    assert (second.added, second.updated, second.unchanged, second.duplicates) == (0, 0, 2, 1)
    assert problems == [f"{source}: line 2: duplicate id 'a' (the first one read is kept)"]
    with open_archive(index) as engine:
        assert engine.get("a").title == "First"


def test_a_different_default_source_is_not_skipped(tmp_path):
    source = write_jsonl(
        tmp_path / "a.jsonl", [{"id": "x", "title": "Plain", "body": "no outlet named"}]
    )
    index = tmp_path / "index"
    update_index(index, [source], default_source="Gazette")
    report = update_index(index, [source], default_source="Courier")
    assert report.updated == 1
    with open_archive(index) as engine:
        assert engine.get("x").source == "Courier"


def test_an_edited_text_file_is_reread(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(" date 2025-01-01 Harbour reopens after storm.", encoding="utf-8")
    index = tmp_path / "index"
    update_index(index, [folder])
    assert update_index(index, [folder]).unchanged == 1
    (folder / "a.txt").write_text(
        " date 2025-01-01 Harbour reopens after the storm.", encoding="utf-8"
    )
    report = update_index(index, [folder])
    # No id in a text file: the edited text is a new article (ids come from the text itself).
    assert report.added == 1


def test_an_open_engine_follows_a_rebuild_and_new_commits(tmp_path, seeds_copy):
    """The web app keeps one engine open for its lifetime; a reindex must show without a restart."""
    index = tmp_path / "index"
    update_index(index, [seeds_copy])
    with open_archive(index) as engine:
        assert run_search(engine, SearchRequest("irs")).total == 2
        update_index(index, [REUTERS_SLICE])
        assert run_search(engine, SearchRequest("cocoa")).total == 70
        assert engine.stats().articles == 370
        update_index(index, [REUTERS_SLICE], rebuild=True)
        assert run_search(engine, SearchRequest("irs")).total == 0
        assert run_search(engine, SearchRequest("cocoa")).total == 70
        assert engine.stats().articles == 368


# Whoosh leaves the damaged segment's file open when reading it fails; that is its failure path,
# not ours, and the warning would otherwise fail the test under filterwarnings=error.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_check_reports_a_healthy_and_a_damaged_index(tmp_path, seeds_copy, capsys):
    from search.check import check_index
    from search.cli import run
    from webui.cli import cli

    index = tmp_path / "index"
    update_index(index, [REUTERS_SLICE])
    report = check_index(index)
    assert (report.ok, report.articles, report.problems) == (True, 368, [])  # noqa: PT018
    assert run(cli, ["check", "--index", str(index)]) == 0
    assert capsys.readouterr().out.strip() == f"{index}: ok, 368 articles read back"

    segment = max(  # the largest data file: Whoosh's .seg, tantivy's .store, Xapian's .glass
        (p for p in index.iterdir() if p.suffix in (".seg", ".store", ".glass")),
        key=lambda p: p.stat().st_size,
    )
    segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 3])
    report = check_index(index)
    assert not report.ok
    assert report.problems
    assert run(cli, ["check", "--index", str(index)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().endswith(
        f"morgue: error: index {index} is damaged; rebuild it from your sources: "
        f"`morgue reindex --rebuild PATH... --index {index}`"
    )
    missing = check_index(tmp_path / "nothing")
    assert not missing.ok
    assert "no index at" in missing.problems[0]


def test_new_indexes_use_the_engine_under_test_and_keep_it(tmp_path, seeds_copy, engine_name):
    from search.archive import read_meta

    index = tmp_path / "index"
    update_index(index, [seeds_copy])
    assert read_meta(index)["engine"] == engine_name
    other = "whoosh" if engine_name == "tantivy" else "tantivy"
    with pytest.raises(MorgueError, match=f"uses the {engine_name} engine.*--rebuild --engine"):
        update_index(index, [seeds_copy], engine=other)
    update_index(index, [seeds_copy], rebuild=True)  # a rebuild keeps the engine it had
    assert read_meta(index)["engine"] == engine_name


def test_an_open_engine_counts_right_across_merges(tmp_path, engine_name):
    """Commits by another writer, enough of them for the engine to merge segments: an engine
    that stays open must count what a freshly opened one counts, after every commit."""
    index = tmp_path / "index"
    with open_empty_engine(index, engine_name) as reader:
        for batch in range(1, 16):
            source = write_jsonl(
                tmp_path / f"b{batch}.jsonl",
                [
                    {"id": f"m{batch}-{i}", "title": f"merge {i}", "body": "quay", "date": "2025"}
                    for i in range(10)
                ],
            )
            update_index(index, [source])
            reader.refresh()
            seen = run_search(reader, SearchRequest(query="quay")).total
            with open_archive(index) as fresh:
                expected = run_search(fresh, SearchRequest(query="quay")).total
            assert seen == expected == 10 * batch
            assert reader.stats().articles == 10 * batch


def open_empty_engine(index, engine_name):
    create_archive(index, engine_name).close()
    return open_archive(index)
