"""What every engine shares: the files of an index folder, and turning stored fields back into an
``Article``. The engine interface itself is in ``search.types`` (``Engine``, ``EngineWriter``)."""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

from search.types import Article, IndexDocument

# Names the engine and the schema the folder was built with (written by ``search.archive``). An
# open engine watches it: a new one means ``reindex --rebuild`` swapped a new index in.
META_FILE = "morgue.json"
# Ranking one page may take this long; then the search is refused with a reason. Enforced without
# signals (they work only in the main thread, and the web server answers in worker threads).
SEARCH_TIME_LIMIT_SECONDS = 5.0
# The title's extra weight for a word asked of no field, the same on every engine. The body field
# holds the headline too (``search.keys.body_field_terms``), so this is a bonus on top of the word's
# count in the article: 0.35 with b 0.6 (Whoosh) put the default mode above every BM25 peer on all
# four relevance collections and gave the best mean nDCG@10 of the grid (benchmarks/RESULTS.md).
TITLE_BOOST = 0.35


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
        metadata=tuple((k, v) for k, v in stored.get("metadata", ())),
        extra=tuple((k, v) for k, v in stored.get("extra", ())),
        provenance=(
            *((k, v) for k, v in stored.get("provenance", ())),
            *((("read at", stored["indexed_at"]),) if stored.get("indexed_at") else ()),
        ),
    )


KEY_SEPARATOR = "\x1f"  # between id, content hash and raw digest in an engine's keys column


def joined_keys(document: IndexDocument) -> str:
    """Id, content hash and raw digest as one value: what a reindex and a saved-query run read
    for every article (ids may not hold the separator)."""
    article = document.article
    return KEY_SEPARATOR.join((article.id, article.content_hash, document.raw_digest or ""))


def split_keys(value: str) -> tuple[str, str, str]:
    """(id, content hash, raw digest) from ``joined_keys``."""
    article_id, content_hash, digest = value.rsplit(KEY_SEPARATOR, 2)
    return article_id, content_hash, digest


def stored_record(article: Article, indexed_at: str) -> dict:
    """The article as the field dict an engine stores whole (``article_from_stored`` reads it)."""
    stored = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "source": article.source,
        "content_hash": article.content_hash,
        "indexed_at": indexed_at,
    }
    for name in ("url", "author", "place"):
        if value := getattr(article, name):
            stored[name] = value
    if article.published:
        stored["published"] = article.published.isoformat()
    stored.update(stored_extras(article))
    return stored


def stored_extras(article: Article) -> dict:
    """The stored keys of the optional fields beyond ``Article``'s own, when it has them."""
    stored = {}
    if article.metadata:
        stored["metadata"] = [list(pair) for pair in article.metadata]
    if article.extra:
        stored["extra"] = [list(pair) for pair in article.extra]
    if article.provenance:
        stored["provenance"] = [list(pair) for pair in article.provenance]
    return stored


# Between the names of a byline: "Ann Lee, Bo Chen and Cy Diaz", "Ann Lee & Bo Chen".
_NAME_BREAK = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
LABEL_SEPARATOR = "\x1f"  # between a faceted field's name and its value in an engine's column


def author_names(byline: str) -> list[str]:
    """The names of a byline; "Smith, John" (one name, surname first) stays one."""
    names = [name for name in _NAME_BREAK.split(byline) if name]
    if len(names) == 2 and byline.count(",") == 1 and all(" " not in n for n in names):
        return [byline.strip()]
    return names


def facet_values(article: Article) -> list[tuple[str, str]]:
    """(field, value) for every faceted field of the article: each name of its byline (a
    co-written article counts for each author), its place and its metadata. Both engines
    count these, so their facets agree."""
    pairs: list[tuple[str, str]] = []
    if article.author:
        seen = set()
        for name in author_names(article.author):
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                pairs.append(("author", name))
    if article.place:
        pairs.append(("place", article.place))
    pairs.extend(article.metadata)
    return pairs


def labels(article: Article) -> list[str]:
    """``facet_values`` as the single strings an engine's column holds."""
    return [f"{name}{LABEL_SEPARATOR}{value}" for name, value in facet_values(article)]


def damage(exc: BaseException) -> str:
    """What went wrong reading an index, in a line a person can read (a Rust or struct error's
    first line, without its internals)."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"a file could not be read: {first[:160]}"


def folder_identity(path: Path) -> tuple[int, int] | None:
    """Which index lives in the folder: ``reindex --rebuild`` swaps in a new ``morgue.json``."""
    try:
        info = (Path(path) / META_FILE).stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns


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


def folder_size(path: Path) -> int:
    total = 0
    for entry in Path(path).rglob("*"):
        try:
            if entry.is_file():
                total += entry.stat().st_size
        except OSError:
            continue
    return total
