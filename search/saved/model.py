"""Saved queries as plain data: a saved query holds a whole ``SearchRequest``, a run is a summary
of what it found and on which archive, and the errors a saved-query request can meet."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from search.errors import MorgueError
from search.types import Hit, SearchRequest, SearchResults


class SavedQueryError(MorgueError):
    """A saved-query request that cannot be carried out (unknown name, duplicate name, bad file)."""


class IndexChangedError(SavedQueryError):
    """A run asked of another archive than the one the saved query last ran on: every hit would
    count as new (or gone), so it is refused unless the caller says the switch is intended."""

    def __init__(self, name: str, was: str, now: str) -> None:
        self.was, self.now = was, now
        super().__init__(
            f"saved query {name!r} last ran on the index at {was}, not {now}; runs compare with "
            f"the last run, so every hit would count as new or gone. Run it with --index {was}, "
            "or add --index-changed to compare with this index anyway (the history shows the "
            "switch)"
        )


@dataclass(frozen=True)
class IndexIdentity:
    """Which archive a run ran on: the folder, and the id in its ``morgue.json`` (kept across a
    rebuild and a move). Two identities are the same archive when their ids agree, or, for an
    index made before ids existed, when their folders do."""

    path: str
    id: str | None

    def same_archive(self, other: IndexIdentity) -> bool:
        if self.id and other.id:
            return self.id == other.id
        return self.path == other.path

    def __str__(self) -> str:
        return f"{self.path} ({self.id[:8]})" if self.id else self.path


@dataclass(frozen=True)
class RunSummary:
    id: int
    run_at: datetime
    total: int
    new: int
    changed: int
    gone: int
    version: int
    index_articles: int | None
    index_schema: str | None
    index_updated: str | None
    index_generation: int | None = None
    index: IndexIdentity | None = None
    switched_index: bool = False  # ran on another archive than the run before it
    query_changed: bool = False  # ran another version of the query than the run before it


@dataclass(frozen=True)
class QueryVersion:
    version: int
    request: SearchRequest
    created_at: datetime

    @property
    def query(self) -> str:
        return self.request.query

    @property
    def sources(self) -> tuple[str, ...]:
        return self.request.sources


@dataclass(frozen=True)
class SavedQuery:
    """A saved search: its name, its whole request (every field, so none can be lost), notes."""

    id: int
    name: str
    slug: str
    request: SearchRequest
    notes: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    last_run: RunSummary | None = None
    deleted_at: datetime | None = None

    # What templates and the command line show, read from the request.
    @property
    def query(self) -> str:
        return self.request.query

    @property
    def sources(self) -> tuple[str, ...]:
        return self.request.sources

    @property
    def date_from(self) -> date | None:
        return self.request.date_from

    @property
    def date_to(self) -> date | None:
        return self.request.date_to

    @property
    def sort(self) -> str:
        return self.request.sort

    @property
    def mode(self) -> str:
        return self.request.mode

    def paged(self, page: int = 1, page_size: int = 10) -> SearchRequest:
        """The saved request showing one page of its results."""
        return replace(self.request, page=page, page_size=page_size)


@dataclass(frozen=True)
class RunChanges:
    """What a run found against the run before it: ids new, changed (same id, other content) and
    gone. Computed from the two runs' stored hits, so every view of a run reports the same."""

    new: frozenset[str] = frozenset()
    changed: frozenset[str] = frozenset()
    gone: frozenset[str] = frozenset()

    @property
    def marked(self) -> frozenset[str]:
        return self.new | self.changed


@dataclass
class RunReport:
    """One run: what it recorded (or re-reported) and a page of results with new hits flagged."""

    saved: SavedQuery
    run: RunSummary
    results: SearchResults
    hits: list[Hit]
    changes: RunChanges = field(default_factory=RunChanges)
    first: bool = False
    recorded: bool = True

    @property
    def new_ids(self) -> frozenset[str]:
        return self.changes.new

    @property
    def changed_ids(self) -> frozenset[str]:
        return self.changes.changed


def slugify(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:80]
