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


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    labels: list[tuple[float, str]]  # x position and text of the axis labels
    width: int = WIDTH
    height: int = HEIGHT
    chart_height: int = HEIGHT - LABEL_SPACE
    granularity: str = "month"
    peak: int = 0


def build_timeline(
    buckets: list[DateBucket], granularity: str, max_labels: int = 8
) -> Timeline | None:
    if not buckets:
        return None
    chart_height = HEIGHT - LABEL_SPACE
    peak = max(b.count for b in buckets) or 1
    slot = WIDTH / len(buckets)
    bars = []
    for index, bucket in enumerate(buckets):
        height = 0.0 if bucket.count == 0 else max(2.0, chart_height * bucket.count / peak)
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
            )
        )
    step = max(1, -(-len(buckets) // max_labels))
    labels = [
        (round(i * slot + slot / 2, 2), buckets[i].bucket) for i in range(0, len(buckets), step)
    ]
    return Timeline(bars, labels, chart_height=chart_height, granularity=granularity, peak=peak)
