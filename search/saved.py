"""Saved queries in SQLite: save a search, re-run it, see what is new, keep its history.

Plain dataclasses plus one ``SavedStore`` over the standard library's ``sqlite3``. The schema is
built by numbered migrations recorded in ``PRAGMA user_version``, each applied in one transaction,
so a migration killed midway leaves the previous version intact. The database runs in WAL mode with
``synchronous=FULL`` (an acknowledged save survives a power cut) and a busy timeout (concurrent
writers wait instead of failing with "database is locked").

What "new since the last run" means: each run stores the ids (and a prefix of the content hash)
of every matching article, compressed. The next run reports ids that were not there (new), ids whose
hash differs (changed) and ids that disappeared (gone). A run against the same index state and the
same query version as the latest run records nothing new and reports that run's differences again,
so running twice in a row (say, once with ``--new-only``) shows the same new hits both times.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
import zlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path

from search.engines import Engine
from search.errors import InvalidRequestError, MorgueError
from search.modes import build_query
from search.saved_schema import migrate
from search.searching import search as run_search
from search.searching import to_hit
from search.types import SORTS, Hit, SearchRequest, SearchResults

BUSY_TIMEOUT_SECONDS = 30
HASH_PREFIX = 12  # enough to tell an updated article from the same one, at a third of the size
MAX_NAME_CHARS = 120


class SavedQueryError(MorgueError):
    """A saved-query request that cannot be carried out (unknown name, duplicate name, bad file)."""


# ---------------------------------------------------------------------------------------- data


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


@dataclass(frozen=True)
class QueryVersion:
    version: int
    query: str
    sources: tuple[str, ...]
    date_from: date | None
    date_to: date | None
    sort: str
    created_at: datetime


@dataclass(frozen=True)
class SavedQuery:
    id: int
    name: str
    slug: str
    query: str
    sources: tuple[str, ...]
    date_from: date | None
    date_to: date | None
    sort: str
    notes: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    last_run: RunSummary | None = None

    def request(self, page: int = 1, page_size: int = 10) -> SearchRequest:
        return SearchRequest(
            query=self.query,
            sources=self.sources,
            date_from=self.date_from,
            date_to=self.date_to,
            sort=self.sort,
            page=page,
            page_size=page_size,
        )


@dataclass
class RunReport:
    """One run: what it recorded (or re-reported) and a page of results with new hits flagged."""

    saved: SavedQuery
    run: RunSummary
    results: SearchResults
    hits: list[Hit]
    new_ids: set[str] = field(default_factory=set)
    changed_ids: set[str] = field(default_factory=set)
    first: bool = False
    recorded: bool = True


# ---------------------------------------------------------------------------------------- helpers


def slugify(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:80]


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def encode_keys(keys: dict[str, str]) -> bytes:
    lines = "\n".join(f"{i}\t{h[:HASH_PREFIX]}" for i, h in sorted(keys.items()))
    return zlib.compress(lines.encode("utf-8"), 6)


def decode_keys(blob: bytes) -> dict[str, str]:
    text = zlib.decompress(blob).decode("utf-8")
    if not text:
        return {}
    return dict(line.split("\t", 1) for line in text.split("\n"))


def diff_keys(
    previous: dict[str, str], current: dict[str, str]
) -> tuple[set[str], set[str], set[str]]:
    """(new, changed, gone) between two runs' id -> hash-prefix maps."""
    new = current.keys() - previous.keys()
    gone = previous.keys() - current.keys()
    changed = {
        i
        for i in current.keys() & previous.keys()
        if current[i][:HASH_PREFIX] != previous[i][:HASH_PREFIX]
    }
    return set(new), changed, set(gone)


def _index_state(engine: Engine) -> tuple[int, str, str | None, int]:
    """What a run is cited against: article count, schema, last indexing time, commit number."""
    stats = engine.stats()
    updated = stats.last_indexed.isoformat(timespec="seconds") if stats.last_indexed else None
    return stats.articles, stats.schema_version, updated, stats.generation


# ---------------------------------------------------------------------------------------- store


class SavedStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        self.db.row_factory = sqlite3.Row
        self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("PRAGMA foreign_keys = ON")
        migrate(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SavedStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _write(self):
        return _Transaction(self.db)

    # -------------------------------------------------------------------------------- reading

    def _saved(self, row: sqlite3.Row) -> SavedQuery:
        version = self.db.execute(
            "SELECT COALESCE(MAX(version), 1) FROM query_version WHERE saved_id = ?", (row["id"],)
        ).fetchone()[0]
        last = self.db.execute(
            "SELECT * FROM run WHERE saved_id = ? ORDER BY id DESC LIMIT 1", (row["id"],)
        ).fetchone()
        return SavedQuery(
            id=row["id"],
            name=row["name"],
            slug=row["slug"],
            query=row["query"],
            sources=tuple(json.loads(row["sources"])),
            date_from=_day(row["date_from"]),
            date_to=_day(row["date_to"]),
            sort=row["sort"],
            notes=row["notes"],
            created_at=datetime.fromisoformat(row["created_at"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
            version=version,
            last_run=_run_summary(last) if last else None,
        )

    def get(self, name: str) -> SavedQuery:
        row = self.db.execute(
            "SELECT * FROM saved_query WHERE name = ? OR slug = ?", (name, name)
        ).fetchone()
        if row is None:
            raise SavedQueryError(f"no saved query named {name!r}")
        return self._saved(row)

    def list(self) -> list[SavedQuery]:
        rows = self.db.execute("SELECT * FROM saved_query ORDER BY name COLLATE NOCASE").fetchall()
        return [self._saved(r) for r in rows]

    def versions(self, name: str) -> list[QueryVersion]:
        saved = self.get(name)
        rows = self.db.execute(
            "SELECT * FROM query_version WHERE saved_id = ? ORDER BY version", (saved.id,)
        ).fetchall()
        return [
            QueryVersion(
                r["version"],
                r["query"],
                tuple(json.loads(r["sources"])),
                _day(r["date_from"]),
                _day(r["date_to"]),
                r["sort"],
                datetime.fromisoformat(r["created_at"]),
            )
            for r in rows
        ]

    def runs(self, name: str, limit: int = 100) -> list[RunSummary]:
        saved = self.get(name)
        rows = self.db.execute(
            "SELECT * FROM run WHERE saved_id = ? ORDER BY id DESC LIMIT ?", (saved.id, limit)
        ).fetchall()
        return [_run_summary(r) for r in reversed(rows)]

    # -------------------------------------------------------------------------------- writing

    def add(
        self,
        name: str,
        query: str,
        *,
        sources=(),
        date_from=None,
        date_to=None,
        sort: str = "relevance",
        notes: str = "",
    ) -> SavedQuery:
        """Save a query; refused with the parser's message when the query is malformed."""
        name, slug = _check_name(name)
        _check_search(query, sort, date_from, date_to)
        now = _now().isoformat()
        sources_json = json.dumps(list(dict.fromkeys(s.strip() for s in sources if s.strip())))
        with self._write():
            if self.db.execute(
                "SELECT 1 FROM saved_query WHERE name = ? OR slug = ?", (name, slug)
            ).fetchone():
                raise SavedQueryError(f"a saved query named {name!r} (or {slug!r}) exists already")
            saved_id = _insert(
                self.db,
                "saved_query",
                name=name,
                slug=slug,
                query=query,
                sources=sources_json,
                date_from=_iso(date_from),
                date_to=_iso(date_to),
                sort=sort,
                notes=notes,
                created_at=now,
                updated_at=now,
            )
            _insert(
                self.db,
                "query_version",
                saved_id=saved_id,
                version=1,
                query=query,
                sources=sources_json,
                date_from=_iso(date_from),
                date_to=_iso(date_to),
                sort=sort,
                created_at=now,
            )
        return self.get(name)

    def edit(self, name: str, **changes) -> SavedQuery:
        """Change any of: new_name, query, sources, date_from, date_to, sort, notes.

        A change to what the search finds (query, sources, dates, sort) adds a version, so the
        history shows how the final query was reached; runs keep pointing at their version.
        """
        saved = self.get(name)
        allowed = {"new_name", "query", "sources", "date_from", "date_to", "sort", "notes"}
        unknown = set(changes) - allowed
        if unknown:
            raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
        new_name, slug = _check_name(changes.pop("new_name", None) or saved.name)
        updated = replace(
            saved, **{k: (tuple(v) if k == "sources" else v) for k, v in changes.items()}
        )
        _check_search(updated.query, updated.sort, updated.date_from, updated.date_to)
        search_changed = any(
            getattr(updated, f) != getattr(saved, f)
            for f in ("query", "sources", "date_from", "date_to", "sort")
        )
        now = _now().isoformat()
        with self._write():
            clash = self.db.execute(
                "SELECT 1 FROM saved_query WHERE (name = ? OR slug = ?) AND id != ?",
                (new_name, slug, saved.id),
            ).fetchone()
            if clash:
                raise SavedQueryError(f"a saved query named {new_name!r} exists already")
            self.db.execute(
                "UPDATE saved_query SET name = ?, slug = ?, query = ?, sources = ?, date_from = ?, "
                "date_to = ?, sort = ?, notes = ?, updated_at = ? WHERE id = ?",
                (
                    new_name,
                    slug,
                    updated.query,
                    json.dumps(list(updated.sources)),
                    _iso(updated.date_from),
                    _iso(updated.date_to),
                    updated.sort,
                    updated.notes,
                    now,
                    saved.id,
                ),
            )
            if search_changed:
                _insert(
                    self.db,
                    "query_version",
                    saved_id=saved.id,
                    version=saved.version + 1,
                    query=updated.query,
                    sources=json.dumps(list(updated.sources)),
                    date_from=_iso(updated.date_from),
                    date_to=_iso(updated.date_to),
                    sort=updated.sort,
                    created_at=now,
                )
        return self.get(new_name)

    def delete(self, name: str) -> None:
        saved = self.get(name)
        with self._write():
            self.db.execute("DELETE FROM saved_query WHERE id = ?", (saved.id,))

    # -------------------------------------------------------------------------------- runs

    def _latest_runs(self, saved_id: int, count: int = 2) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT * FROM run WHERE saved_id = ? ORDER BY id DESC LIMIT ?", (saved_id, count)
        ).fetchall()

    def baseline(self, saved: SavedQuery, engine: Engine) -> tuple[dict[str, str] | None, bool]:
        """The run to compare with now, and whether the latest run already reflects this state."""
        latest = self._latest_runs(saved.id)
        if not latest:
            return None, False
        state = _index_state(engine)
        head = latest[0]
        recorded = tuple(
            head[c] for c in ("index_articles", "index_schema", "index_updated", "index_generation")
        )
        same = head["version"] == saved.version and recorded == state
        if same:
            return (decode_keys(latest[1]["hits"]) if len(latest) > 1 else None), True
        return decode_keys(head["hits"]), False

    def changes_now(self, saved: SavedQuery, engine: Engine) -> tuple[set[str], set[str]]:
        """(new, changed) ids of the query now against its baseline, without recording a run."""
        previous, _ = self.baseline(saved, engine)
        if previous is None:
            return set(), set()
        current = engine.match_keys(build_query(saved.query), saved.request())
        new_ids, changed_ids, _ = diff_keys(previous, current)
        return new_ids, changed_ids

    def run(
        self,
        name: str,
        engine: Engine,
        *,
        page: int = 1,
        page_size: int = 10,
        new_only: bool = False,
        all_hits: bool = False,
    ) -> RunReport:
        saved = self.get(name)
        node = build_query(saved.query)
        request = saved.request(page, page_size)
        current = engine.match_keys(node, request)
        previous, already = self.baseline(saved, engine)
        first = previous is None
        new_ids, changed_ids, gone = (
            (set(), set(), set()) if first else diff_keys(previous, current)
        )
        if already:
            summary = _run_summary(self._latest_runs(saved.id, 1)[0])
        else:
            articles, schema, updated, generation = _index_state(engine)
            with self._write():
                run_id = _insert(
                    self.db,
                    "run",
                    saved_id=saved.id,
                    run_at=_now().isoformat(),
                    total=len(current),
                    hits=encode_keys(current),
                    version=saved.version,
                    new_count=len(new_ids),
                    changed_count=len(changed_ids),
                    gone_count=len(gone),
                    index_articles=articles,
                    index_schema=schema,
                    index_updated=updated,
                    index_generation=generation,
                )
            row = self.db.execute("SELECT * FROM run WHERE id = ?", (run_id,)).fetchone()
            summary = _run_summary(row)
        results = run_search(engine, request)
        if new_only or all_hits:
            wanted = new_ids | changed_ids
            hits = [
                to_hit(m.article, m.score, node, request.snippet_chars)
                for m in engine.iter_hits(node, request)
                if all_hits or m.article.id in wanted
            ]
        else:
            hits = results.hits
        return RunReport(
            self.get(name), summary, results, hits, new_ids, changed_ids, first, not already
        )

    # -------------------------------------------------------------------------------- moving

    def dump(self) -> dict:
        """Every saved query with its versions (runs are tied to one index and stay behind)."""
        return {
            "morgue_saved_queries": 1,
            "queries": [
                {
                    "name": s.name,
                    "query": s.query,
                    "sources": list(s.sources),
                    "from": _iso(s.date_from),
                    "to": _iso(s.date_to),
                    "sort": s.sort,
                    "notes": s.notes,
                    "created_at": s.created_at.isoformat(),
                    "versions": [
                        {
                            "version": v.version,
                            "query": v.query,
                            "sources": list(v.sources),
                            "from": _iso(v.date_from),
                            "to": _iso(v.date_to),
                            "sort": v.sort,
                            "created_at": v.created_at.isoformat(),
                        }
                        for v in self.versions(s.name)
                    ],
                }
                for s in self.list()
            ],
        }

    def load(self, document: dict) -> tuple[int, int]:
        """Add the queries of a dump; existing names are skipped. Returns (added, skipped)."""
        if not isinstance(document, dict) or document.get("morgue_saved_queries") != 1:
            raise SavedQueryError("not a Morgue saved-queries file (made by `morgue saved dump`)")
        added = skipped = 0
        for item in document.get("queries", []):
            try:
                self.get(item["name"])
                skipped += 1
                continue
            except SavedQueryError:
                pass
            self.add(
                item["name"],
                item["query"],
                sources=item.get("sources", ()),
                date_from=_day(item.get("from")),
                date_to=_day(item.get("to")),
                sort=item.get("sort", "relevance"),
                notes=item.get("notes", ""),
            )
            added += 1
        return added, skipped


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error: one write, all or nothing."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def _insert(db: sqlite3.Connection, table: str, **values) -> int:
    """INSERT one row; table and column names come from this module, values are bound."""
    columns = ", ".join(values)
    marks = ", ".join("?" * len(values))
    cursor = db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))
    return cursor.lastrowid


def _run_summary(row: sqlite3.Row) -> RunSummary:
    return RunSummary(
        id=row["id"],
        run_at=datetime.fromisoformat(row["run_at"]),
        total=row["total"],
        new=row["new_count"],
        changed=row["changed_count"],
        gone=row["gone_count"],
        version=row["version"],
        index_articles=row["index_articles"],
        index_schema=row["index_schema"],
        index_updated=row["index_updated"],
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _check_name(name: str | None) -> tuple[str, str]:
    name = " ".join((name or "").split())
    slug = slugify(name)
    if not name or not slug:
        raise SavedQueryError("a saved query needs a name with at least one letter or digit")
    if len(name) > MAX_NAME_CHARS:
        raise SavedQueryError(f"a saved query's name has at most {MAX_NAME_CHARS} characters")
    return name, slug


def _check_search(query: str, sort: str, date_from, date_to) -> None:
    build_query(query)  # raises QuerySyntaxError with the parser's message
    if sort not in SORTS:
        raise InvalidRequestError(f"unknown sort {sort!r} (choose from {', '.join(SORTS)})")
    if date_from and date_to and date_from > date_to:
        raise InvalidRequestError(f"from date {date_from} is after to date {date_to}")
