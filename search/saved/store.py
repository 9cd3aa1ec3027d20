"""``SavedStore``: save a search, edit it (every change to what it searches is a version), run it,
delete it (recoverably, for 30 days), and read its history. The Datasette ``stored_queries``
model: plain dataclasses plus one class over the standard library's ``sqlite3``."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from search.errors import InvalidRequestError
from search.saved import runs
from search.saved.db import connect, insert, transaction
from search.saved.model import (
    IndexIdentity,
    QueryVersion,
    RunChanges,
    RunReport,
    RunSummary,
    SavedQuery,
    SavedQueryError,
    slugify,
)
from search.searching import check, iter_hits, run_search
from search.types import PAGING_FIELDS, Engine, SearchRequest

MAX_NAME_CHARS = 120
KEEP_DELETED_DAYS = 30
REQUEST_FIELDS = tuple(f.name for f in fields(SearchRequest) if f.name not in PAGING_FIELDS)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class SavedStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.db = connect(self.path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SavedStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -------------------------------------------------------------------------------- reading

    def _saved(self, row: sqlite3.Row) -> SavedQuery:
        version = self.db.execute(
            "SELECT COALESCE(MAX(version), 1) FROM query_version WHERE saved_id = ?", (row["id"],)
        ).fetchone()[0]
        latest = runs.latest_runs(self.db, row["id"])
        return SavedQuery(
            id=row["id"],
            name=row["deleted_name"] or row["name"],
            slug=row["slug"],
            request=SearchRequest.from_dict(json.loads(row["request"])),
            notes=row["notes"],
            created_at=datetime.fromisoformat(row["created_at"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
            version=version,
            last_run=runs.summary(latest[0], latest[1] if len(latest) > 1 else None)
            if latest
            else None,
            deleted_at=datetime.fromisoformat(row["deleted_at"]) if row["deleted_at"] else None,
        )

    def get(self, name: str) -> SavedQuery:
        row = self.db.execute(
            "SELECT * FROM saved_query WHERE (name = ? OR slug = ?) AND deleted_at IS NULL",
            (name, name),
        ).fetchone()
        if row is None:
            raise SavedQueryError(f"no saved query named {name!r}")
        return self._saved(row)

    def list(self) -> list[SavedQuery]:
        rows = self.db.execute(
            "SELECT * FROM saved_query WHERE deleted_at IS NULL ORDER BY name COLLATE NOCASE"
        ).fetchall()
        return [self._saved(r) for r in rows]

    def deleted(self) -> list[SavedQuery]:
        """Saved queries deleted in the last 30 days, newest first: they can be restored."""
        rows = self.db.execute(
            "SELECT * FROM saved_query WHERE deleted_at IS NOT NULL "
            "ORDER BY deleted_at DESC, id DESC"
        ).fetchall()
        return [self._saved(r) for r in rows]

    def versions(self, name: str) -> list[QueryVersion]:
        saved = self.get(name)
        rows = self.db.execute(
            "SELECT * FROM query_version WHERE saved_id = ? ORDER BY version", (saved.id,)
        ).fetchall()
        return [
            QueryVersion(
                r["version"],
                SearchRequest.from_dict(json.loads(r["request"])),
                datetime.fromisoformat(r["created_at"]),
            )
            for r in rows
        ]

    def runs(self, name: str, limit: int = 100) -> list[RunSummary]:
        """The latest ``limit`` runs, oldest first, each marked when it switched archives."""
        saved = self.get(name)
        rows = self.db.execute(
            "SELECT * FROM run WHERE saved_id = ? ORDER BY id DESC LIMIT ?", (saved.id, limit + 1)
        ).fetchall()
        rows.reverse()
        summaries = [runs.summary(row, rows[n - 1] if n else None) for n, row in enumerate(rows)]
        return summaries[-limit:]

    def last_changes(self, saved: SavedQuery) -> RunChanges:
        """What the latest run found new, changed and gone: the one answer every view shows."""
        return runs.changes_of(runs.latest_runs(self.db, saved.id))

    def archive_changed_since_last_run(self, saved: SavedQuery, engine: Engine) -> bool:
        """Whether the index has moved on since the latest run: a reason to run it again."""
        latest = runs.latest_runs(self.db, saved.id, 1)
        return runs.archive_changed_since(latest[0] if latest else None, engine)

    def last_ran_elsewhere(self, saved: SavedQuery, engine: Engine) -> IndexIdentity | None:
        """The archive the latest run used, when it is not ``engine``'s."""
        latest = runs.latest_runs(self.db, saved.id, 1)
        return runs.ran_elsewhere(latest[0] if latest else None, engine)

    # -------------------------------------------------------------------------------- writing

    def add(
        self,
        name: str,
        query: str | SearchRequest,
        *,
        notes: str = "",
        **request_fields,
    ) -> SavedQuery:
        """Save a search: a whole ``SearchRequest``, or a query text and request fields
        (``sources``, ``date_from``, ``sort``, ``mode``...). A malformed query is refused with
        the parser's message."""
        request = _request(query, request_fields)
        name, slug = _check_name(name)
        _check_request(request)
        now = _now().isoformat()
        with transaction(self.db):
            if self.db.execute(
                "SELECT 1 FROM saved_query WHERE (name = ? OR slug = ?) AND deleted_at IS NULL",
                (name, slug),
            ).fetchone():
                also = f" (or {slug!r})" if slug != name else ""
                raise SavedQueryError(f"a saved query named {name!r}{also} exists already")
            saved_id = insert(
                self.db,
                "saved_query",
                name=name,
                slug=slug,
                notes=notes,
                created_at=now,
                updated_at=now,
                **_request_columns(request),
            )
            insert(
                self.db,
                "query_version",
                saved_id=saved_id,
                version=1,
                created_at=now,
                **_request_columns(request),
            )
        return self.get(name)

    def edit(
        self,
        name: str,
        *,
        new_name: str | None = None,
        notes: str | None = None,
        request: SearchRequest | None = None,
        **request_changes,
    ) -> SavedQuery:
        """Rename, change the notes, or change what it searches: a whole new ``request`` or some
        of its fields. A change to what it searches adds a version, so the history shows how the
        final query was reached; earlier runs keep pointing at their version."""
        saved = self.get(name)
        unknown = set(request_changes) - set(REQUEST_FIELDS)
        if unknown:
            raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
        if "sources" in request_changes:
            request_changes["sources"] = tuple(request_changes["sources"])
        updated = replace(request or saved.request, **request_changes)
        updated = replace(updated, page=1, page_size=SearchRequest().page_size)
        new_name, slug = _check_name(new_name or saved.name)
        _check_request(updated)
        search_changed = updated.to_dict() != saved.request.to_dict()
        now = _now().isoformat()
        with transaction(self.db):
            clash = self.db.execute(
                "SELECT 1 FROM saved_query WHERE (name = ? OR slug = ?) AND id != ? "
                "AND deleted_at IS NULL",
                (new_name, slug, saved.id),
            ).fetchone()
            if clash:
                raise SavedQueryError(f"a saved query named {new_name!r} exists already")
            columns = _request_columns(updated)
            assignments = ", ".join(f"{c} = ?" for c in columns)
            self.db.execute(
                f"UPDATE saved_query SET name = ?, slug = ?, notes = ?, updated_at = ?, "
                f"{assignments} WHERE id = ?",
                (
                    new_name,
                    slug,
                    saved.notes if notes is None else notes,
                    now,
                    *columns.values(),
                    saved.id,
                ),
            )
            if search_changed:
                insert(
                    self.db,
                    "query_version",
                    saved_id=saved.id,
                    version=saved.version + 1,
                    created_at=now,
                    **columns,
                )
        return self.get(new_name)

    def delete(self, name: str) -> SavedQuery:
        """Delete a saved query, keeping it and its history restorable for 30 days (its name is
        free at once). Queries deleted longer ago are removed for good now."""
        saved = self.get(name)
        now = _now()
        with transaction(self.db):
            self.db.execute(  # the row id keeps deleted names apart
                "UPDATE saved_query SET deleted_at = ?, deleted_name = name, "
                "name = name || ' (deleted #' || id || ')', slug = slug || '-deleted-' || id "
                "WHERE id = ?",
                (now.isoformat(), saved.id),
            )
            cutoff = (now - timedelta(days=KEEP_DELETED_DAYS)).isoformat()
            self.db.execute(
                "DELETE FROM saved_query WHERE deleted_at IS NOT NULL AND deleted_at < ?",
                (cutoff,),
            )
        return saved

    def restore(self, name: str) -> SavedQuery:
        """Bring back the most recently deleted saved query of that name, with its history."""
        row = self.db.execute(
            "SELECT * FROM saved_query WHERE deleted_at IS NOT NULL "
            "AND (deleted_name = ? OR slug LIKE ? || '-deleted-%') "
            "ORDER BY deleted_at DESC, id DESC",
            (name, slugify(name)),
        ).fetchone()
        if row is None:
            raise SavedQueryError(f"no deleted saved query named {name!r} (kept for 30 days)")
        original, slug = _check_name(row["deleted_name"])
        with transaction(self.db):
            if self.db.execute(
                "SELECT 1 FROM saved_query WHERE (name = ? OR slug = ?) AND deleted_at IS NULL",
                (original, slug),
            ).fetchone():
                raise SavedQueryError(
                    f"a saved query named {original!r} exists; rename it first "
                    f"(`morgue saved edit {slug} --name NEW`), then restore"
                )
            self.db.execute(
                "UPDATE saved_query SET name = ?, slug = ?, deleted_at = NULL, deleted_name = NULL "
                "WHERE id = ?",
                (original, slug, row["id"]),
            )
        return self.get(original)

    # -------------------------------------------------------------------------------- runs

    def run(
        self,
        name: str,
        engine: Engine,
        *,
        page: int = 1,
        page_size: int = 10,
        new_only: bool = False,
        all_hits: bool = False,
        index_changed: bool = False,
    ) -> RunReport:
        """Run a saved query and record what it matches now (see ``search.saved.runs``).

        ``index_changed`` allows a run on another archive than the latest run's.
        """
        saved = self.get(name)
        row, changes, first, recorded = runs.record_run(
            self.db,
            saved.name,
            saved.id,
            saved.version,
            saved.request,
            engine,
            index_changed=index_changed,
        )
        request = saved.paged(page, page_size)
        results = run_search(engine, request)
        if new_only or all_hits:  # every hit, or every new or changed one: never just a page
            hits = [h for h in iter_hits(engine, request) if not new_only or h.id in changes.marked]
        else:
            hits = results.hits
        saved = self.get(name)
        return RunReport(saved, saved.last_run, results, hits, changes, first, recorded)


