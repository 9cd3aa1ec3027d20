"""Attention over time: how many articles (or stories) each query matched per day, week, month
or year, and what share of everything the archive holds for that bucket.

Raw counts rise whenever the archive simply holds more articles, so every point carries ``all``,
the articles of its bucket that pass the same filters without the words (the shared source and
date filters plus the query's own ``source:`` and ``date:`` clauses), and ``share = count / all``.
Counting is the engine's (``Engine.counts``: aggregations on tantivy, set algebra over posting
blocks on Whoosh), never a loop over hits; one count per query plus one per distinct set of
filters. Every series has the same buckets, empty ones included, so series line up.

With ``unit="stories"`` a story counts once, in the bucket of its earliest matching article
(so the counts still add up to the total); ``all`` then counts the stories first seen in the
bucket among all filtered articles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from search.collapse import COUNT_LIMIT, matched_members
from search.errors import InvalidRequestError, QuerySyntaxError
from search.groups.views import open_groups
from search.intervals import (
    AUTO,
    INTERVALS,
    auto_interval,
    bucket_end,
    bucket_label,
    bucket_starts,
    check_buckets,
    fold,
)
from search.query.tree import And, DateRange, MatchAll, Node, Or, Term
from search.searching import prepare, request_warnings
from search.types import Engine, SearchRequest

MAX_QUERIES = 8
UNITS = ("articles", "stories")
NORMALIZE = ("share", "count")
SMOOTH_POINTS = 7  # the rolling mean's window: the point and three on each side


@dataclass(frozen=True)
class Point:
    bucket: str
    start: date  # the whole calendar period, even when the chart's dates cut it
    end: date
    count: int
    all: int
    partial: bool = False  # the from/to dates cut this bucket: it covers only part of its period

    @property
    def share(self) -> float:
        return self.count / self.all if self.all else 0.0


@dataclass
class Series:
    query: str
    total: int  # matches in the chart's buckets (the sum of the points' counts)
    points: list[Point]
    undated: int = 0  # matches without a date: in no bucket


@dataclass
class AttentionRequest:
    queries: tuple[str, ...]
    interval: str = AUTO
    sources: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    mode: str = "auto"
    unit: str = "articles"


@dataclass
class Attention:
    request: AttentionRequest
    interval: str
    first: date | None  # the chart's span: the filters' dates, else the filtered archive's
    last: date | None
    series: list[Series] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # unknown sources, stop-word queries


def validate(request: AttentionRequest) -> None:
    queries = [q for q in request.queries if q.strip()]
    if not queries:
        raise InvalidRequestError("give at least one query to chart")
    if len(queries) > MAX_QUERIES:
        raise InvalidRequestError(f"at most {MAX_QUERIES} queries can be compared at once")
    if request.interval not in (AUTO, *INTERVALS):
        raise InvalidRequestError(f"interval must be one of {AUTO}, {', '.join(INTERVALS)}")
    if request.unit not in UNITS:
        raise InvalidRequestError(f"unit must be one of {', '.join(UNITS)}")


def attention(engine: Engine, request: AttentionRequest) -> Attention:
    """One series per query over the same buckets. Raises ``InvalidRequestError`` or
    ``QuerySyntaxError`` (naming which query) before counting anything."""
    validate(request)
    queries = [q for q in request.queries if q.strip()]
    prepared, notes = [], []
    for number, text in enumerate(queries, 1):
        search_request = SearchRequest(
            query=text,
            sources=request.sources,
            date_from=request.date_from,
            date_to=request.date_to,
            mode=request.mode,
        )
        try:
            ready = prepare(engine, search_request)
        except QuerySyntaxError as exc:
            prefix = f"query {number} of {len(queries)}: " if len(queries) > 1 else ""
            raise QuerySyntaxError(prefix + exc.message, exc.position, text) from None
        prepared.append((text, search_request, ready.query))
        notes.extend(w for w in request_warnings(engine, ready) if w not in notes)
    counter = _Counter(engine, request.unit)
    counted = []
    for text, search_request, tree in prepared:
        days, undated = counter.days(tree, search_request)
        base_days, _ = counter.days(filters_of(tree), search_request)
        counted.append((text, days, undated, base_days))
    counter.close()
    first = request.date_from or _earliest(counted)
    last = request.date_to or _latest(counted)
    if first is None or last is None:
        interval = request.interval if request.interval != AUTO else "month"
        series = [Series(t, 0, [], u) for t, _, u, _ in counted]
        return Attention(request, interval, None, None, series, notes)
    interval = auto_interval(first, last) if request.interval == AUTO else request.interval
    try:
        check_buckets(first, last, interval)
    except ValueError as exc:
        raise InvalidRequestError(str(exc)) from None
    starts = list(bucket_starts(first, last, interval))
    series = []
    for text, days, undated, base_days in counted:
        counts, alls = fold(days, interval), fold(base_days, interval)
        points = [
            Point(
                bucket_label(s, interval),
                s,
                bucket_end(s, interval),
                counts.get(s, 0),
                alls.get(s, 0),
                _cut(s, bucket_end(s, interval), request),
            )
            for s in starts
        ]
        series.append(Series(text, sum(p.count for p in points), points, undated))
    return Attention(request, interval, first, last, series, notes)


def _cut(start: date, end: date, request: AttentionRequest) -> bool:
    """Whether the request's from/to dates leave out part of a bucket."""
    return bool(
        (request.date_from and start < request.date_from)
        or (request.date_to and end > request.date_to)
    )


