"""The types every part shares: the article, the search request and its results, and the seam
engines implement.

Everything here is plain data or an interface: a ``Snippet`` is text plus highlight spans (never
HTML), so each front end decides how to mark it up and escaping happens in one place per front end.
Engines import nothing from the rest of Morgue but these types, ``search.keys``, the errors and
the query tree.
"""

from __future__ import annotations

import typing
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from pathlib import Path

if typing.TYPE_CHECKING:
    from search.query.tree import Node

SORTS = ("relevance", "newest", "oldest")
MODES = ("auto", "all", "any")  # how strictly the words must all match (see search.query.modes)
# What a list of hits folds together: nothing, near-identical copies, or whole stories.
COLLAPSES = ("none", "copies", "stories")
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000
MAX_QUERY_CHARS = 2000
MAX_SOURCES = 20
MAX_SOURCE_CHARS = 200
# Metadata an input may carry beyond the article's own fields, each searched as exact values
# (``section:politics``) and counted as a facet; with author and place, the faceted fields.
METADATA_FIELDS = ("section", "language", "tags", "publisher")
FACET_FIELDS = ("author", "place", *METADATA_FIELDS)


@dataclass(frozen=True, slots=True)
class Article:
    """One news item as Morgue stores it, whatever file it came from (``search.normalize`` makes
    it; everything after speaks only this type)."""

    id: str
    title: str
    body: str
    source: str
    published: datetime | None  # timezone-aware, UTC; None when the article is undated
    url: str | None = None
    author: str | None = None
    place: str | None = None
    content_hash: str = ""
    # (field, value) pairs of ``METADATA_FIELDS``, a field possibly repeated (tags), and any
    # other field the input carried, kept as text to be shown; in the input's order.
    metadata: tuple[tuple[str, str], ...] = ()
    extra: tuple[tuple[str, str], ...] = ()
    # Where it came from and how it was made ("read from", "read at", "extractor", "date from"),
    # to judge a surprising result by: never part of its content hash, nor of equality.
    provenance: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def values(self, name: str) -> list[str]:
        """The values of one metadata field, in the order the input gave them."""
        return [value for field_name, value in self.metadata if field_name == name]

    @property
    def date_text(self) -> str | None:
        """The publication day as ``YYYY-MM-DD``, the granularity a news archive is read at."""
        return self.published.date().isoformat() if self.published else None


@dataclass(frozen=True, slots=True)
class IndexDocument:
    """An article with its index terms, made by our analyzer (space-separated, in order, stop
    words dropped): what a writer stores and indexes. Engines tokenise the terms on spaces, so
    every engine holds the very same terms at the same positions."""

    article: Article
    title_terms: str
    body_terms: str
    author_terms: str = ""
    place_terms: str = ""
    raw_digest: str | None = None  # of the raw record: lets a no-op reindex skip parsing


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
    collapse: str = "none"  # none | copies | stories: one hit per group, its best-ranked member

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
    metadata: tuple[tuple[str, str], ...] = ()  # the article's section, tags... (``Article``)
    title_spans: tuple[tuple[int, int], ...] = ()  # matches in the title, for front ends
    # Its groups, each named by its first article's id (None: the index has no groups yet),
    # and how many articles each holds in the archive.
    copy_group: str | None = None
    copies: int = 1
    story: str | None = None
    story_size: int = 1
    # When the list is collapsed: the other matches of its group folded under this hit, and
    # how many outlets published them.
    collapsed: int = 0
    collapsed_outlets: int = 0


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
    # How the words were read ("all" or "any": auto reads a long plain question as any of its
    # words), how many distinct words, and, when "any", how many articles hold all of them.
    mode_used: str = "all"
    words: int = 0
    all_words_total: int | None = None
    # When nothing matched with filters: how many match without each ("sources", "dates") and
    # without any ("all"); empty otherwise.
    without_filters: dict[str, int] = field(default_factory=dict)
    # "Did you mean": a corrected query and its total (None: no suggestion), and what each
    # word~ of the query matched, as the archive writes it.
    suggestion: tuple[str, int, int | None] | None = None  # query, total, total unfiltered
    variants: dict[str, list[str]] = field(default_factory=dict)
    spellings: list[tuple[str, int]] = field(default_factory=list)  # a name's other spellings
    collapse: str = "none"
    # Distinct copy groups and stories among all matches (None: no groups, or too many matches
    # to count them), and the source facet counted in stories.
    copy_groups: int | None = None
    stories: int | None = None
    source_story_facets: list[FacetCount] = field(default_factory=list)
    # Per faceted field (author, place, section...): its top values among the matches.
    field_facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    # A short plain query's page where the articles with all its words end goes on, below a
    # divider, with the best of those that hold only some (``search.some_words``): not matches,
    # so never in ``hits``; and how many there are (None: the page offers none).
    some_words_hits: list[Hit] = field(default_factory=list)
    some_words_total: int | None = None

    @property
    def listed(self) -> int:
        """How many entries the whole list has: articles, or groups when collapsed."""
        if self.collapse == "copies" and self.copy_groups is not None:
            return self.copy_groups
        if self.collapse == "stories" and self.stories is not None:
            return self.stories
        return self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.listed // self.page_size))


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
    # Tells two index states apart: a commit number, or on a cluster every shard's ("3/5/4").
    generation: int | str = 0
    # Articles per value of each faceted field over the whole archive, as written.
    field_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    shards: int = 0  # shard servers holding the articles (0: in the index folder itself)


