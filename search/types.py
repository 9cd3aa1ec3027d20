"""The request and result types every engine, the CLI and the web app share.

Everything here is plain data: a ``Snippet`` is text plus highlight spans (never HTML), so each
front end decides how to mark it up and escaping happens in one place per front end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

SORTS = ("relevance", "newest", "oldest")
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    sources: tuple[str, ...] = ()
    date_from: date | None = None  # inclusive
    date_to: date | None = None  # inclusive
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    snippet_chars: int = 240
    mode: str = "auto"  # all | any | auto (see search.modes)


@dataclass(frozen=True)
class Snippet:
    """A passage of an article with the character spans (start, end) of the words that matched."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    source: str
    date: str | None  # YYYY-MM-DD
    url: str | None
    author: str | None
    place: str | None
    score: float | None  # None when sorted by date
    snippet: Snippet
    content_hash: str = ""
    title_spans: tuple[tuple[int, int], ...] = ()  # matches in the title, for front ends


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True)
class DateBucket:
    bucket: str  # "1987", "1987-03" or "1987-03-02"
    count: int
    start: date
    end: date  # inclusive


@dataclass
class SearchResults:
    query: str
    total: int
    page: int
    page_size: int
    sort: str
    hits: list[Hit]
    source_facets: list[FacetCount]
    date_facets: list[DateBucket]
    date_granularity: str  # "day", "month" or "year"
    took_ms: float = 0.0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass
class IndexStats:
    path: str
    engine: str
    articles: int
    sources: list[FacetCount]
    first_date: date | None
    last_date: date | None
    undated: int
    size_bytes: int
    schema_version: str
    last_indexed: datetime | None = None
    generation: int = 0  # increases with every commit: tells two index states apart
    extra: dict = field(default_factory=dict)
