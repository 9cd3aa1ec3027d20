"""The whole Reuters-21578 corpus from ../shared/corpora (skipped when that folder is absent)."""

from __future__ import annotations

from datetime import date

import pytest

from search.archive import open_archive, read_meta
from search.indexer import update_index
from search.searching import run_search
from search.types import SearchRequest
from tests.conftest import REUTERS_FULL

pytestmark = [
    pytest.mark.usefixtures("engine_name"),
    pytest.mark.corpus,
    pytest.mark.slow,
    pytest.mark.xdist_group("corpus-reuters"),  # each engine's Reuters index built once
]


@pytest.fixture(scope="module")
def reuters_index(tmp_path_factory, engine_name):
    path = tmp_path_factory.mktemp(f"reuters-{engine_name}") / "index"
    report = update_index(path, [REUTERS_FULL], engine=engine_name)
    assert read_meta(path)["engine"] == engine_name
    return path, report


def test_every_article_is_indexed_and_a_rerun_writes_nothing(reuters_index):
    path, first = reuters_index
    assert first.added == 21_578
    assert first.rejected == 0
    second = update_index(path, [REUTERS_FULL])
    assert (second.added, second.updated, second.unchanged, second.rejected) == (0, 0, 21_578, 0)


def test_cocoa_in_march_1987(reuters_index):
    path, _ = reuters_index
    with open_archive(path) as engine:
        results = run_search(
            engine,
            SearchRequest(
                '"cocoa" AND source:reuters',
                date_from=date(1987, 3, 1),
                date_to=date(1987, 3, 31),
                sort="newest",
                page_size=100,
            ),
        )
        assert results.total >= 40
        assert results.total == sum(f.count for f in results.source_facets)
        dates = [h.date for h in results.hits]
        assert dates == sorted(dates, reverse=True)
        assert all(d.startswith("1987-03") for d in dates)


def test_oil_prices_pages_to_the_end_and_the_timeline_spans_1987(reuters_index):
    path, _ = reuters_index
    with open_archive(path) as engine:
        first = run_search(engine, SearchRequest("oil prices", page_size=50))
        assert first.total > 300
        last = run_search(engine, SearchRequest("oil prices", page_size=50, page=first.pages))
        assert 0 < len(last.hits) <= 50
        assert (first.pages - 1) * 50 + len(last.hits) == first.total
        assert first.date_granularity == "month"
        assert [b.bucket for b in first.date_facets][0] == "1987-02"
        stats = engine.stats()
        assert stats.articles == 21_578
        assert (stats.first_date, stats.last_date) == (date(1987, 2, 26), date(1987, 10, 20))


def test_saved_query_sees_the_second_half_of_reuters_as_new(tmp_path):
    """The saved-queries acceptance run: half the corpus, a run, the rest, a run."""
    import csv
    import gzip
    import io

    from search.export import chunks, export_rows
    from search.saved import SavedStore
    from search.searching import match_keys

    lines = gzip.decompress(REUTERS_FULL.read_bytes()).decode("utf-8").splitlines(keepends=True)
    half = len(lines) // 2
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("".join(lines[:half]), encoding="utf-8")
    second.write_text("".join(lines[half:]), encoding="utf-8")
    index = tmp_path / "index"
    update_index(index, [first])
    with SavedStore(tmp_path / "saved.sqlite3") as store:
        store.add("oil", "oil AND price*")
        with open_archive(index) as engine:
            before = set(match_keys(engine, store.get("oil").request))
            assert store.run("oil", engine).run.total == len(before)
        update_index(index, [second])
        with open_archive(index) as engine:
            after = set(match_keys(engine, store.get("oil").request))
            report = store.run("oil", engine, new_only=True)
            assert report.run.new == len(after - before) > 100
            assert {h.id for h in report.hits} == after - before
            rows = list(
                csv.DictReader(
                    io.StringIO(
                        "".join(
                            chunks(
                                export_rows(engine, store.get("oil").request, report.new_ids),
                                "csv",
                            )
                        )
                    )
                )
            )
            assert len(rows) == report.run.total == len(after)
            assert sum(r["new"] == "true" for r in rows) == report.run.new


def test_concordance_of_oil_prices_equals_the_phrase_counted_in_the_stored_texts(reuters_index):
    """The issue's acceptance: lines for "oil prices" on Reuters-21578 equal, in number, the
    phrase's occurrences counted independently (NLTK's stemmer, word pairs, no Morgue code)."""
    from search.concordance import lines
    from tests.test_study import article_texts, phrase_occurrences

    path, _ = reuters_index
    with open_archive(path) as engine:
        found = sum(1 for _ in lines(engine, SearchRequest('"oil prices"')))
        texts = article_texts(engine)
        assert found == phrase_occurrences(texts, "oil", "price") > 500


def test_attention_by_week_over_the_corpus_adds_up(reuters_index):
    from search.attention import AttentionRequest, attention

    path, _ = reuters_index
    with open_archive(path) as engine:
        queries = ("*", "oil", "wheat", "gold", '"oil prices"')
        found = attention(engine, AttentionRequest(queries, interval="week"))
        everything = found.series[0]
        assert everything.total == 21_578
        assert all(p.share == 1.0 for p in everything.points if p.all)
        for series in found.series:
            assert sum(p.count for p in series.points) == series.total
            assert all(p.start.weekday() == 0 for p in series.points)
            assert [p.all for p in series.points] == [p.all for p in everything.points]
        oil = found.series[1]
        assert oil.total == run_search(engine, SearchRequest("oil")).total


def test_api_cursor_pages_through_every_oil_hit_once(reuters_index, tmp_path):
    """The acceptance of deep paging: /api/search?q=oil&limit=100&cursor=... over the corpus."""
    from webui import create_app

    path, _ = reuters_index
    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": tmp_path, "MORGUE_OVERRIDES": {"index_dir": path}}
    )
    client = app.test_client()
    ids, document = [], client.get("/api/search?q=oil&limit=100").get_json()
    while True:
        ids += [hit["id"] for hit in document["hits"]]
        if not document["next"]:
            break
        document = client.get(f"/api/search?q=oil&limit=100&cursor={document['next']}").get_json()
    app.extensions["morgue_engine"].close()
    assert len(ids) == len(set(ids)) == document["total"] > 1000
