"""Checks on the Whoosh internals Morgue leans on, so a Whoosh upgrade that changes them fails
here first: the fast document sets must equal Whoosh's own matching, query by query."""

from __future__ import annotations

import pytest

from search.archive import open_archive
from search.engines.whoosh_query import date_range, translate
from search.indexer import update_index
from search.searching import prepare
from search.types import SearchRequest
from tests.conftest import REUTERS_SLICE


@pytest.fixture(scope="module")
def whoosh_slice(tmp_path_factory):
    path = tmp_path_factory.mktemp("whoosh-slice") / "index"
    update_index(path, [REUTERS_SLICE], engine="whoosh")
    with open_archive(path) as engine:
        yield engine


QUERIES = [
    "cocoa",
    "oil prices",
    "oil OR gas",
    "oil -crude",
    "NOT oil",
    '"oil prices"',
    '"crude oil"~3',
    "price*",
    "wom?n",
    "title:cocoa",
    "source:reuters",
    "date:1987-03",
    "date:[1987-04-01 TO *]",
    "(cocoa OR coffee) AND brazil",
    "the",
    "",
    "zzzzqqq",
    "place:london",
    "cocoa -title:cocoa",
]


@pytest.mark.parametrize("text", QUERIES)
def test_fast_docsets_equal_whoosh_matching(whoosh_slice, text):
    request = SearchRequest(query=text)
    node = prepare(whoosh_slice, request).query
    searcher, fast, _ = whoosh_slice._matching(node, request)
    assert sorted(fast) == sorted(searcher.docs_for_query(translate(node)))


def test_fast_docsets_with_request_filters(whoosh_slice):
    from datetime import date

    from whoosh import query as wq

    request = SearchRequest(
        query="oil", sources=("REUTERS",), date_from=date(1987, 3, 1), date_to=date(1987, 3, 31)
    )
    node = prepare(whoosh_slice, request).query
    searcher, fast, filtered = whoosh_slice._matching(node, request)
    filters = wq.And([wq.Term("source", "reuters"), date_range(request.date_from, request.date_to)])
    assert filtered
    assert sorted(fast) == sorted(searcher.docs_for_query(wq.And([translate(node), filters])))
    assert fast


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_check_reports_a_raw_digest_column_cut_short(tmp_path, monkeypatch):
    """A segment whose raw-digest column holds fewer values than it has documents (the column
    writer stopped at the last article that had a digest): ``morgue check`` must say the index
    is damaged and how to rebuild it, not "ok"."""
    from whoosh.columns import VarBytesColumn

    from search.check import check_index
    from search.cli import run
    from webui.cli import cli

    source = tmp_path / "in"
    source.mkdir()
    (source / "a.jsonl").write_text(
        "".join(f'{{"id": "j{n}", "title": "Jay {n}", "body": "text {n}"}}\n' for n in range(5))
    )
    rows = "".join(f"c{n},Cee,row {n}\n" for n in range(3))
    (source / "b.csv").write_text("id,title,body\n" + rows)
    original = VarBytesColumn.Writer.finish
    cut_short = lambda self, n: original(self, self._count)  # noqa: E731
    monkeypatch.setattr(VarBytesColumn.Writer, "finish", cut_short)
    index = tmp_path / "index"
    assert update_index(index, [source], engine="whoosh").added == 8
    monkeypatch.setattr(VarBytesColumn.Writer, "finish", original)

    report = check_index(index)
    assert not report.ok
    assert any("digest" in p for p in report.problems), report.problems
    assert run(cli, ["check", "--index", str(index)]) == 1


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_one_pass_and_two_passes_give_the_same_page_and_counts(whoosh_slice, text, sort):
    """The engine picks one scoring pass for queries expected to match little, else counting by
    set algebra plus a ranked page: both ways must answer alike."""
    from search.engines import whoosh_engine

    request = SearchRequest(query=text, sort=sort, page_size=20)
    node = prepare(whoosh_slice, request).query
    searcher = whoosh_slice._searcher()
    one = whoosh_slice._search_in_one_pass(searcher, node, request)
    saved = whoosh_engine.ONE_PASS_MAX_MATCHES
    whoosh_engine.ONE_PASS_MAX_MATCHES = -1  # never one pass
    try:
        two = whoosh_slice.search(node, request)
    finally:
        whoosh_engine.ONE_PASS_MAX_MATCHES = saved
    assert (one.total, one.source_counts, one.day_counts) == (
        two.total,
        two.source_counts,
        two.day_counts,
    )
    if sort == "relevance":
        assert [round(h.score, 4) for h in one.hits] == [round(h.score, 4) for h in two.hits]
    else:
        assert [h.article.id for h in one.hits] == [h.article.id for h in two.hits]
