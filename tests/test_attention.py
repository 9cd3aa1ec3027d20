"""Attention over time, buckets and possible gaps, checked against an archive generated here whose
every count is known without asking Morgue: three outlets with different rhythms, a hole in one,
undated articles, topic words on a fixed pattern."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from search.archive import open_archive
from search.attention import AttentionRequest, Point, attention, filters_of, smoothed
from search.errors import InvalidRequestError, QuerySyntaxError
from search.intervals import auto_interval, bucket_count, bucket_label, bucket_starts
from search.query.modes import build_query
from search.query.tree import MatchAll
from search.searching import prepare, run_search
from search.types import SearchRequest
from search.volume import find_gaps, source_days, volume
from tests.conftest import build_index

pytestmark = pytest.mark.usefixtures("engine_name")

FIRST = date(2026, 1, 1)
DAYS = 90  # to 2026-03-31
HOLE = (date(2026, 2, 10), date(2026, 2, 14))  # the Ledger was not collected


def _records() -> list[dict]:
    """Ledger: 5 a day, every day, but for the hole. Wire: 3 a weekday. Weekly: 1 on Mondays.
    Article n mentions "harbor" when n % 3 == 0 and "strike" when n % 5 == 0; four undated
    articles mention the harbor."""
    records = []
    number = 0

    def add(source: str, day: date | None) -> None:
        nonlocal number
        words = ["council", "meeting"]
        if number % 3 == 0:
            words.append("harbor")
        if number % 5 == 0:
            words.append("strike")
        records.append(
            {
                "id": f"a{number}",
                "title": f"Report {number}",
                "body": f"The {' and the '.join(words)} were discussed on item {number}.",
                "source": source,
                "date": day.isoformat() if day else None,
            }
        )
        number += 1

    for offset in range(DAYS):
        day = FIRST + timedelta(days=offset)
        if not HOLE[0] <= day <= HOLE[1]:
            for _ in range(5):
                add("Daily Ledger", day)
        if day.weekday() < 5:
            for _ in range(3):
                add("Wire", day)
        if day.weekday() == 0:
            add("Weekly Post", day)
    for _ in range(4):
        records.append(
            {
                "id": f"u{_}",
                "title": "Undated",
                "body": "The harbor again.",
                "source": "Wire",
            }
        )
    return records


RECORDS = _records()


def expected(word: str | None = None, source: str | None = None) -> dict[date, int]:
    counts: dict[date, int] = {}
    for record in RECORDS:
        if record.get("date") is None or (source and record["source"] != source):
            continue
        if word and word not in record["body"]:
            continue
        day = date.fromisoformat(record["date"])
        counts[day] = counts.get(day, 0) + 1
    return counts


@pytest.fixture(scope="module")
def study_index(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"attention-{engine_name}")
    path = root / "archive.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    return build_index(root / "index", [path], engine_name)


@pytest.fixture
def engine(study_index):
    with open_archive(study_index) as opened:
        yield opened


def chart(engine, *queries, **options):
    return attention(engine, AttentionRequest(tuple(queries), **options))


# ---------------------------------------------------------------------------------------- counts


def test_daily_counts_equal_the_generated_archive(engine):
    found = chart(engine, "harbor", "strike", interval="day")
    everything = expected()
    for series, word in zip(found.series, ("harbor", "strike"), strict=True):
        want = expected(word)
        assert [p.count for p in series.points] == [want.get(p.start, 0) for p in series.points]
        assert [p.all for p in series.points] == [everything.get(p.start, 0) for p in series.points]
        assert series.total == sum(p.count for p in series.points) == sum(want.values())
        for point in series.points:
            assert point.share == (point.count / point.all if point.all else 0.0)
    assert found.series[0].undated == 4  # the undated harbor articles are in no bucket
    assert found.series[1].undated == 0
    assert found.first == FIRST
    assert found.last == FIRST + timedelta(days=DAYS - 1)


def test_every_article_has_a_share_of_one_wherever_the_archive_has_articles(engine):
    for interval in ("day", "week", "month", "year"):
        (series,) = chart(engine, "*", interval=interval).series
        assert series.total == sum(expected().values())
        assert all(p.share == 1.0 for p in series.points if p.all)
        assert all(p.count == p.all for p in series.points)


def test_series_share_buckets_and_line_up(engine):
    found = chart(engine, "harbor", "council", "strike", interval="week")
    starts = [[p.start for p in s.points] for s in found.series]
    assert starts[0] == starts[1] == starts[2]


def test_weeks_are_iso_weeks_starting_on_monday(engine):
    (series,) = chart(engine, "harbor", interval="week").series
    for point, following in zip(series.points, series.points[1:], strict=False):
        assert following.start - point.start == timedelta(days=7)
    for point in series.points:
        assert point.start.weekday() == 0
        assert point.end == point.start + timedelta(days=6)
        year, week, _ = point.start.isocalendar()
        assert point.bucket == f"{year}-W{week:02d}"
    assert series.points[0].bucket == "2026-W01"  # 2026-01-01, a Thursday, is in ISO week 1
    assert series.points[0].start == date(2025, 12, 29)


@pytest.mark.parametrize(
    ("interval", "start", "end", "buckets"),
    [
        ("day", date(2026, 2, 3), date(2026, 2, 9), 7),
        ("month", date(2026, 1, 1), date(2026, 3, 31), 3),
        ("year", date(2026, 1, 1), date(2026, 12, 31), 1),
    ],
)
def test_day_month_and_year_buckets_line_up_with_from_and_to(engine, interval, start, end, buckets):
    (series,) = chart(engine, "harbor", interval=interval, date_from=start, date_to=end).series
    assert len(series.points) == buckets
    assert series.points[0].start == start
    assert series.points[-1].end == end
    want = expected("harbor")
    assert series.total == sum(n for day, n in want.items() if start <= day <= end)


def test_a_query_with_its_own_source_counts_its_share_of_that_source(engine):
    found = chart(engine, 'source:"Daily Ledger" harbor', "harbor", interval="day")
    ledger, everyone = found.series
    ledger_all = expected(source="Daily Ledger")
    assert [p.all for p in ledger.points] == [ledger_all.get(p.start, 0) for p in ledger.points]
    assert [p.all for p in everyone.points] == [expected().get(p.start, 0) for p in everyone.points]
    harbor_ledger = expected("harbor", "Daily Ledger")
    assert [p.count for p in ledger.points] == [
        harbor_ledger.get(p.start, 0) for p in ledger.points
    ]


def test_a_shared_source_filter_applies_to_counts_and_to_all(engine):
    (series,) = chart(engine, "strike", interval="month", sources=("Wire",)).series
    wire = expected(source="Wire")
    assert sum(p.all for p in series.points) == sum(wire.values())
    assert series.total == sum(expected("strike", "Wire").values())


def test_filters_of_a_query_are_its_source_and_date_clauses():
    tree = build_query("harbor source:Wire date:2026-02 -strike", "all")
    kept = filters_of(tree)
    assert "harbor" not in repr(kept)
    assert "strike" not in repr(kept)
    assert "wire" in repr(kept)
    assert "DateRange" in repr(kept)
    assert isinstance(filters_of(build_query("harbor OR source:Wire", "all")), MatchAll)


def test_bad_requests_are_refused_before_counting(engine):
    with pytest.raises(InvalidRequestError, match="at most 8"):
        chart(engine, *[f"w{i}" for i in range(9)])
    with pytest.raises(InvalidRequestError, match="interval"):
        chart(engine, "harbor", interval="fortnight")
    with pytest.raises(InvalidRequestError, match="at least one"):
        chart(engine, " ")
    with pytest.raises(QuerySyntaxError, match="query 2 of 2"):
        chart(engine, "harbor", "strike AND (")


def test_engine_counts_agree_with_the_search_pipeline(engine):
    request = SearchRequest(query="harbor")
    tree = prepare(engine, request).query
    counted = engine.counts(tree, request, per_source=True)
    searched = engine.search(tree, request)
    assert counted.total == searched.total == run_search(engine, request).total
    assert counted.day_counts == searched.day_counts
    assert counted.source_counts == searched.source_counts
    for source, days in counted.source_day_counts.items():
        assert days == expected("harbor", source)
    assert counted.hits == []


def test_smoothing_is_a_centred_mean_and_shares_weigh_by_volume():
    points = [
        Point(str(i), date(2026, 1, i + 1), date(2026, 1, i + 1), count, total)
        for i, (count, total) in enumerate([(0, 10), (10, 10), (0, 10), (0, 90)])
    ]
    assert smoothed(points, "count", window=3) == [5.0, 10 / 3, 10 / 3, 0.0]
    assert smoothed(points, "share", window=3) == [10 / 20, 10 / 30, 10 / 110, 0.0]


# ---------------------------------------------------------------------------------------- intervals


@pytest.mark.parametrize(
    ("days", "interval"),
    [(5, "day"), (30, "day"), (119, "day"), (200, "week"), (3 * 365, "month"), (3600, "month")],
)
def test_the_automatic_interval_gives_20_to_120_points_when_it_can(days, interval):
    first = date(2020, 1, 1)
    last = first + timedelta(days=days)
    chosen = auto_interval(first, last)
    assert chosen == interval
    count = bucket_count(first, last, chosen)
    assert count <= 120
    assert count >= 20 or chosen == "day"
    assert count == len(list(bucket_starts(first, last, chosen)))


def test_a_span_between_ranges_takes_the_nearer_interval():
    first = date(2000, 1, 1)
    assert auto_interval(first, date(2015, 1, 1)) == "year"  # 181 months vs 16 years
    assert bucket_label(date(2027, 1, 1), "week") == "2026-W53"


# ---------------------------------------------------------------------------------------- gaps


def test_the_hole_in_one_outlet_is_the_only_gap_found(engine):
    gaps = find_gaps(source_days(engine))
    assert [(g.source, g.start, g.end, g.articles) for g in gaps] == [("Daily Ledger", *HOLE, 0)]
    assert gaps[0].norm == 5.0
    assert gaps[0].days == 5


def test_weekends_and_weekly_outlets_are_not_gaps():
    wire = {
        FIRST + timedelta(days=i): 40
        for i in range(120)
        if (FIRST + timedelta(days=i)).weekday() < 5
    }
    weekly = {FIRST + timedelta(days=7 * i): 1 for i in range(20)}
    assert find_gaps({"Wire": wire, "Weekly": weekly}) == []
    wire_holed = {d: n for d, n in wire.items() if not date(2026, 3, 2) <= d <= date(2026, 3, 4)}
    (gap,) = find_gaps({"Wire": wire_holed})
    assert (gap.start, gap.end) == (date(2026, 3, 2), date(2026, 3, 4))


def test_volume_counts_every_article_once(engine):
    found = volume(engine, "month")
    totals = {row.source: row.total for row in found.sources}
    stats = {f.value: f.count for f in engine.stats().sources}
    assert found.undated == 4
    assert totals["Wire"] == stats["Wire"] - 4
    assert totals["Daily Ledger"] == stats["Daily Ledger"]
    assert [label for label, _ in found.buckets] == ["2026-01", "2026-02", "2026-03"]
    ledger = next(row for row in found.sources if row.source == "Daily Ledger")
    assert ledger.counts == [31 * 5, (28 - 5) * 5, 31 * 5]


# ---------------------------------------------------------------------------------------- stories


def test_stories_count_once_each_where_they_first_appear(slice_engine):
    found = chart(slice_engine, "oil", "*", interval="month", unit="stories")
    results = run_search(slice_engine, SearchRequest(query="oil", collapse="stories"))
    oil, everything = found.series
    assert oil.total + oil.undated == results.stories
    assert oil.total == sum(p.count for p in oil.points)
    assert all(p.share == 1.0 for p in everything.points if p.all)
    articles = chart(slice_engine, "oil", interval="month").series[0]
    assert oil.total <= articles.total
    assert all(s.count <= a.count for s, a in zip(oil.points, articles.points, strict=True))


def test_a_long_hole_is_one_gap_judged_by_the_norm_from_before_it():
    """Five a weekday, none at weekends, and nothing for nine weeks: the norm taken inside the
    hole would sink to nothing, so the span is judged by the norm from before it."""
    monday = date(2023, 1, 2)
    days = {}
    for offset in range(26 * 7):
        day = monday + timedelta(days=offset)
        hole = date(2023, 3, 6) <= day <= date(2023, 5, 7)
        if day.weekday() < 5 and not hole:
            days[day] = 5
    (gap,) = find_gaps({"Harbour Tribune": days})
    assert (gap.start, gap.end) == (date(2023, 3, 6), date(2023, 5, 5))  # Monday to Friday
    assert gap.articles == 0
    assert gap.norm == 5.0


def test_only_buckets_the_dates_cut_are_partial(engine):
    (whole,) = chart(engine, "harbor", interval="month").series
    assert not any(p.partial for p in whole.points)
    (cut,) = chart(
        engine, "harbor", interval="month", date_from=date(2026, 1, 10), date_to=date(2026, 3, 31)
    ).series
    assert [p.partial for p in cut.points] == [True, False, False]
