"""How much of each source the archive holds per day, and where that volume drops so far below
the source's own norm that the archive, not the news, is the likely cause.

The rule, per source and per day from the source's first article to its last: the norm is the
median of its articles per day over the 28 days before (days without articles count as 0,
days before its first article do not count at all; at least 14 of them are needed); a day is a
**possible gap** when the norm is at least 3 articles a day and the day holds under 20% of it
*and* under 20% of the median of the same weekday in those four weeks (a quiet Sunday is
compared with Sundays, so weekends are not gaps). Consecutive flagged days make one
span. A source that publishes a few articles a week never gets flagged (its norm is under 3),
and neither does the quiet start of a source's history.
Days after a source's last article are not judged: the archive cannot tell a source that
stopped from one that stopped being collected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from search.intervals import AUTO, auto_interval, bucket_label, bucket_starts, fold
from search.query.tree import MatchAll
from search.types import Engine, SearchRequest

NORM_DAYS = 28
MIN_NORM_DAYS = 14  # two weeks of history: two of each weekday
MIN_NORM = 3.0  # articles a day: below this a source is too sparse to judge
GAP_RATIO = 0.2
BRIDGE_DAYS = 0  # consecutive flagged days make one span (bridging normal days misleads)


@dataclass(frozen=True)
class Gap:
    source: str
    start: date
    end: date  # inclusive
    articles: int  # what the span holds
    norm: float  # the source's median articles per day before the span

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class SourceVolume:
    source: str
    total: int
    counts: list[int]  # per bucket of the report


@dataclass
class Volume:
    interval: str
    buckets: list[tuple[str, date]]  # label, start
    sources: list[SourceVolume] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    undated: int = 0


def source_days(engine: Engine, sources: tuple[str, ...] = ()) -> dict[str, dict[date, int]]:
    """Articles per source per day over the whole archive (or the given sources)."""
    found = engine.counts(MatchAll(), SearchRequest(sources=sources), per_source=True)
    return found.source_day_counts


def find_gaps(per_source: dict[str, dict[date, int]]) -> list[Gap]:
    gaps = []
    for source, days in sorted(per_source.items(), key=lambda item: item[0].casefold()):
        gaps.extend(_source_gaps(source, days))
    return gaps


def _source_gaps(source: str, days: dict[date, int]) -> list[Gap]:
    if not days:
        return []
    first, last = min(days), max(days)
    span = (last - first).days + 1
    counts = [days.get(first + timedelta(days=i), 0) for i in range(span)]
    gaps: list[Gap] = []
    open_span: list[int] = []
    norm_at_start = 0.0
    for index in range(MIN_NORM_DAYS, span):
        if open_span and index - open_span[-1] > BRIDGE_DAYS + 1:
            gaps.append(_gap(source, first, counts, open_span, norm_at_start))
            open_span = []
        norm = median(counts[max(0, index - NORM_DAYS) : index])
        weekday = median(counts[max(index % 7, index - NORM_DAYS) : index : 7])
        if norm >= MIN_NORM and counts[index] < GAP_RATIO * min(norm, weekday):
            if open_span:  # one span, not a stutter; its norm is the one before it began
                open_span.extend(range(open_span[-1] + 1, index + 1))
            else:
                open_span, norm_at_start = [index], norm
    if open_span:
        gaps.append(_gap(source, first, counts, open_span, norm_at_start))
    return gaps


def _gap(source: str, first: date, counts: list[int], span: list[int], norm: float) -> Gap:
    return Gap(
        source,
        first + timedelta(days=span[0]),
        first + timedelta(days=span[-1]),
        sum(counts[i] for i in span),
        float(norm),
    )


def volume(engine: Engine, interval: str = AUTO, sources: tuple[str, ...] = ()) -> Volume:
    """Articles per source per bucket over the archive, busiest source first, with the gaps."""
    per_source = source_days(engine, sources)
    dated = [d for days in per_source.values() for d in days]
    undated = engine.counts(MatchAll(), SearchRequest(sources=sources)).total - sum(
        sum(days.values()) for days in per_source.values()
    )
    if not dated:
        return Volume(interval if interval != AUTO else "day", [], undated=undated)
    first, last = min(dated), max(dated)
    if interval == AUTO:
        interval = auto_interval(first, last)
    starts = list(bucket_starts(first, last, interval))
    rows = []
    for source, days in per_source.items():
        folded = fold(days, interval)
        counts = [folded.get(s, 0) for s in starts]
        rows.append(SourceVolume(source, sum(counts), counts))
    rows.sort(key=lambda row: (-row.total, row.source.casefold()))
    return Volume(
        interval,
        [(bucket_label(s, interval), s) for s in starts],
        rows,
        find_gaps(per_source),
        undated,
    )


def gaps_between(
    engine: Engine, first: date, last: date, sources: tuple[str, ...] = ()
) -> list[Gap]:
    """The possible gaps of the given sources (every source: none given) that overlap a span."""
    return [
        g for g in find_gaps(source_days(engine, sources)) if g.start <= last and g.end >= first
    ]
