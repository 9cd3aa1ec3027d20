"""Attention charts as geometry for an inline SVG the template draws (no script, no CDN): one line
per query over shared buckets, each point a link to that bucket's search, possible gaps in the
archive shaded behind.

Colours are the Okabe-Ito palette (told apart by readers with any common colour-vision
deficiency), and each line also has its own dash pattern and marker shape, so no reader, and no
grey-scale print, has to tell lines apart by colour alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from search.attention import Attention, smoothed
from search.volume import Gap

WIDTH = 760
HEIGHT = 300
LEFT = 56  # room for the y axis labels
RIGHT = 12
TOP = 12
BOTTOM = 30  # room for the x axis labels
COLOURS = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#8C6D00",  # dark yellow (Okabe-Ito's yellow is too pale on white)
)
DASHES = ("", "7 4", "2 3", "9 3 2 3", "4 4", "1 2", "12 4", "6 2 2 2 2 2")
MARKERS = ("circle", "square", "diamond", "triangle", "circle", "square", "diamond", "triangle")
LABEL_CHAR_WIDTH = 6.5


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    value: float
    count: int
    all: int
    bucket: str
    start: date
    end: date
    partial: bool = False  # drawn hollow: the chart's dates cover only part of the bucket


@dataclass(frozen=True)
class ChartLine:
    query: str
    total: int
    colour: str
    dash: str
    marker: str
    paths: list[str]  # SVG polyline points, one a run of buckets that have a value
    points: list[ChartPoint]  # the buckets that have a value (a share needs articles)


@dataclass(frozen=True)
class Shade:
    x: float
    width: float
    note: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class AxisLabel:
    x: float
    text: str
    anchor: str


@dataclass(frozen=True)
class LineChart:
    lines: list[ChartLine]
    y_ticks: list[Tick]
    x_labels: list[AxisLabel]
    shades: list[Shade]
    empty: list[Shade]  # runs of buckets with no article at all under the filters
    normalize: str
    smooth: bool
    interval: str
    buckets: list[str]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM


def nice_step(value: float) -> float:
    """The smallest of 1, 2, 2.5 and 5 times a power of ten at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power * (1 + 1e-9):
            return step * power
    return 10 * power


def _ticks(peak: float, normalize: str) -> tuple[float, list[float]]:
    """Four or five round ticks from 0 covering ``peak`` (a count never gets fractional ticks)."""
    step = nice_step(peak / 4 if peak > 0 else 0.25)
    if normalize == "count":
        step = max(step, 1.0)
        if step == 2.5:
            step = 2.0 if peak <= 8 else 5.0
    top = step * max(1, math.ceil(peak / step - 1e-9))
    return top, [step * i for i in range(int(round(top / step)) + 1)]


def _format(value: float, normalize: str, step: float) -> str:
    if normalize == "share":
        percent = step * 100
        digits = 0 if percent >= 1 and float(percent).is_integer() else (1 if percent >= 0.1 else 2)
        return f"{value * 100:.{digits}f}%"
    return f"{value:,.0f}" if step >= 1 else f"{value:,.1f}"


