"""The engine interface and the metadata file every index folder carries.

``morgue.json`` in the index folder names the engine and the schema/analyzer version the index was
built with. It is written (atomically) before the first commit, so an index is always opened by the
engine that built it, and a version change is caught with a clear "rebuild" message instead of
terms that silently stop matching.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from search.analysis import ANALYZER_VERSION
from search.article import Article
from search.errors import IndexNotFoundError, SchemaMismatchError
from search.query import Node
from search.types import IndexStats, SearchRequest

SCHEMA_VERSION = f"{ANALYZER_VERSION}+schema2"
META_FILE = "morgue.json"
# Ranking one page may take this long; then the search is refused with a reason. Enforced without
# signals (they work only in the main thread, and the web server answers in worker threads).
SEARCH_TIME_LIMIT_SECONDS = 5.0


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


class EngineWriter(ABC):
    """Adds and replaces articles; nothing is visible to readers before ``commit``."""

    @abstractmethod
    def add(self, article: Article, raw_digest: str | None = None) -> None: ...

    @abstractmethod
    def update(self, article: Article, raw_digest: str | None = None) -> None: ...

    @abstractmethod
    def delete(self, article_id: str) -> None:
        """Remove an article (a no-op for an unknown id)."""

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def cancel(self) -> None: ...


class Engine(ABC):
    name: str
    path: Path

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
    def search(self, query: Node, request: SearchRequest) -> EngineResults: ...

    @abstractmethod
    def match_keys(self, query: Node, request: SearchRequest) -> dict[str, str]:
        """Id -> content hash of every match (no order): what a saved-query run records."""

    @abstractmethod
    def iter_hits(self, query: Node, request: SearchRequest) -> Iterator[MatchedArticle]:
        """Every match in the request's order, read lazily: what an export streams."""

    @abstractmethod
    def get(self, article_id: str) -> Article | None: ...

    @abstractmethod
    def more_like(self, article_id: str, count: int = 5) -> list[Article]: ...

    @abstractmethod
    def iter_articles(self) -> Iterator[Article]: ...

    @abstractmethod
    def stats(self) -> IndexStats: ...

    @abstractmethod
    def refresh(self) -> None:
        """See the newest commit (the web app calls this so it never needs a restart)."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def article_from_stored(stored: dict) -> Article:
    """An ``Article`` from the field dict an engine stored (both engines store the same keys)."""
    published = stored.get("published")
    return Article(
        id=stored["id"],
        title=stored.get("title", ""),
        body=stored.get("body", ""),
        source=stored.get("source", ""),
        published=datetime.fromisoformat(published) if published else None,
        url=stored.get("url"),
        author=stored.get("author"),
        place=stored.get("place"),
        content_hash=stored.get("content_hash", ""),
    )


def read_meta(path: Path) -> dict:
    meta_path = Path(path) / META_FILE
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexNotFoundError(str(path)) from None
    except (OSError, ValueError) as exc:
        raise SchemaMismatchError(
            str(path), f"unreadable {META_FILE} ({exc})", SCHEMA_VERSION
        ) from None


def write_meta(path: Path, engine: str, index_id: str | None = None) -> None:
    """Write ``morgue.json`` atomically: a crash leaves the old file or the new, never half.

    ``index_id`` names this archive for saved-query runs, which compare with earlier runs only
    on the same archive: made once, kept across ``reindex --rebuild`` (same archive, rebuilt).
    """
    document = {
        "engine": engine,
        "schema_version": SCHEMA_VERSION,
        "index_id": index_id or uuid.uuid4().hex,
    }
    payload = json.dumps(document, indent=2)
    fd, tmp = tempfile.mkstemp(dir=path, prefix=".morgue-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, Path(path) / META_FILE)
        fsync_folder(Path(path))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fsync_folder(path) -> None:
    """Make renames and deletes in ``path`` durable (a power cut could otherwise undo them);
    a no-op where folders cannot be opened (Windows makes them durable with the operation)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def meta_index_id(path: Path) -> str | None:
    """The archive's own id from ``morgue.json`` (None for an index made before ids existed)."""
    return read_meta(path).get("index_id")


def check_meta(path: Path, engine: str) -> dict:
    meta = read_meta(path)
    found = meta.get("schema_version", "unknown")
    if meta.get("engine") != engine or found != SCHEMA_VERSION:
        raise SchemaMismatchError(
            str(path), f"{meta.get('engine')}/{found}", f"{engine}/{SCHEMA_VERSION}"
        )
    return meta


def folder_size(path: Path) -> int:
    total = 0
    for entry in Path(path).rglob("*"):
        try:
            if entry.is_file():
                total += entry.stat().st_size
        except OSError:
            continue
    return total
