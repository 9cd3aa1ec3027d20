"""All words first, then articles with some of them: a short plain query's page goes on, below a
divider, with the best articles that lack a word; the total, the facets and the matches stay
those with every word. Checked against searches run the other way, on both engines."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from search.archive import open_archive
from search.evaluation import evaluate
from search.searching import run_search
from search.types import SearchRequest
from tests.conftest import build_index

pytestmark = pytest.mark.usefixtures("engine_name")

ARTICLES = [
    ("all", "Tanker spill in the harbour", "A tanker spill closed the harbour on Monday."),
    ("two", "Harbour tanker traffic", "The harbour saw more tanker traffic this year."),
    ("two-copy", "Harbour tanker traffic", "The harbour saw more tanker traffic this year."),
    ("one", "Tanker rates", "Tanker rates rose in March on strong demand."),
    ("other", "Wheat harvest", "The wheat harvest was late because of rain."),
]
QUERY = "harbour tanker spill"


@pytest.fixture(scope="module")
def index(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"some-words-{engine_name}")
    rows = [
        {"id": i, "title": t, "body": b, "source": "Wire", "date": f"2025-03-0{n + 1}"}
        for n, (i, t, b) in enumerate(ARTICLES)
    ]
    path = root / "articles.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return build_index(root / "index", [path], engine_name)


def ids(hits) -> list[str]:
    return [h.id for h in hits]


def test_the_page_goes_on_with_articles_holding_some_of_the_words(index):
    with open_archive(index) as engine:
        page = run_search(engine, SearchRequest(query=QUERY, collapse="none"))
        any_words = run_search(engine, SearchRequest(query=QUERY, mode="any", collapse="none"))
        all_words = run_search(engine, SearchRequest(query=QUERY, mode="all", collapse="none"))
    assert page.total == all_words.total == 1  # the count is still the articles with every word
    assert ids(page.hits) == ["all"]  # the matches; the rest is offered beside them
    assert page.some_words_total == any_words.total - all_words.total == 3
    assert ids(page.some_words_hits) == [i for i in ids(any_words.hits) if i != "all"]
    assert set(ids(page.some_words_hits)[:2]) == {"two", "two-copy"}  # two words before one
    assert sum(f.count for f in page.source_facets) == 1  # facets count the matches only


def test_only_a_short_plain_query_in_auto_and_only_where_all_words_end(index):
    with open_archive(index) as engine:
        for request in (
            SearchRequest(query=QUERY, mode="all"),
            SearchRequest(query=QUERY, mode="any"),
            SearchRequest(query="harbour AND tanker AND spill"),
            SearchRequest(query="tanker"),
            SearchRequest(query="harbour tanker spill closed monday"),  # a question: any
            SearchRequest(query="harbour-tanker spill"),  # a phrase: "some words" is not the rest
        ):
            found = run_search(engine, request)
            assert (found.some_words_hits, found.some_words_total) == ([], None), request
        first = run_search(engine, SearchRequest(query="harbour tanker", page_size=1))
        assert (first.total, first.some_words_hits) == (3, [])  # the page is full
        last = run_search(engine, SearchRequest(query="harbour tanker", page_size=2, page=2))
        assert len(last.hits) == len(last.some_words_hits) == 1  # the third, then the rest
        beyond = run_search(engine, SearchRequest(query=QUERY, page_size=2, page=2))
        assert (beyond.hits, beyond.some_words_hits) == ([], [])


def test_copies_show_once_among_the_articles_with_some_words(index):
    with open_archive(index) as engine:
        copies = run_search(engine, SearchRequest(query=QUERY, collapse="copies"))
    shown = ids(copies.some_words_hits)
    assert len({"two", "two-copy"} & set(shown)) == 1
    assert "one" in shown
    folded = next(h for h in copies.some_words_hits if h.id in ("two", "two-copy"))
    assert folded.collapsed == 1  # it stands for its copy, and says so


def test_a_page_sorted_by_date_still_offers_the_best_of_the_rest(index):
    with open_archive(index) as engine:
        newest = run_search(engine, SearchRequest(query=QUERY, sort="newest", collapse="none"))
        best = run_search(engine, SearchRequest(query=QUERY, collapse="none"))
    assert ids(newest.some_words_hits) == ids(best.some_words_hits)
    scores = [h.score for h in newest.some_words_hits]
    assert None not in scores
    assert scores == sorted(scores, reverse=True)


def test_the_json_the_page_and_the_cli_say_where_the_divider_is(index, tmp_path, capsys):
    from search.cli import build_cli, run
    from webui import create_app

    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": tmp_path / "instance",
            "MORGUE_OVERRIDES": {"index_dir": index, "db": tmp_path / "saved.sqlite3"},
        }
    )
    client = app.test_client()
    document = client.get(f"/api/search?q={QUERY}").get_json()
    assert (document["total"], len(document["hits"]), document["some_words_total"]) == (1, 1, 3)
    assert [h["id"] for h in document["some_words"]][2] == "one"
    page = BeautifulSoup(client.get(f"/search?q={QUERY}").data, "html.parser")
    heading = page.select_one("#some-words")
    assert heading.text == "Articles with some of your words"
    assert len(page.select("ol.hits li.hit")) == 1
    assert len(page.select("ol.some-words-hits li.hit")) == 2  # copies collapsed on the page
    assert "mode=any" in page.select_one("#some-words + p a")["href"]
    nothing = BeautifulSoup(client.get("/search?q=wheat+spill").data, "html.parser")
    assert "No article has all of your 2 words" in nothing.select_one("#some-words").text
    app.extensions["morgue_engine"].close()
    status = run(build_cli(), ["search", QUERY, "--index", str(index), "--collapse", "none"])
    out = capsys.readouterr().out
    assert status == 0
    assert "--- articles with some of your words (3, not in the total" in out
    assert out.index("[all]") < out.index("--- articles") < out.index("[one]")


def test_eval_ranks_as_the_page_does(index):
    """``morgue eval`` of the default mode finds what the page shows below the divider."""
    queries = {"q1": QUERY}
    qrels = {"q1": {"two": 1, "one": 1}}
    with open_archive(index) as engine:
        auto = evaluate(engine, queries, qrels, "auto").metrics
        strict = evaluate(engine, queries, qrels, "all").metrics
    assert strict["nDCG@10"] == 0.0  # the only article with all three words is not judged
    assert auto["nDCG@10"] > 0.5
