"""``search(engine, request)``: parse, match, count and highlight, from one snapshot.

The engine returns the page of hits and counts over every match (from the same searcher, so the
total always equals the sum of the source facet counts). Here we turn those counts into the
facets and the date histogram, and cut a snippet per hit; nothing here knows which engine ran.
"""

from __future__ import annotations

import calendar
import difflib
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

from search.engines import Engine
from search.errors import InvalidRequestError
from search.highlight import find_matches, make_snippet
from search.modes import MODES, build_query
from search.query import Node
from search.types import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    SORTS,
    DateBucket,
    FacetCount,
    Hit,
    SearchRequest,
    SearchResults,
)

SOURCE_FACET_SIZE = 20
DAY_SPAN_LIMIT = 62  # up to two months of matches: one bar a day
MONTH_SPAN_LIMIT = 366 * 4  # up to four years: one bar a month; beyond: one a year


def validate(request: SearchRequest) -> None:
    if request.mode not in MODES:
        raise InvalidRequestError(f"unknown mode {request.mode!r} (choose from {', '.join(MODES)})")
    if request.sort not in SORTS:
        raise InvalidRequestError(f"unknown sort {request.sort!r} (choose from {', '.join(SORTS)})")
    if not 1 <= request.page <= MAX_PAGE:
        raise InvalidRequestError(f"page must be between 1 and {MAX_PAGE}")
    if not 1 <= request.page_size <= MAX_PAGE_SIZE:
        raise InvalidRequestError(f"page size must be between 1 and {MAX_PAGE_SIZE}")
    if request.date_from and request.date_to and request.date_from > request.date_to:
        raise InvalidRequestError(
            f"from date {request.date_from} is after to date {request.date_to}"
        )


def search(engine: Engine, request: SearchRequest) -> SearchResults:
    """Run ``request``; raises QuerySyntaxError or InvalidRequestError for bad input."""
    started = time.perf_counter()
    validate(request)
    node = build_query(request.query, request.mode)
    found = engine.search(node, request)
    hits = [to_hit(m.article, m.score, node, request.snippet_chars) for m in found.hits]
    granularity, buckets = date_histogram(found.day_counts)
    facets = sorted(found.source_counts.items(), key=lambda item: (-item[1], item[0].casefold()))
    warnings = unknown_sources(engine, request.sources) if request.sources else []
    return SearchResults(
        query=request.query,
        total=found.total,
        page=request.page,
        page_size=request.page_size,
        sort=request.sort,
        hits=hits,
        source_facets=[FacetCount(v, c) for v, c in facets[:SOURCE_FACET_SIZE]],
        date_facets=buckets,
        date_granularity=granularity,
        took_ms=(time.perf_counter() - started) * 1000,
        warnings=warnings,
    )


def unknown_sources(engine: Engine, sources: tuple[str, ...]) -> list[str]:
    """A warning for each filter value no article has ("Reutres"), with the closest outlet the
    archive does have: an unknown source is allowed, but silence would look like no coverage."""
    known = {f.value.casefold(): f.value for f in engine.stats().sources}
    warnings = []
    for source in sources:
        if source.casefold() in known:
            continue
        close = difflib.get_close_matches(source.casefold(), list(known), n=1, cutoff=0.6)
        hint = f"; did you mean {known[close[0]]}?" if close else ""
        warnings.append(f"no articles from source {source}{hint}")
    return warnings


def match_keys(engine: Engine, request: SearchRequest) -> dict[str, str]:
    """Id -> content hash of every match of ``request`` (pagination ignored): what a saved-query
    run records."""
    validate(replace(request, page=1))
    return engine.match_keys(build_query(request.query, request.mode), request)


def iter_hits(engine: Engine, request: SearchRequest) -> Iterator[Hit]:
    """Every hit of ``request`` in its sort order, pagination ignored, read lazily: what exports
    stream and what a saved run lists with ``--all``."""
    validate(replace(request, page=1))
    node = build_query(request.query, request.mode)
    for match in engine.iter_hits(node, request):
        yield to_hit(match.article, match.score, node, request.snippet_chars)


def to_hit(article, score, node: Node, snippet_chars: int = 240) -> Hit:
    """One article as a search hit, with its snippet and title highlights for ``node``."""
    return Hit(
        id=article.id,
        title=article.title,
        source=article.source,
        date=article.date_text,
        url=article.url,
        author=article.author,
        place=article.place,
        score=round(score, 4) if score is not None else None,
        snippet=make_snippet(article.body, node, snippet_chars),
        content_hash=article.content_hash,
        title_spans=tuple(find_matches(article.title, node, "title")),
    )


def date_histogram(day_counts: dict[date, int]) -> tuple[str, list[DateBucket]]:
    """Buckets of a day, month or year, chosen by the span of the matches; gaps filled with 0."""
    if not day_counts:
        return "day", []
    first, last = min(day_counts), max(day_counts)
    span = (last - first).days
    if span <= DAY_SPAN_LIMIT:
        granularity = "day"
    elif span <= MONTH_SPAN_LIMIT:
        granularity = "month"
    else:
        granularity = "year"
    counts: dict[date, int] = {}
    for day, count in day_counts.items():
        key = _bucket_start(day, granularity)
        counts[key] = counts.get(key, 0) + count
    buckets = []
    cursor = _bucket_start(first, granularity)
    while cursor <= last:
        end = _bucket_end(cursor, granularity)
        buckets.append(DateBucket(_label(cursor, granularity), counts.get(cursor, 0), cursor, end))
        cursor = end + timedelta(days=1)
    return granularity, buckets


def _bucket_start(day: date, granularity: str) -> date:
    if granularity == "year":
        return date(day.year, 1, 1)
    if granularity == "month":
        return date(day.year, day.month, 1)
    return day


def _bucket_end(start: date, granularity: str) -> date:
    if granularity == "year":
        return date(start.year, 12, 31)
    if granularity == "month":
        return date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    return start


def _label(start: date, granularity: str) -> str:
    if granularity == "year":
        return f"{start.year:04d}"
    if granularity == "month":
        return f"{start.year:04d}-{start.month:02d}"
    return start.isoformat()
