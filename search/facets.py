"""Counts over every match, turned into what people read: the source facet and the timeline.

The engine counts matches per source and per day over the same snapshot as the page of hits;
here those counts become the top sources and date buckets of a day, month or year (chosen by the
span of the matches), with empty buckets filled in so a timeline has no silent holes.
"""

from __future__ import annotations

from datetime import date

from search.intervals import bucket_end, bucket_label, bucket_starts, fold
from search.types import DateBucket, FacetCount

SOURCE_FACET_SIZE = 20
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
