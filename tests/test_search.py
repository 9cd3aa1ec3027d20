"""Golden queries on the seeds and the Reuters-21578 slice: what matches, in which order, with
which facets, histogram and snippets."""

from __future__ import annotations

from datetime import date

import pytest

from search.errors import InvalidRequestError, QuerySyntaxError
from search.facets import date_histogram
from search.highlight import make_snippet
from search.query.parser import parse_query
from search.searching import run_search
from search.types import SearchRequest

pytestmark = pytest.mark.usefixtures("engine_name")


def run(engine, query="", **kwargs):
    return run_search(engine, SearchRequest(query=query, **kwargs))


def sources_of(results):
    return sorted(h.source for h in results.hits)


def marked(snippet) -> list[str]:
    return [snippet.text[s:e] for s, e in snippet.spans]


def test_deputize_irs_finds_both_seeds_with_facets_and_snippets(seed_engine):
    results = run(seed_engine, "deputize IRS agents")
    assert results.total == 2
    assert sources_of(results) == ["Fox News", "Reuters"]
    assert [(f.value, f.count) for f in results.source_facets] == [("Fox News", 1), ("Reuters", 1)]
    for hit in results.hits:
        words = {w.lower() for w in marked(hit.snippet)}
        assert words & {"deputize", "deputized", "deputizing"}
        assert "irs" in words or "agents" in words
        assert hit.date == "2025-02-10"
        assert hit.score is not None
        assert hit.score > 0


def test_stemming_matches_inflections_and_highlights_them(seed_engine):
    results = run(seed_engine, "deputized")
    assert results.total == 2
    fox = next(h for h in results.hits if h.source == "Fox News")
    assert "deputize" in [w.lower() for w in marked(fox.snippet)]


def test_source_filter_in_query_and_request(seed_engine):
    assert sources_of(run(seed_engine, "source:Reuters")) == ["Reuters"]
    assert sources_of(run(seed_engine, "source:reuters deputize")) == ["Reuters"]
    assert sources_of(run(seed_engine, 'source:"fox news"')) == ["Fox News"]
    assert sources_of(run(seed_engine, "deputize", sources=("FOX NEWS",))) == ["Fox News"]
    assert run(seed_engine, "deputize", sources=("Reuters", "Fox News")).total == 2
    assert run(seed_engine, "deputize", sources=("Le Monde",)).total == 0


def test_phrase_matches_as_a_phrase(seed_engine):
    results = run(seed_engine, '"Kristi Noem"')
    assert results.total == 2
    for hit in results.hits:
        assert "Kristi Noem" in marked(hit.snippet)
    assert run(seed_engine, '"Noem Kristi"').total == 0
    assert run(seed_engine, '"Treasury Secretary Scott Bessent"').total == 2
    # Only the Fox story says "secure the southern border".
    assert sources_of(run(seed_engine, '"secure the southern border"')) == ["Fox News"]


def test_proximity(seed_engine):
    # Reuters: "deputize some Internal Revenue Service criminal investigators" (IRS within 5 words).
    assert run(seed_engine, '"deputize investigators"').total == 0
    assert sources_of(run(seed_engine, '"deputize investigators"~5')) == ["Reuters"]


def test_boolean_operators(seed_engine):
    assert sources_of(run(seed_engine, "deputize -guantanamo")) == ["Fox News"]
    assert sources_of(run(seed_engine, "deputize NOT guantanamo")) == ["Fox News"]
    assert run(seed_engine, "guantanamo OR laundering").total == 2
    assert sources_of(run(seed_engine, "guantanamo AND laundering")) == ["Reuters"]
    assert sources_of(run(seed_engine, "(guantanamo OR bessent) -hesson")) == ["Fox News"]


def test_fields(seed_engine):
    assert sources_of(run(seed_engine, "author:hesson")) == ["Reuters"]
    assert sources_of(run(seed_engine, 'author:"ted hesson"')) == ["Reuters"]
    assert sources_of(run(seed_engine, "place:washington")) == ["Reuters"]
    assert sources_of(run(seed_engine, "title:trump")) == ["Fox News"]
    assert run(seed_engine, "title:guantanamo").total == 0


def test_wildcards(seed_engine):
    assert run(seed_engine, "deputiz*").total == 2
    assert sources_of(run(seed_engine, "guant*")) == ["Reuters"]
    assert run(seed_engine, "zzzq*").total == 0


def test_date_filters(seed_engine):
    assert run(seed_engine, "date:2025-02-10").total == 2
    assert run(seed_engine, "date:2025-02").total == 2
    assert run(seed_engine, "date:[2025-01-01 TO 2025-02-10]").total == 2
    assert run(seed_engine, "date:[2025-02-11 TO *]").total == 0
    assert (
        run(seed_engine, "irs", date_from=date(2025, 2, 10), date_to=date(2025, 2, 10)).total == 2
    )
    assert run(seed_engine, "irs", date_from=date(2025, 2, 11)).total == 0
    assert run(seed_engine, "irs", date_to=date(2025, 2, 9)).total == 0


