"""How much of each source the archive holds per day, and where that volume drops so far below
the source's own norm that the archive, not the news, is the likely cause.

The rule, per source and per day from the source's first article to its last: the norm is the
smaller of two medians over the 28 days before, its articles per day and its articles on the
same weekday (days without articles count as 0, days before its first article do not count at
all; at least 14 of them are needed), so a quiet Sunday is compared with Sundays. A day is a
**possible gap** when the norm is at least 3 articles a day and the day holds under 20% of it.
Flagged days make one span until a day that can be judged is not flagged (a day whose norm is
under 3, such as a Sunday of a source that rests on Sundays, neither ends a span nor starts
one), and while a span lasts its days are judged against the norms from before it began (a
norm taken inside a long hole would sink into it and stop seeing it). A source that publishes
a few articles a week never gets flagged (its norm is under 3), nor the quiet start of its
history.
Days after a source's last article are not judged: the archive cannot tell a source that
stopped from one that stopped being collected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from search.errors import InvalidRequestError
from search.facets import unknown_sources
from search.intervals import (
    AUTO,
    auto_interval,
    bucket_end,
    bucket_label,
    bucket_starts,
    check_buckets,
    fold,
)
from search.query.tree import MatchAll
from search.types import Engine, SearchRequest

NORM_DAYS = 28
MIN_NORM_DAYS = 14  # two weeks of history: two of each weekday
MIN_NORM = 3.0  # articles a day: below this a source is too sparse to judge
GAP_RATIO = 0.2


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
    warnings: list[str] = field(default_factory=list)

    def gap_days(self, source: str, index: int) -> int:
        """How many days of bucket ``index`` fall in a possible gap of ``source``."""
        start = self.buckets[index][1]
        end = bucket_end(start, self.interval)
        return sum(
            (min(end, g.end) - max(start, g.start)).days + 1
            for g in self.gaps
            if g.source == source and g.start <= end and g.end >= start
        )


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
    frozen: tuple[float, list[float]] = (0.0, [])  # the norms from before an open span
    first_norm = 0.0  # the norm its first day was judged by: what "usually" reports
    for index in range(MIN_NORM_DAYS, span):
        if open_span:  # judged against the norms from before the span began
            overall, weekdays = frozen
        else:
            window = counts[max(0, index - NORM_DAYS) : index]
            overall = median(window)
            weekdays = [median(window[-1 - k :: -7]) for k in range(7)]  # k + 1 days back
        back = (index - open_span[0]) % 7 if open_span else 0
        norm = min(overall, weekdays[(6 - back) % 7])
        if norm < MIN_NORM:
            continue  # a day that cannot be judged neither makes a gap nor ends one
        if counts[index] < GAP_RATIO * norm:
            if open_span:
                open_span.extend(range(open_span[-1] + 1, index + 1))
            else:
                open_span, frozen, first_norm = [index], (overall, weekdays), norm
        elif open_span:
            gaps.append(_gap(source, first, counts, open_span, first_norm))
            open_span = []
    return gaps


def _gap(source: str, first: date, counts: list[int], span: list[int], norm: float) -> Gap:
    return Gap(
        source,
        first + timedelta(days=span[0]),
        first + timedelta(days=span[-1]),
        sum(counts[i] for i in span),
        float(norm),
    )


def volume(
    engine: Engine,
    interval: str = AUTO,
    sources: tuple[str, ...] = (),
    date_from: date | None = None,
    date_to: date | None = None,
) -> Volume:
    """Articles per source per bucket, busiest source first, with the possible gaps, between
    two days (the gaps are judged on the whole history, so the first days keep their norm)."""
    warnings = unknown_sources(engine, sources) if sources else []
    counted = engine.counts(MatchAll(), SearchRequest(sources=sources), per_source=True)
    per_source = counted.source_day_counts
    undated = counted.total - sum(counted.day_counts.values())  # one count for all three
    gaps = find_gaps(per_source)
    if date_from or date_to:
        low, high = date_from or date.min, date_to or date.max
        per_source = {
            s: {d: n for d, n in days.items() if low <= d <= high} for s, days in per_source.items()
        }
        per_source = {s: days for s, days in per_source.items() if days}
        gaps = [g for g in gaps if g.start <= high and g.end >= low]
    dated = [d for days in per_source.values() for d in days]
    if not dated:
        empty = Volume(interval if interval != AUTO else "day", [], undated=undated)
        empty.warnings = warnings
        return empty
    first, last = date_from or min(dated), date_to or max(dated)
    if interval == AUTO:
        interval = auto_interval(first, last)
    try:
        check_buckets(first, last, interval)
    except ValueError as exc:
        raise InvalidRequestError(str(exc)) from None
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
        gaps,
        undated,
        warnings,
    )


def gaps_between(
    engine: Engine, first: date, last: date, sources: tuple[str, ...] = ()
) -> list[Gap]:
    """The possible gaps of the given sources (every source: none given) that overlap a span."""
    return [
        g for g in find_gaps(source_days(engine, sources)) if g.start <= last and g.end >= first
    ]
