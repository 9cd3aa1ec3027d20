"""The timeline of matches, as geometry for an inline SVG drawn by the template (no script, no
CDN): one bar per bucket, its height scaled to the busiest bucket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from search.types import DateBucket

WIDTH = 720
HEIGHT = 120
LABEL_SPACE = 18
GAP = 1
MAX_BAR_WIDTH = 48  # a handful of buckets should not become slabs
LABEL_CHAR_WIDTH = 6.5  # px per character of an 11px axis label, a little generous


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int
    start: date
    end: date
    share: float | None = None  # of all articles in the bucket, when the timeline shows shares


@dataclass(frozen=True)
class Label:
    x: float
    text: str
    anchor: str  # SVG text-anchor: "middle", or "start"/"end" where the middle would be clipped


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    labels: list[Label]
    width: int = WIDTH
    height: int = HEIGHT
    chart_height: int = HEIGHT - LABEL_SPACE
    granularity: str = "month"
    peak: int = 0
    measure: str = "count"  # or "share": bar heights are each bucket's share of all articles


def axis_label(x: float, text: str) -> Label:
    """A label centred under its bar, unless that would cut it at an edge of the chart (the first
    label of a daily timeline once showed as "6-03-01"): then it starts or ends at the edge."""
    half = len(text) * LABEL_CHAR_WIDTH / 2
    if x - half < 0:
        return Label(1.0, text, "start")
    if x + half > WIDTH:
        return Label(WIDTH - 1.0, text, "end")
    return Label(round(x, 2), text, "middle")


def build_timeline(
    buckets: list[DateBucket],
    granularity: str,
    max_labels: int = 8,
    shares: list[float] | None = None,
) -> Timeline | None:
    """Bars of counts, or of ``shares`` (one per bucket) when given."""
    if not buckets:
        return None
    chart_height = HEIGHT - LABEL_SPACE
    values = shares if shares is not None else [float(b.count) for b in buckets]
    peak = max(values) or 1
    slot = WIDTH / len(buckets)
    bars = []
    for index, bucket in enumerate(buckets):
        value = values[index]
        height = 0.0 if bucket.count == 0 else max(2.0, chart_height * value / peak)
        width = min(max(slot - GAP, 1), MAX_BAR_WIDTH)
        bars.append(
            Bar(
                x=round(index * slot + (slot - width) / 2, 2),
                y=round(chart_height - height, 2),
                width=round(width, 2),
                height=round(height, 2),
                label=bucket.bucket,
                count=bucket.count,
                start=bucket.start,
                end=bucket.end,
                share=shares[index] if shares is not None else None,
            )
        )
    step = max(1, -(-len(buckets) // max_labels))
    labels = [
        axis_label(i * slot + slot / 2, buckets[i].bucket) for i in range(0, len(buckets), step)
    ]
    return Timeline(
        bars,
        labels,
        chart_height=chart_height,
        granularity=granularity,
        peak=max(b.count for b in buckets),
        measure="share" if shares is not None else "count",
    )
