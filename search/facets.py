"""Counts over every match, turned into what people read: the facets and the timeline.

The engine counts matches per source, per day and per value of each faceted field (author,
place, section...) over the same snapshot as the page of hits; here those counts become the top
values of each facet and date buckets of a day, month or year (chosen by the span of the
matches), with empty buckets filled in so a timeline has no silent holes. And when a value asked
for is one no article has, the closest one the archive does have.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from functools import lru_cache

from search.analysis import analyze_names
from search.intervals import bucket_end, bucket_label, bucket_starts, fold
from search.keys import value_key
from search.types import FACET_FIELDS, DateBucket, Engine, FacetCount

SOURCE_FACET_SIZE = 20
FIELD_FACET_SIZE = 50  # values kept per field: a page shows a few and the rest on request
_PLAIN_VALUE = re.compile(r"^[\w.'-]+$")
DAY_SPAN_LIMIT = 62  # up to two months of matches: one bar a day
MONTH_SPAN_LIMIT = 366 * 4  # up to four years: one bar a month; beyond: one a year


def source_facets(counts: dict[str, int], size: int = SOURCE_FACET_SIZE) -> list[FacetCount]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))
    return [FacetCount(value, count) for value, count in ordered[:size]]


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
    counts = fold(day_counts, granularity)
    buckets = [
        DateBucket(
            bucket_label(start, granularity),
            counts.get(start, 0),
            start,
            bucket_end(start, granularity),
        )
        for start in bucket_starts(first, last, granularity)
    ]
    return granularity, buckets


def merged(counts: dict[str, int], name: str | None = None) -> dict[str, int]:
    """Values a query cannot tell apart are one value, counted together under the spelling most
    articles use: any case and spacing of an exact value (``value_key``), and for a byline name
    or a place, the same words ("St. Louis" and "St Louis"). No article holds one value twice,
    so sums are exact."""
    totals: dict[str, int] = {}
    spelling: dict[str, str] = {}
    words = name in ("author", "place")
    for value, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        key = _facet_key(value, words)
        spelling.setdefault(key, value)
        totals[key] = totals.get(key, 0) + n
    return {spelling[key]: n for key, n in totals.items()}


@lru_cache(maxsize=100_000)
def _facet_key(value: str, words: bool) -> str:
    """What tells a facet value apart, remembered: a search over "said" counts 1,600 places,
    and analysing each one again on every search was 38 ms of it."""
    return (" ".join(analyze_names(value)) if words else "") or value_key(value)


def field_facets(
    field_counts: dict[str, dict[str, int]], size: int = FIELD_FACET_SIZE
) -> dict[str, list[FacetCount]]:
    """The top values of each faceted field that any match has, in ``FACET_FIELDS`` order."""
    return {
        name: source_facets(merged(field_counts[name], name), size)
        for name in FACET_FIELDS
        if field_counts.get(name)
    }


def field_query(name: str, value: str) -> str:
    """The query-language clause that selects one facet value: ``section:politics``,
    ``author:"Ted Hesson"`` (quoted unless it is one plain word)."""
    if _PLAIN_VALUE.match(value):
        return f"{name}:{value}"
    return f'{name}:"{" ".join(value.replace(chr(34), " ").split())}"'


def archive_values(engine: Engine, name: str) -> dict[str, int]:
    """Articles per value of a field (``source`` included) over the whole archive."""
    stats = engine.stats()
    if name == "source":
        return {f.value: f.count for f in stats.sources}
    return merged(stats.field_counts.get(name, {}), name)


def closest_value(engine: Engine, name: str, typed: str) -> str | None:
    """The archive's value of ``name`` nearest to ``typed`` (case aside), if one is close."""
    known = {value.casefold(): value for value in archive_values(engine, name)}
    close = difflib.get_close_matches(typed.casefold(), list(known), n=1, cutoff=0.6)
    return known[close[0]] if close else None


def missing_value_warning(engine: Engine, name: str, typed: str) -> str:
    """What to say when no article has ``name:typed``: the closest value, or that the archive
    has no such field at all."""
    if name != "source" and name in FACET_FIELDS and not archive_values(engine, name):
        return f"no article has {name} {typed!r}; no article in this archive has a {name} at all"
    close = closest_value(engine, name, typed) if name != "author" else None
    hint = f"; did you mean {field_query(name, close)}?" if close else ""
    return f"no article has {name} {typed!r}{hint}"


def unknown_sources(engine: Engine, sources: tuple[str, ...]) -> list[str]:
    """A warning for each filter value no article has ("Reutres"), with the closest outlet the
    archive does have: an unknown source is allowed, but silence would look like no coverage."""
    known = {value.casefold() for value in archive_values(engine, "source")}
    warnings = []
    for source in sources:
        if source.casefold() in known:
            continue
        close = closest_value(engine, "source", source)
        hint = f"; did you mean {close}?" if close else ""
        warnings.append(f"no articles from source {source}{hint}")
    return warnings