def _request(query: str | SearchRequest, request_fields: dict) -> SearchRequest:
    if isinstance(query, SearchRequest):
        if request_fields:
            raise TypeError("pass either a SearchRequest or a query with request fields")
        request = query
    else:
        unknown = set(request_fields) - set(REQUEST_FIELDS)
        if unknown:
            raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
        values = {k: v for k, v in request_fields.items() if v is not None}
        if "sources" in values:
            values["sources"] = tuple(dict.fromkeys(s.strip() for s in values["sources"] if s))
        request = SearchRequest(query=query, **values)
    return replace(request, page=1, page_size=SearchRequest().page_size)


def _request_columns(request: SearchRequest) -> dict:
    """The request as JSON (what is read back) and as the older columns (for people reading the
    database, and for the first schema's readers)."""
    return {
        "request": json.dumps(request.to_dict(), ensure_ascii=False),
        "query": request.query,
        "sources": json.dumps(list(request.sources), ensure_ascii=False),
        "date_from": _iso(request.date_from),
        "date_to": _iso(request.date_to),
        "sort": request.sort,
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _check_name(name: str | None) -> tuple[str, str]:
    name = " ".join((name or "").split())
    slug = slugify(name)
    if not name or not slug:
        raise InvalidRequestError("a saved query needs a name with at least one letter or digit")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidRequestError(f"a saved query's name has at most {MAX_NAME_CHARS} characters")
    return name, slug


def _check_request(request: SearchRequest) -> None:
    """The checks a search makes, made when saving, so a saved query can always run: raises
    ``QuerySyntaxError`` with the parser's message, or ``InvalidRequestError``."""
    check(request)