def test_stop_words_only_matches_nothing_and_empty_query_matches_all(seed_engine):
    assert run(seed_engine, "the").total == 0
    assert run(seed_engine, "").total == 2


def test_malformed_query_raises_typed_error(seed_engine):
    with pytest.raises(QuerySyntaxError, match="unbalanced quote"):
        run(seed_engine, '"unbalanced (AND')


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"page": 0}, "page must be a whole number from 1 to 10,000"),
        ({"page": 10**9}, "page must be a whole number from 1 to 10,000"),
        ({"sort": "random"}, "sort must be one of relevance, newest, oldest"),
        ({"page_size": 1000}, "limit must be a whole number from 1 to 100 (hits per page)"),
        (
            {"date_from": date(2025, 3, 1), "date_to": date(2025, 1, 1)},
            "the from date 2025-03-01 is after the to date 2025-01-01",
        ),
        ({"mode": "some"}, "mode must be one of auto, all, any"),
        ({"query": "a" * 2001}, "query too long (2,001 characters, at most 2,000)"),
        ({"sources": tuple(f"s{n}" for n in range(21))}, "at most 20 sources of 200 characters"),
    ],
)
def test_invalid_requests(seed_engine, kwargs, message):
    with pytest.raises(InvalidRequestError) as info:
        run(seed_engine, **{"query": "irs", **kwargs})
    assert str(info.value) == message


def test_cocoa_in_march_newest_first_with_consistent_counts(slice_engine):
    results = run(
        slice_engine,
        '"cocoa" AND source:reuters',
        date_from=date(1987, 3, 1),
        date_to=date(1987, 3, 31),
        sort="newest",
        page_size=100,
    )
    assert results.total > 5
    dates = [h.date for h in results.hits]
    assert all("1987-03-01" <= d <= "1987-03-31" for d in dates)
    assert dates == sorted(dates, reverse=True)
    assert results.total == sum(f.count for f in results.source_facets)
    assert results.total == sum(b.count for b in results.date_facets)
    assert results.date_granularity == "day"
    assert all(h.score is None for h in results.hits)


def test_oldest_sort_and_pagination_cover_every_hit_once(slice_engine):
    first = run(slice_engine, "cocoa", sort="oldest", page_size=7)
    seen = []
    for page in range(1, first.pages + 1):
        results = run(slice_engine, "cocoa", sort="oldest", page_size=7, page=page)
        assert results.total == first.total
        seen.extend(results.hits)
    assert len(seen) == first.total
    assert len({h.id for h in seen}) == first.total
    assert [h.date for h in seen] == sorted(h.date for h in seen)
    past_end = run(slice_engine, "cocoa", page=first.pages + 1, page_size=7)
    assert past_end.hits == []
    assert past_end.total == first.total


def test_relevance_puts_title_matches_first(slice_engine):
    results = run(slice_engine, "cocoa")
    assert "COCOA" in results.hits[0].title.upper()
    scores = [h.score for h in results.hits]
    assert scores == sorted(scores, reverse=True)


def test_histogram_over_months_for_a_broad_query(slice_engine):
    results = run(slice_engine, "")
    assert results.total == 368
    assert results.date_granularity == "month"
    assert [b.bucket for b in results.date_facets] == [f"1987-{m:02d}" for m in range(2, 11)]
    assert sum(b.count for b in results.date_facets) == 368


@pytest.mark.parametrize(
    ("days", "granularity", "labels"),
    [
        (
            {date(2025, 2, 10): 2, date(2025, 2, 12): 1},
            "day",
            ["2025-02-10", "2025-02-11", "2025-02-12"],
        ),
        (
            {date(2025, 1, 5): 1, date(2025, 4, 1): 3},
            "month",
            ["2025-01", "2025-02", "2025-03", "2025-04"],
        ),
        ({date(1987, 1, 5): 1, date(1995, 4, 1): 3}, "year", [str(y) for y in range(1987, 1996)]),
        ({}, "day", []),
    ],
)
def test_date_histogram_granularity_and_gaps(days, granularity, labels):
    got, buckets = date_histogram(days)
    assert got == granularity
    assert [b.bucket for b in buckets] == labels
    assert sum(b.count for b in buckets) == sum(days.values())


def test_snippet_marks_phrase_as_one_span_and_keeps_window():
    text = (
        ("Intro words here. " * 30)
        + "Secretary Kristi Noem said the agents would help."
        + (" Tail." * 40)
    )
    snippet = make_snippet(text, parse_query('"Kristi Noem" agents'), max_chars=120)
    assert [snippet.text[s:e] for s, e in snippet.spans] == ["Kristi Noem", "agents"]
    assert snippet.text.startswith("\u2026")
    assert snippet.text.endswith("\u2026")
    assert len(snippet.text) <= 140
    assert "<" not in snippet.text


def test_snippet_of_negated_terms_marks_nothing():
    snippet = make_snippet("Oil and gas.", parse_query("oil -gas"))
    assert [snippet.text[s:e] for s, e in snippet.spans] == ["Oil"]