def filters_of(tree: Node) -> Node:
    """What a query holds besides its words: its top-level ``source:`` and ``date:`` clauses
    (AND-ed with the words), as a query of their own; every article when it has none. A filter
    OR-ed with words cannot be told apart from them and is left out."""
    if _is_filter(tree):
        return tree
    if isinstance(tree, And):
        kept = tuple(child for child in tree.children if _is_filter(child))
        if len(kept) == 1:
            return kept[0]
        if kept:
            return And(kept)
    return MatchAll()


def _is_filter(node: Node) -> bool:
    if isinstance(node, DateRange):
        return True
    if isinstance(node, Term):
        return node.field == "source"
    if isinstance(node, Or):
        return all(_is_filter(child) for child in node.children)
    return False


def smoothed(points: list[Point], normalize: str, window: int = SMOOTH_POINTS) -> list[float]:
    """A centred rolling mean over ``window`` points (fewer at the ends), so a peak stays where it
    happened. Shares are smoothed as the window's matches over its articles, so a bucket with
    few articles weighs little."""
    half = window // 2
    values = []
    for index in range(len(points)):
        near = points[max(0, index - half) : index + half + 1]
        if normalize == "share":
            base = sum(p.all for p in near)
            values.append(sum(p.count for p in near) / base if base else 0.0)
        else:
            values.append(sum(p.count for p in near) / len(near))
    return values


def _earliest(counted) -> date | None:
    days = [min(d) for _, _, _, d in counted if d] + [min(d) for _, d, _, _ in counted if d]
    return min(days) if days else None


def _latest(counted) -> date | None:
    days = [max(d) for _, _, _, d in counted if d] + [max(d) for _, d, _, _ in counted if d]
    return max(days) if days else None


class _Counter:
    """Day counts of a query tree under a request's filters, each distinct tree counted once."""

    def __init__(self, engine: Engine, unit: str) -> None:
        self.engine = engine
        self.unit = unit
        self.cache: dict[tuple, tuple[dict[date, int], int]] = {}
        self.store = open_groups(engine.path) if unit == "stories" else None
        if unit == "stories" and self.store is None:
            raise InvalidRequestError(
                "this index has no stories grouped yet: `morgue regroup` groups them"
            )

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def days(self, tree: Node, request: SearchRequest) -> tuple[dict[date, int], int]:
        key = (repr(tree), request.sources, request.date_from, request.date_to)
        if key not in self.cache:
            if self.unit == "stories":
                self.cache[key] = self._story_days(tree, request)
            else:
                found = self.engine.counts(tree, request)
                self.cache[key] = (found.day_counts, found.total - sum(found.day_counts.values()))
        return self.cache[key]

    def _story_days(self, tree: Node, request: SearchRequest) -> tuple[dict[date, int], int]:
        total = self.engine.counts(tree, request).total
        if total > COUNT_LIMIT:
            raise InvalidRequestError(
                f"counting stories needs every match's story, and {total:,} articles are "
                f"more than {COUNT_LIMIT:,}: narrow the dates or sources, or count articles"
            )
        first_seen: dict[int, int | None] = {}
        for member in matched_members(self.store, self.engine, tree, request):
            story = member.story if member.story is not None else -member.num
            seen = first_seen.get(story)
            if story not in first_seen or (
                member.at is not None and (seen is None or member.at < seen)
            ):
                first_seen[story] = member.at
        days: dict[date, int] = {}
        undated = 0
        for at in first_seen.values():
            if at is None:
                undated += 1
                continue
            day = datetime.fromtimestamp(at, tz=timezone.utc).date()
            days[day] = days.get(day, 0) + 1
        return days, undated
