"""Every engine beside Whoosh on the same articles: tantivy, Xapian on one local database, and
Xapian on three shard servers searched as one. The same matches, totals, facets, histogram, date
order and snippets for every kind of query. Scores may differ; what matches may not."""

from __future__ import annotations

from datetime import date

import pytest

from search.archive import open_archive
from search.indexer import update_index
from search.keys import id_hash
from search.query.wildcards import WildcardExpander
from search.searching import iter_hits, match_keys, prepare, run_search
from search.types import SearchRequest
from tests.conftest import (
    HAVE_TANTIVY,
    HAVE_XAPIAN,
    HAVE_XAPIAN_SERVERS,
    NO_XAPIAN,
    NO_XAPIAN_SERVERS,
    REUTERS_SLICE,
    build_cluster_index,
)

OTHERS = [
    pytest.param(
        "tantivy",
        marks=pytest.mark.skipif(not HAVE_TANTIVY, reason="tantivy is not installed ([fast])"),
    ),
    pytest.param("xapian", marks=pytest.mark.skipif(not HAVE_XAPIAN, reason=NO_XAPIAN)),
    pytest.param(
        "xapian-cluster",
        marks=pytest.mark.skipif(not HAVE_XAPIAN_SERVERS, reason=NO_XAPIAN_SERVERS),
    ),
]


def build_other(name: str, path, inputs, shard_servers):
    """The index of the engine compared with Whoosh; "xapian-cluster" is three shard servers."""
    if name == "xapian-cluster":
        _, shards = shard_servers(3)
        build_cluster_index(path, inputs, shards)
        assert open_archive(path).layout.clustered
    else:
        update_index(path, inputs, engine=name)
    return open_archive(path)


QUERIES = [
    "cocoa",
    "oil prices",
    "oil OR gas",
    "oil -crude",
    "NOT oil",
    '"oil prices"',
    '"the oil price"',
    '"crude oil"~1',
    '"crude oil"~2',
    '"crude oil"~5',
    '"oil crude"~3',
    '"oil oil"~1',
    '"bank bank"~3',
    '"oil price rise"~3',
    "price*",
    "wom?n",
    "deputiz*",
    "title:cocoa",
    'title:"oil prices"',
    "source:reuters",
    "source:reu*",
    "date:1987-03",
    "date:[1987-03-05 TO 1987-03-10]",
    "(cocoa OR coffee) AND brazil",
    "the",
    "",
    "zzzzqqq",
    "place:london",
    'place:"new york"',
    "cocoa -title:cocoa",
    "U.S.",
    '"u.s. dollar"',
    "bank of japan intervention dollar yen",
    "opec production quota ceiling members",
]


@pytest.fixture(scope="module")
def whoosh_engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("agree-whoosh") / "index"
    update_index(path, [REUTERS_SLICE], engine="whoosh")
    with open_archive(path) as engine:
        yield engine


@pytest.fixture(scope="module", params=OTHERS)
def engines(request, tmp_path_factory, whoosh_engine, shard_servers):
    path = tmp_path_factory.mktemp(f"agree-{request.param}") / "index"
    other = build_other(request.param, path, [REUTERS_SLICE], shard_servers)
    yield whoosh_engine, other
    other.close()


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("filtered", [False, True], ids=["all", "filtered"])
def test_the_same_articles_match_with_the_same_counts(engines, text, filtered):
    whoosh, other = engines
    request = SearchRequest(query=text, page_size=100)
    if filtered:
        request = SearchRequest(
            query=text,
            page_size=100,
            sources=("REUTERS",),
            date_from=date(1987, 3, 1),
            date_to=date(1987, 3, 6),
        )
    expected = match_keys(whoosh, request)
    assert match_keys(other, request) == expected
    hashes = sorted(id_hash(i) for i in expected)  # what group counts join on, on each engine
    assert sorted(whoosh.match_hashes(prepare(whoosh, request).query, request)) == hashes
    assert sorted(other.match_hashes(prepare(other, request).query, request)) == hashes
    parsed = prepare(whoosh, request).parsed
    expanded = WildcardExpander(whoosh.terms_with_prefix).expand(parsed)
    assert WildcardExpander(other.terms_with_prefix).expand(parsed) == expanded  # same terms
    a, b = run_search(whoosh, request), run_search(other, request)
    assert a.total == b.total == len(expected)
    assert a.source_facets == b.source_facets
    assert a.field_facets == b.field_facets  # places and bylines of the slice
    assert (a.date_granularity, a.date_facets) == (b.date_granularity, b.date_facets)
    assert {h.id for h in a.hits} <= set(expected)
    assert {h.id for h in b.hits} <= set(expected)
    if a.total <= request.page_size:  # the whole set on one page: identical, hit for hit
        assert sorted((h.id, h.snippet, h.title_spans) for h in a.hits) == sorted(
            (h.id, h.snippet, h.title_spans) for h in b.hits
        )


@pytest.mark.parametrize("field", [None, "title", "body", "source", "place"])
@pytest.mark.parametrize("prefix", ["", "o", "oil", "zz"])
def test_the_term_dictionaries_agree_term_for_term(engines, field, prefix):
    """Each term once, in order, on every engine (tantivy lists a prefix's terms by count: its
    title and body lists once merged into duplicates, and ``o*`` hit the wildcard cap early)."""
    whoosh, other = engines
    found = list(whoosh.terms_with_prefix(field, prefix))
    assert list(other.terms_with_prefix(field, prefix)) == found
    assert found == sorted(set(found))


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_sorts_put_the_same_dates_in_the_same_order(engines, sort):
    whoosh, other = engines
    pages = []
    for engine in engines:
        dates = []
        for page in (1, 2, 3):
            results = run_search(engine, SearchRequest(query="oil", sort=sort, page=page))
            dates += [h.date for h in results.hits]
        pages.append(dates)
    assert pages[0] == pages[1]
    assert pages[0] == sorted(pages[0], reverse=sort == "newest")


