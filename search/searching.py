"""The search pipeline: the one place a request becomes results.

Every front end and feature goes through here: the CLI, the web pages and API, saved-query runs,
exports and evaluation. The steps, each done once per request:

1. ``validate`` the request (mode, sort, page, limits, dates, the query's length);
2. parse the query in the request's mode and expand its wildcards against the engine's terms
   (``prepare``), so engines only ever see terms, phrases, dates and boolean structure;
3. let the engine match, count and rank from one snapshot (the total always equals the sum of
   the source facet counts);
4. highlight each hit once, as data (a ``Snippet`` of text plus spans, never HTML).

``run_search`` returns one page with facets and timeline; ``iter_hits`` streams every hit (exports,
``saved run --all``); ``match_keys`` gives the id and content hash of every match (what a saved
run records); ``more_like`` and ``highlight_article`` serve the article page.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from math import log

from search.analysis import analyze_terms
from search.collapse import (
    COUNT_LIMIT,
    annotate,
    chunked,
    collapsed,
    match_groups,
    matched_members,
)
from search.errors import InvalidRequestError, QuerySyntaxError
from search.facets import (
    archive_values,
    date_histogram,
    field_facets,
    missing_value_warning,
    source_facets,
    unknown_sources,
)
from search.groups.views import open_groups
from search.highlight import find_matches, make_snippet
from search.phrases import check_phrases
from search.query.dates import BadDate, date_bound
from search.query.modes import build_query, mode_used, question_words, strict_query
from search.query.tree import And, DateRange, MatchAll, MatchNone, Node, Or, Term, positive_leaves
from search.query.wildcards import WildcardExpander
from search.some_words import add_some_words
from search.spelling import other_spellings, suggest, value_fields, variant_forms, written_terms
from search.types import (
    COLLAPSES,
    FACET_FIELDS,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    MAX_QUERY_CHARS,
    MAX_SOURCE_CHARS,
    MAX_SOURCES,
    MODES,
    SORTS,
    Article,
    Engine,
    Hit,
    MatchedArticle,
    SearchRequest,
    SearchResults,
)

MORE_LIKE_TERMS = 25  # the article's most telling terms that "more like this" searches for


@dataclass(frozen=True)
class Prepared:
    """A validated request and its query tree, parsed once and ready for one engine."""

    request: SearchRequest
    query: Node  # parsed, wildcards expanded
    parsed: Node | None = None  # as parsed, before expansion
    variants: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)  # word~ terms
    spelled: dict[str, str] = dataclasses.field(default_factory=dict)  # term -> spelling matched


def validate(request: SearchRequest) -> None:
    """Everything a request must satisfy before any work, checked in one place for every caller
    and first of all, before anything reads the query. Raises ``InvalidRequestError``."""
    if len(request.query) > MAX_QUERY_CHARS:
        raise InvalidRequestError(
            f"query too long ({len(request.query):,} characters, at most {MAX_QUERY_CHARS:,})"
        )
    if request.mode not in MODES:
        raise InvalidRequestError(f"mode must be one of {', '.join(MODES)}")
    if request.sort not in SORTS:
        raise InvalidRequestError(f"sort must be one of {', '.join(SORTS)}")
    if request.collapse not in COLLAPSES:
        raise InvalidRequestError(f"collapse must be one of {', '.join(COLLAPSES)}")
    if not 1 <= request.page <= MAX_PAGE:
        raise InvalidRequestError(f"page must be a whole number from 1 to {MAX_PAGE:,}")
    if not 1 <= request.page_size <= MAX_PAGE_SIZE:
        raise InvalidRequestError(
            f"limit must be a whole number from 1 to {MAX_PAGE_SIZE} (hits per page)"
        )
    if len(request.sources) > MAX_SOURCES or any(
        len(s) > MAX_SOURCE_CHARS for s in request.sources
    ):
        raise InvalidRequestError(f"at most {MAX_SOURCES} sources of {MAX_SOURCE_CHARS} characters")
    if request.date_from and request.date_to and request.date_from > request.date_to:
        raise InvalidRequestError(
            f"the from date {request.date_from} is after the to date {request.date_to}"
        )


def check(request: SearchRequest) -> Node:
    """Validate and parse without an engine (what saving a query checks): the query tree."""
    validate(request)
    return build_query(request.query, request.mode)


def prepare(engine: Engine, request: SearchRequest) -> Prepared:
    query = check(request)
    spelled: dict[str, str] = {}
    written = written_terms(engine, query, spelled)
    expander = WildcardExpander(engine.terms_with_prefix, written=written)
    tree = for_engine(engine, query, expander)
    return Prepared(request, tree, query, expander.variants, spelled)


def for_engine(engine: Engine, query: Node, expander: WildcardExpander | None = None) -> Node:
    """The tree this engine runs: wildcards and word~ expanded against its terms, and any
    sloppy phrase its own rule would match more loosely than ours narrowed to the articles ours
    accepts."""
    expanded = (expander or WildcardExpander(engine.terms_with_prefix)).expand(query)
    return check_phrases(engine, expanded) if not engine.exact_proximity else expanded


def parse_day(text: str | None, end: bool = False) -> date | None:
    """A from/to bound as people write it (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``); ``end`` takes
    the last day of the period. Raises ``InvalidRequestError`` naming the accepted forms."""
    if not text:
        return None
    try:
        return date_bound(text, end)
    except BadDate:
        raise InvalidRequestError(f"{text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)") from None


# ---------------------------------------------------------------------------------------- runs


def run_search(engine: Engine, request: SearchRequest) -> SearchResults:
    """One page of results with facets, timeline, groups and warnings."""
    started = time.perf_counter()
    prepared = prepare(engine, request)
    found = engine.search(prepared.query, request)
    matches, known, grouped = found.hits, None, False
    store = open_groups(engine.path)
    if store is not None:
        with store:
            grouped = True
            if 0 < found.total <= COUNT_LIMIT:
                known = match_groups(matched_members(store, engine, prepared.query, request))
            if request.collapse != "none":
                matches = collapsed(
                    engine.iter_hits(prepared.query, request),
                    store,
                    known,
                    request.collapse,
                    first=(request.page - 1) * request.page_size,
                    count=request.page_size,
                )
            hits = [to_hit(m.article, m.score, prepared) for m in matches]
            hits = annotate(hits, store, known, request.collapse)
    else:
        hits = [to_hit(m.article, m.score, prepared) for m in matches]
    granularity, buckets = date_histogram(found.day_counts)
    results = SearchResults(
        query=request.query,
        total=found.total,
        page=request.page,
        page_size=request.page_size,
        sort=request.sort,
        hits=hits,
        source_facets=source_facets(found.source_counts),
        field_facets=field_facets(found.field_counts),
        date_facets=buckets,
        date_granularity=granularity,
        collapse=request.collapse if grouped else "none",
        copy_groups=known.copy_groups if known else (0 if grouped and not found.total else None),
        stories=known.stories if known else (0 if grouped and not found.total else None),
        source_story_facets=known.source_stories if known else [],
    )
    add_some_words(
        engine, request, results, prepared.query, lambda m: to_hit(m.article, m.score, prepared)
    )
    relaxed(engine, prepared, results)
    spelled(engine, prepared, results)
    results.warnings = warnings_for(engine, prepared, results, grouped)
    if not found.total:
        explain_empty(engine, prepared, results)
    results.took_ms = (time.perf_counter() - started) * 1000
    return results


def relaxed(engine: Engine, prepared: Prepared, results: SearchResults) -> None:
    """Says how the words were read; when as "any of them", counts the articles that hold all
    of them (one count, no page), so a page can offer "show only those"."""
    request = prepared.request
    results.mode_used = mode_used(request.query, request.mode)
    results.words = question_words(request.query)
    if results.mode_used == "any" and results.words > 1 and results.total:
        try:
            strict = strict_query(request.query, request.mode)
        except QuerySyntaxError:  # pragma: no cover - parsed already in "any"
            return
        results.all_words_total = engine.counts(for_engine(engine, strict), request).total


def spelled(engine: Engine, prepared: Prepared, results: SearchResults) -> None:
    """Did you mean (``search.spelling``), and the forms each word~ matched."""
    if prepared.variants:
        results.variants = variant_forms(engine, prepared.variants, prepared.spelled)
    if prepared.parsed is None or not prepared.request.query.strip():
        return

    def count(request: SearchRequest) -> int:
        return engine.counts(prepare(engine, request).query, request).total

    # a field's values are read only when the query names the field
    known = {
        name: list(archive_values(engine, name)) for name in value_fields(prepared.request.query)
    }
    found = suggest(engine, prepared.request, prepared.parsed, known, count, results.total)
    if found is not None:
        results.suggestion = (found.query, found.total, found.unfiltered)
    elif not prepared.variants:
        results.spellings = other_spellings(engine, prepared.request, prepared.parsed)


def without_clauses(query: Node) -> Node | None:
    """The query without its top-level ``source:`` and ``date:`` clauses (None: it has none,
    or nothing else)."""
    if not isinstance(query, And):
        return None

    def clause(node: Node) -> bool:
        if isinstance(node, Or):
            return all(clause(c) for c in node.children)
        return isinstance(node, DateRange) or (isinstance(node, Term) and node.field == "source")

    kept = tuple(c for c in query.children if not clause(c))
    if len(kept) == len(query.children) or not kept:
        return None
    return kept[0] if len(kept) == 1 else And(kept)


def explain_empty(engine: Engine, prepared: Prepared, results: SearchResults) -> None:
    """Why nothing matched: how many match without each filter, and the ``author:``, ``place:``
    or ``source:`` values of the query that no article has."""
    request, query = prepared.request, prepared.query
    if request.sources or request.date_from or request.date_to:
        bare = replace(request, sources=(), date_from=None, date_to=None)
        counts = {"all": engine.counts(query, bare).total}
        if counts["all"]:
            if request.sources:
                counts["sources"] = engine.counts(query, replace(request, sources=())).total
            if request.date_from or request.date_to:
                undated = replace(request, date_from=None, date_to=None)
                counts["dates"] = engine.counts(query, undated).total
        results.without_filters = counts
    words = without_clauses(query)
    if words is not None and (count := engine.counts(words, request).total):
        results.without_filters["clauses"] = count  # source: and date: written in the query
    for leaf in positive_leaves(query):
        if not isinstance(leaf, Term) or leaf.field not in ("source", *FACET_FIELDS):
            continue
        if not engine.counts(leaf, SearchRequest()).total:
            results.warnings.append(missing_value_warning(engine, leaf.field, leaf.text))


def warnings_for(
    engine: Engine, prepared: Prepared, results: SearchResults, grouped: bool = True
) -> list[str]:
    """What a reader should know about a result that looks empty or odd."""
    request = prepared.request
    warnings = []
    if results.total and request.page > results.pages:
        warnings.append(f"there is no page {request.page}; the last is page {results.pages}")
    if request.collapse != "none" and not grouped and results.total:
        warnings.append(
            "this index has no copies or stories grouped yet, so nothing is collapsed: "
            "`morgue regroup` groups them"
        )
    return warnings + request_warnings(engine, prepared)


def request_warnings(engine: Engine, prepared: Prepared) -> list[str]:
    """What makes any use of a request come back empty for a reason the reader can fix: a
    query of stop words only, a source no article has."""
    request = prepared.request
    warnings = []
    if request.query.strip() and isinstance(prepared.parsed, MatchAll) and "*" not in request.query:
        warnings.append(
            f"{request.query!r} has no word that can be searched (too common, such as the or of),"
            " so every article is shown; add a word that says what you look for"
        )
    if request.query.strip() and isinstance(prepared.parsed, MatchNone):
        warnings.append(
            f"every word of {request.query!r} is too common to be indexed (such as the, of, "
            "and); add a word that says what you look for"
        )
    if request.sources:
        warnings.extend(unknown_sources(engine, request.sources))
    return warnings


def iter_hits(engine: Engine, request: SearchRequest) -> Iterator[Hit]:
    """Every hit of ``request`` in its sort order, pagination and collapsing ignored, read
    lazily, each with its groups."""
    prepared = prepare(engine, replace(request, page=1))
    store = open_groups(engine.path)
    try:
        for chunk in chunked(engine.iter_hits(prepared.query, request), 200):
            batch = [to_hit(match.article, match.score, prepared) for match in chunk]
            yield from annotate(batch, store) if store else batch
    finally:
        if store is not None:
            store.close()


def match_keys(engine: Engine, request: SearchRequest) -> dict[str, str]:
    """Id -> content hash of every match of ``request`` (pagination ignored)."""
    prepared = prepare(engine, replace(request, page=1))
    return engine.match_keys(prepared.query, request)


def ranked(engine: Engine, request: SearchRequest, query: Node) -> list[MatchedArticle]:
    """One page of ranked matches, without snippets, for a query tree the caller built itself
    (``morgue eval`` reads test-collection queries as plain words, never as syntax)."""
    validate(request)
    return engine.search(for_engine(engine, query), request).hits


def to_hit(article: Article, score: float | None, prepared: Prepared) -> Hit:
    """One article as a search hit, highlighted (once) for the prepared query."""
    return Hit(
        id=article.id,
        title=article.title,
        source=article.source,
        date=article.date_text,
        url=article.url,
        author=article.author,
        place=article.place,
        score=round(score, 4) if score is not None else None,
        snippet=make_snippet(article.body, prepared.query, prepared.request.snippet_chars),
        content_hash=article.content_hash,
        metadata=article.metadata,
        title_spans=tuple(find_matches(article.title, prepared.query, "title")),
    )


# ---------------------------------------------------------------------------------------- article


def highlight_article(
    engine: Engine, article: Article, request: SearchRequest
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The title and body spans the search ``request`` matches in ``article`` (the article page
    of a hit), in the request's own mode."""
    if not request.query:
        return [], []
    prepared = prepare(engine, request)
    return (
        find_matches(article.title, prepared.query, "title"),
        find_matches(article.body, prepared.query, "body"),
    )


def more_like(engine: Engine, article_id: str, count: int = 5) -> list[Article]:
    """Articles like this one: its most telling terms (tf-idf over the whole archive) searched as
    alternatives, itself left out. The same on every engine: engines only count."""
    article = engine.get(article_id)
    if article is None:
        return []
    total = max(engine.stats().articles, 1)
    weights: Counter[tuple[str, str]] = Counter()
    for field, text in (("body", article.body), ("title", article.title)):
        for term, freq in Counter(analyze_terms(text)).items():
            df = engine.doc_frequency(field, term)
            if 1 < df < total:
                weights[(field, term)] += freq * log(total / df)
    if not weights:
        return []
    query = Or(tuple(Term(f, t) for (f, t), _ in weights.most_common(MORE_LIKE_TERMS)))
    found = engine.search(query, SearchRequest(page_size=count + 1))
    return [m.article for m in found.hits if m.article.id != article_id][:count]
