"""The request and result types every engine, the CLI and the web app share.

Everything here is plain data: a ``Snippet`` is text plus highlight spans (never HTML), so each
front end decides how to mark it up and escaping happens in one place per front end.
"""

from __future__ import annotations

import typing
from dataclasses import asdict, dataclass, field, fields
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

    def to_dict(self) -> dict:
        """Every field but the page, as JSON-ready values: what a saved query stores, so a field
        added here later is saved with it instead of being lost (as ``mode`` once was)."""
        data = asdict(self)
        for name in PAGING_FIELDS:
            data.pop(name)
        for name, value in data.items():
            if isinstance(value, date):
                data[name] = value.isoformat()
            elif isinstance(value, tuple):
                data[name] = list(value)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SearchRequest:
        """The inverse of ``to_dict``; unknown keys (from a newer Morgue) are ignored and
        missing ones take their defaults."""
        hints = typing.get_type_hints(cls)
        values = {}
        for f in fields(cls):
            if f.name not in data or f.name in PAGING_FIELDS:
                continue
            value, kind = data[f.name], str(hints[f.name])
            if value is not None and "date" in kind:
                value = date.fromisoformat(value)
            elif value is not None and "tuple" in kind:
                value = tuple(value)
            values[f.name] = value
        return cls(**values)


# Which page of the results a request shows: not part of what a saved query searches for.
PAGING_FIELDS = ("page", "page_size")


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
    warnings: list[str] = field(default_factory=list)  # for the reader: "no articles from ..."

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
    index_id: str | None = None  # the archive's identity (morgue.json), kept across rebuilds
