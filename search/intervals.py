"""Calendar buckets for charts over time: a day, an ISO week, a month or a year.

A bucket is named by its label (``1987-03-02``, ``1987-W10``, ``1987-03``, ``1987``) and spans
``start`` to ``end`` inclusive. Weeks are ISO weeks: they start on a Monday and a week that
straddles New Year belongs to the ISO year of its Thursday, so ``1986-12-29`` is in ``1987-W01``.
The first and last buckets of a chart are whole calendar periods, clipped to nothing: a chart
from Wednesday to Friday has one week bucket starting on the Monday before.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

INTERVALS = ("day", "week", "month", "year")
AUTO = "auto"
MIN_POINTS = 20  # the automatic interval aims for 20 to 120 points
MAX_POINTS = 120
MAX_BUCKETS = 10_000  # what one chart may ask for: 27 years by day, 190 by week


def bucket_start(day: date, interval: str) -> date:
    if interval == "year":
        return date(day.year, 1, 1)
    if interval == "month":
        return date(day.year, day.month, 1)
    if interval == "week":
        return day - timedelta(days=day.weekday())
    return day


def bucket_end(start: date, interval: str) -> date:
    if interval == "year":
        return date(start.year, 12, 31)
    if interval == "month":
        return date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    if interval == "week":
        return start + timedelta(days=6)
    return start


def bucket_label(start: date, interval: str) -> str:
    if interval == "year":
        return f"{start.year:04d}"
    if interval == "month":
        return f"{start.year:04d}-{start.month:02d}"
    if interval == "week":
        year, week, _ = start.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return start.isoformat()


def bucket_starts(first: date, last: date, interval: str) -> Iterator[date]:
    """The start of every bucket from the one holding ``first`` to the one holding ``last``."""
    cursor = bucket_start(first, interval)
    while cursor <= last:
        yield cursor
        end = bucket_end(cursor, interval)
        if end >= date.max - timedelta(days=1):  # the calendar's last bucket
            return
        cursor = end + timedelta(days=1)


def bucket_count(first: date, last: date, interval: str) -> int:
    if last < first:
        return 0
    if interval == "day":
        return (last - first).days + 1
    if interval == "week":
        return (bucket_start(last, "week") - bucket_start(first, "week")).days // 7 + 1
    if interval == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return last.year - first.year + 1


def auto_interval(first: date, last: date) -> str:
    """The finest interval giving at most 120 points (20 or more whenever the span allows: a
    span that no interval fits, such as 121 days, gets the coarser, fewer points)."""
    for interval in INTERVALS:
        if bucket_count(first, last, interval) <= MAX_POINTS:
            return interval
    return "year"


def check_buckets(first: date, last: date, interval: str) -> None:
    """Refuses a chart of more than ``MAX_BUCKETS`` buckets (a day-by-day chart of centuries
    would take gigabytes), naming an interval that fits."""
    count = bucket_count(first, last, interval)
    if count > MAX_BUCKETS:
        fits = next(i for i in INTERVALS if bucket_count(first, last, i) <= MAX_BUCKETS)
        raise ValueError(
            f"{first} to {last} by {interval} is {count:,} buckets, more than {MAX_BUCKETS:,}: "
            f"choose interval {fits} or narrower dates"
        )


def fold(day_counts: dict[date, int], interval: str) -> dict[date, int]:
    """Day counts summed into buckets, keyed by each bucket's start."""
    folded: dict[date, int] = {}
    for day, count in day_counts.items():
        key = bucket_start(day, interval)
        folded[key] = folded.get(key, 0) + count
    return folded