def build_chart(
    found: Attention, normalize: str = "share", smooth: bool = False, gaps: list[Gap] = ()
) -> LineChart | None:
    if not found.series or not found.series[0].points:
        return None
    buckets = found.series[0].points
    count = len(buckets)
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / count

    def x_of(index: int) -> float:
        return round(LEFT + slot * index + slot / 2, 2)

    values_of = []
    for series in found.series:
        if smooth:
            values_of.append(smoothed(series.points, normalize))
        elif normalize == "share":
            values_of.append([p.share for p in series.points])
        else:
            values_of.append([float(p.count) for p in series.points])
    top, tick_values = _ticks(max((max(v, default=0) for v in values_of), default=0), normalize)
    lines = []
    for number, (series, values) in enumerate(zip(found.series, values_of, strict=True)):
        points, paths, run = [], [], []
        for i, (p, v) in enumerate(zip(series.points, values, strict=True)):
            if normalize == "share" and not p.all:  # no articles: no share, a break in the line
                if run:
                    paths.append(" ".join(run))
                run = []
                continue
            point = ChartPoint(
                x_of(i),
                round(TOP + plot_height * (1 - v / top), 2),
                v,
                p.count,
                p.all,
                p.bucket,
                p.start,
                p.end,
                p.partial,
            )
            points.append(point)
            run.append(f"{point.x},{point.y}")
        if run:
            paths.append(" ".join(run))
        lines.append(
            ChartLine(
                series.query,
                series.total,
                COLOURS[number % len(COLOURS)],
                DASHES[number % len(DASHES)],
                MARKERS[number % len(MARKERS)],
                paths,
                points,
            )
        )
    empty = _empty_runs(found, slot)
    step_value = tick_values[1] - tick_values[0] if len(tick_values) > 1 else top
    ticks = [
        Tick(round(TOP + plot_height * (1 - v / top), 2), _format(v, normalize, step_value))
        for v in tick_values
    ]
    labels = _x_labels([x_of(i) for i in range(count)], [p.bucket for p in buckets])
    shades = []
    for gap in gaps:
        inside = [i for i, p in enumerate(buckets) if p.start <= gap.end and p.end >= gap.start]
        if inside:
            span = gap.start.isoformat() if gap.days == 1 else f"{gap.start} to {gap.end}"
            left = _day_x(buckets, inside[0], max(gap.start, buckets[inside[0]].start), slot)
            last = buckets[inside[-1]]
            right = _day_x(buckets, inside[-1], min(gap.end, last.end), slot, end=True)
            shades.append(
                Shade(
                    round(left, 2),
                    round(max(right - left, 2.0), 2),
                    f"possible gap in the archive for {gap.source}: {span}",
                )
            )
    return LineChart(
        lines,
        ticks,
        labels,
        shades,
        empty,
        normalize,
        smooth,
        found.interval,
        [p.bucket for p in buckets],
    )


def _day_x(buckets, index: int, day: date, slot: float, end: bool = False) -> float:
    """Where ``day`` falls inside bucket ``index`` (its start, or its end with ``end``): a
    three-day gap shades a tenth of a month's bucket, not all of it."""
    bucket = buckets[index]
    length = (bucket.end - bucket.start).days + 1
    offset = (day - bucket.start).days + (1 if end else 0)
    return LEFT + slot * (index + offset / length)


def _x_labels(xs: list[float], texts: list[str]) -> list[AxisLabel]:
    """About eight labels, evenly spaced, none overlapping the one before."""
    step = max(1, -(-len(xs) // 8))
    labels: list[AxisLabel] = []
    right_edge = -1.0
    for index in range(0, len(xs), step):
        label = _x_label(xs[index], texts[index])
        width = len(label.text) * LABEL_CHAR_WIDTH
        left = {"start": label.x, "end": label.x - width}.get(label.anchor, label.x - width / 2)
        if left < right_edge + 8:
            continue
        labels.append(label)
        right_edge = left + width
    return labels


def _x_label(x: float, text: str) -> AxisLabel:
    half = len(text) * LABEL_CHAR_WIDTH / 2
    if x - half < LEFT:
        return AxisLabel(LEFT, text, "start")
    if x + half > WIDTH - RIGHT:
        return AxisLabel(WIDTH - RIGHT, text, "end")
    return AxisLabel(x, text, "middle")


def _empty_runs(found: Attention, slot: float) -> list[Shade]:
    """Runs of buckets in which no series has a single article under its filters."""
    count = len(found.series[0].points)
    blank = [all(not s.points[i].all for s in found.series) for i in range(count)]
    runs, start = [], None
    for i in range(count + 1):
        if i < count and blank[i]:
            start = i if start is None else start
        elif start is not None:
            first, last = found.series[0].points[start], found.series[0].points[i - 1]
            span = first.bucket if start == i - 1 else f"{first.bucket} to {last.bucket}"
            runs.append(
                Shade(
                    round(LEFT + slot * start, 2),
                    round(slot * (i - start), 2),
                    f"no articles at all in the archive under these filters: {span}",
                )
            )
            start = None
    return runs