def test_every_hit_streams_once_in_order_on_both(engines):
    request = SearchRequest(query="oil", sort="oldest")
    streams = [[h.id for h in iter_hits(engine, request)] for engine in engines]
    assert sorted(streams[0]) == sorted(streams[1])
    assert len(set(streams[1])) == len(streams[1]) == len(match_keys(engines[0], request))


def test_stats_and_stored_state_agree(engines):
    whoosh, other = engines
    a, b = whoosh.stats(), other.stats()
    assert (a.articles, a.sources, a.first_date, a.last_date, a.undated) == (
        b.articles,
        b.sources,
        b.first_date,
        b.last_date,
        b.undated,
    )
    assert a.field_counts == b.field_counts
    assert a.field_counts["place"]
    assert whoosh.stored_hashes() == other.stored_hashes()
    assert whoosh.stored_digests() == other.stored_digests()
    some = next(iter(whoosh.stored_hashes()))
    assert whoosh.get(some) == other.get(some)
    assert sorted(x.id for x in whoosh.iter_articles()) == sorted(
        x.id for x in other.iter_articles()
    )


CORPUS_QUERIES = [
    '"crude oil price"~5',
    '"trade deficit japan"~6',
    '"oil output opec"~8',
    '"us dollar yen"~5',
    '"bank of japan"~2',
    '"interest rate cut"~3',
    '"oil prices"~3',
    "price* AND (opec OR saudi)",
    "title:cocoa -brazil",
    "date:[1987-03-01 TO 1987-03-15] AND wheat",
    "source:reuters AND deficit",
    "yen NOT dollar",
    "tags:crude",
    "tags:crude AND NOT place:london",
]


@pytest.fixture(scope="module")
def corpus_whoosh(tmp_path_factory):
    from tests.conftest import REUTERS_FULL

    path = tmp_path_factory.mktemp("agree-full-whoosh") / "index"
    update_index(path, [REUTERS_FULL], engine="whoosh")
    with open_archive(path) as engine:
        yield engine


# On all of Reuters: tantivy, and Xapian on shards (its harder shape; one local database is
# compared on the slice above, and both run the whole suite).
CORPUS_OTHERS = [p for p in OTHERS if p.values[0] != "xapian"]


@pytest.fixture(scope="module", params=CORPUS_OTHERS)
def corpus_engines(request, tmp_path_factory, corpus_whoosh, shard_servers):
    from tests.conftest import REUTERS_FULL

    path = tmp_path_factory.mktemp(f"agree-full-{request.param}") / "index"
    other = build_other(request.param, path, [REUTERS_FULL], shard_servers)
    yield corpus_whoosh, other
    other.close()


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.xdist_group("agree-reuters")  # one worker builds the Reuters indexes, once
@pytest.mark.parametrize("text", CORPUS_QUERIES)
def test_the_engines_agree_on_all_of_reuters(corpus_engines, text):
    whoosh, other = corpus_engines
    request = SearchRequest(query=text, page_size=20)
    assert match_keys(whoosh, request) == match_keys(other, request)
    a, b = run_search(whoosh, request), run_search(other, request)
    assert (a.total, a.source_facets, a.date_facets) == (b.total, b.source_facets, b.date_facets)
    assert a.field_facets == b.field_facets


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.xdist_group("agree-reuters")
def test_reuters_topics_are_tags_counted_alike_and_found_by_their_facet(corpus_engines):
    """Reuters-21578's ``topics`` are its tags: every engine counts them alike over the whole
    archive, and each of the top tags' counts is what ``tags:VALUE`` finds."""
    whoosh, other = corpus_engines
    assert whoosh.stats().field_counts == other.stats().field_counts
    everything = run_search(whoosh, SearchRequest(query="*"))
    tags = everything.field_facets["tags"]
    assert [t.value for t in tags[:3]] == ["earn", "acq", "money-fx"]
    for engine in corpus_engines:
        for tag in tags[:10]:
            found = run_search(engine, SearchRequest(query=f'tags:"{tag.value}"'))
            assert found.total == tag.count, (engine.name, tag)


@pytest.mark.parametrize("text", ["(oil OR prices OR crude OR opec) -crude", "oil -crude"])
def test_an_excluding_query_ranks_its_best_first(engines, text):
    """Whoosh's top-N collector once put articles scoring 5.5 before one scoring 8.4 for
    "(a OR b) -c": a page must be the head of the full ranking. (tantivy scores an exclusion
    with an all-documents clause whose share can vary with its own pruning, so its page is
    checked for the right articles only.)"""
    whoosh, other = engines
    page = run_search(whoosh, SearchRequest(query=text, page_size=5, collapse="none"))
    full = run_search(whoosh, SearchRequest(query=text, page_size=100, collapse="none"))
    assert [h.score for h in page.hits] == sorted((h.score for h in full.hits), reverse=True)[:5]
    expected = set(match_keys(whoosh, SearchRequest(query=text)))
    theirs = run_search(other, SearchRequest(query=text, page_size=5, collapse="none"))
    assert {h.id for h in theirs.hits} <= expected
    assert len(theirs.hits) == len(page.hits)