# ---------------------------------------------------------------------------------------- seam


@dataclass
class MatchedArticle:
    article: Article
    score: float | None


@dataclass
class EngineResults:
    """What an engine found, from one snapshot: the page of hits plus counts over all matches."""

    total: int
    hits: list[MatchedArticle]
    source_counts: dict[str, int] = field(default_factory=dict)
    day_counts: dict[date, int] = field(default_factory=dict)
    # Matches per source per day: asked only by ``Engine.counts(..., per_source=True)``.
    source_day_counts: dict[str, dict[date, int]] = field(default_factory=dict)
    # Matches per value of each faceted field, as written (two spellings of one value apart).
    field_counts: dict[str, dict[str, int]] = field(default_factory=dict)


class EngineWriter(ABC):
    """Adds and replaces articles; nothing is visible to readers before ``commit``."""

    @abstractmethod
    def add(self, document: IndexDocument) -> None: ...

    @abstractmethod
    def update(self, document: IndexDocument) -> None: ...

    @abstractmethod
    def delete(self, article_id: str) -> None:
        """Remove an article (a no-op for an unknown id)."""

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def cancel(self) -> None: ...


class Engine(ABC):
    """An index on disk: what every engine does, with the query tree's semantics.

    A query reaching an engine holds no wildcards (``search.query.wildcards`` expanded them
    against ``terms_with_prefix``). Totals and facets come from the same snapshot as the page.
    """

    name: str
    path: Path
    # Whether the engine's sloppy phrase is exactly our proximity rule (words in order, each
    # within slop + 1 of the one before). If not, the pipeline checks its candidates.
    exact_proximity: bool = True

    def loose_phrase(self, phrase: Node) -> bool:
        """Whether this phrase needs the pipeline's check on this engine."""
        return not self.exact_proximity

    def phrase_candidates(self, phrase: Node, field: str) -> Iterator[tuple[str, dict]]:
        """(article id, stored fields) of every article the engine's own, looser sloppy phrase
        matches in ``field``: asked only when ``loose_phrase`` says so."""
        raise NotImplementedError

    @abstractmethod
    def stored_hashes(self) -> dict[str, str]:
        """Every stored article id with its content hash: what makes reindexing incremental."""

    @abstractmethod
    def stored_digests(self) -> dict[str, str]:
        """Raw-record digest -> article id, for records a reindex may skip unread."""

    @abstractmethod
    def writer(self, *, bulk: bool = False) -> EngineWriter:
        """A writer holding the index lock; ``bulk`` for a large run of new articles."""

    @abstractmethod
    def terms_with_prefix(self, field: str | None, prefix: str) -> Iterator[str]:
        """The index terms of a query field (None: title and body) starting with ``prefix``."""

    @abstractmethod
    def doc_frequency(self, field: str, term: str) -> int:
        """How many articles hold ``term`` in ``field`` (title or body)."""

    def doc_frequencies(self, field: str, terms: list[str]) -> list[int]:
        """``doc_frequency`` of each of ``terms``, on one view of the index (grouping asks for
        thousands at once)."""
        return [self.doc_frequency(field, term) for term in terms]

    @abstractmethod
    def search(self, query: Node, request: SearchRequest) -> EngineResults: ...

    @abstractmethod
    def counts(
        self, query: Node, request: SearchRequest, *, per_source: bool = False
    ) -> EngineResults:
        """The total and the counts per source and per day of every match, without a page of
        hits (attention charts ask for several at once); ``per_source`` adds the days of each
        source. Undated matches are in the total and the source counts, never in a day."""

    @abstractmethod
    def ranked_ids(self, query: Node, request: SearchRequest) -> list[tuple[str, float | None]]:
        """(id, score) of every match in the request's order, ties broken by id, without
        reading stored articles: what a cursor pins so a client pages through each match once."""

    @abstractmethod
    def match_keys(self, query: Node, request: SearchRequest) -> dict[str, str]:
        """Id -> content hash of every match (no order): what a saved-query run records."""

    @abstractmethod
    def match_hashes(self, query: Node, request: SearchRequest) -> list[int]:
        """``id_hash`` of every match (no order): what counting its groups joins on."""

    @abstractmethod
    def iter_hits(self, query: Node, request: SearchRequest) -> Iterator[MatchedArticle]:
        """Every match in the request's order, read lazily: what an export streams."""

    @abstractmethod
    def get(self, article_id: str) -> Article | None: ...

    @abstractmethod
    def iter_articles(self) -> Iterator[Article]: ...

    @abstractmethod
    def stats(self) -> IndexStats: ...

    def verify(self) -> list[str]:
        """What the engine's own consistency check finds wrong in its files (empty: nothing,
        or the engine has no such check); ``morgue check`` reads every article besides."""
        return []

    def writes_per_shard(self) -> dict[str, int]:
        """Articles written to each shard by this engine's writer (empty: not sharded)."""
        return {}

    @abstractmethod
    def refresh(self) -> None:
        """See the newest commit (the web app calls this so it never needs a restart)."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
