"""A story's timeline, as geometry for an inline SVG drawn by the template: one lane per outlet
(in the order of their first reports), a dot per article at its publication time."""

from __future__ import annotations

from dataclasses import dataclass, field

from search.coverage import Story, when

WIDTH = 720
LANE_HEIGHT = 26
LEFT = 150  # room for the outlet's name
RIGHT = 16


@dataclass(frozen=True)
class Dot:
    x: float
    label: str
    first: bool


@dataclass
class Lane:
    source: str
    y: float
    dots: list[Dot] = field(default_factory=list)


@dataclass
class StoryTimeline:
    rows: list[Lane]
    start: str
    end: str
    width: int = WIDTH
    left: int = LEFT

    @property
    def height(self) -> int:
        return max(1, len(self.rows)) * LANE_HEIGHT + 8


def story_timeline(story: Story) -> StoryTimeline:
    dated = [a for a in story.articles if a.published is not None]
    if not dated:
        return StoryTimeline([], "undated", "undated")
    first, last = dated[0].published, dated[-1].published
    span = (last - first).total_seconds()
    usable = WIDTH - LEFT - RIGHT
    lanes: dict[str, Lane] = {}
    for article in dated:
        lane = lanes.get(article.source)
        if lane is None:
            lane = lanes[article.source] = Lane(article.source[:22], 16 + len(lanes) * LANE_HEIGHT)
        offset = (article.published - first).total_seconds() / span if span else 0.5
        label = f"{article.source}, {when(article)}: {article.title or '(untitled)'}"
        lane.dots.append(Dot(round(LEFT + offset * usable, 1), label, article is dated[0]))
    return StoryTimeline(list(lanes.values()), when(dated[0]), when(dated[-1]))
