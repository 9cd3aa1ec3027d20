"""Counts over every match, turned into what people read: the source facet and the timeline.

The engine counts matches per source and per day over the same snapshot as the page of hits;
here those counts become the top sources and date buckets of a day, month or year (chosen by the
span of the matches), with empty buckets filled in so a timeline has no silent holes.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

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
    counts: dict[date, int] = {}
    for day, count in day_counts.items():
        key = bucket_start(day, granularity)
        counts[key] = counts.get(key, 0) + count
    buckets = []
    cursor = bucket_start(first, granularity)
    while cursor <= last:
        end = bucket_end(cursor, granularity)
        buckets.append(DateBucket(_label(cursor, granularity), counts.get(cursor, 0), cursor, end))
        cursor = end + timedelta(days=1)
    return granularity, buckets


def bucket_start(day: date, granularity: str) -> date:
    if granularity == "year":
        return date(day.year, 1, 1)
    if granularity == "month":
        return date(day.year, day.month, 1)
    return day


def bucket_end(start: date, granularity: str) -> date:
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
