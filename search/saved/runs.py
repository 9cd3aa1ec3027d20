"""Running a saved query: record which articles it matches, and what is new since the run before.

A run stores every matching id with a 12-hex prefix of its content hash, zlib-compressed (about
20 bytes a hit), plus the index state it ran against (article count, schema, commit number, the
archive's folder and id) so results can be cited.

"New since the last run" is one thing everywhere: the difference between the latest run's stored
hits and the stored hits of the run before it. The saved search's page, the list of saved
searches, ``morgue saved run`` and its JSON all read it from the two stored runs, so they cannot
disagree (the page once recomputed it against the live index and showed "0 new" as soon as
anything else was indexed). Running again when the archive has not changed since the latest run
records nothing and reports that run again, so ``run`` then ``run --new-only`` show the same hits.

Runs compare only within one archive: a run on another index than the latest run's is refused
unless the caller says the switch is intended; the history then shows it.
"""

from __future__ import annotations

import sqlite3
import zlib
from datetime import datetime, timezone
from pathlib import Path

from search.archive import archive_id
from search.saved.db import transaction
from search.saved.model import IndexChangedError, IndexIdentity, RunChanges, RunSummary
from search.searching import match_keys
from search.types import Engine

HASH_PREFIX = 12  # enough to tell an updated article from the same one, at a third of the size


def encode_keys(keys: dict[str, str]) -> bytes:
    lines = "\n".join(f"{i}\t{h[:HASH_PREFIX]}" for i, h in sorted(keys.items()))
    return zlib.compress(lines.encode("utf-8"), 6)


def decode_keys(blob: bytes) -> dict[str, str]:
    text = zlib.decompress(blob).decode("utf-8")
    if not text:
        return {}
    return dict(line.split("\t", 1) for line in text.split("\n"))


def diff_keys(previous: dict[str, str], current: dict[str, str]) -> RunChanges:
    """New, changed and gone ids between two runs' id -> hash-prefix maps."""
    changed = {
        i
        for i in current.keys() & previous.keys()
        if current[i][:HASH_PREFIX] != previous[i][:HASH_PREFIX]
    }
    return RunChanges(
        frozenset(current.keys() - previous.keys()),
        frozenset(changed),
        frozenset(previous.keys() - current.keys()),
    )


def identity(engine: Engine) -> IndexIdentity:
    return IndexIdentity(str(Path(engine.path).resolve()), archive_id(engine.path))


def index_state(engine: Engine) -> tuple[int, str, int]:
    """What tells two states of an index apart: article count, schema and commit number.

    Not the time of the last commit: tantivy's background merges rewrite its commit file with
    the same content, and a run would then record "0 new" over the run that found them.
    """
    stats = engine.stats()
    return stats.articles, stats.schema_version, stats.generation


def summary(row: sqlite3.Row, previous: sqlite3.Row | None = None) -> RunSummary:
    index = IndexIdentity(row["index_path"], row["index_id"]) if row["index_path"] else None
    before = None
    if previous is not None and previous["index_path"]:
        before = IndexIdentity(previous["index_path"], previous["index_id"])
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
        index_generation=row["index_generation"],
        index=index,
        switched_index=bool(index and before and not index.same_archive(before)),
        query_changed=previous is not None and previous["version"] != row["version"],
    )


def latest_runs(db: sqlite3.Connection, saved_id: int, count: int = 2) -> list[sqlite3.Row]:
    return db.execute(
        "SELECT * FROM run WHERE saved_id = ? ORDER BY id DESC LIMIT ?", (saved_id, count)
    ).fetchall()


def changes_of(rows: list[sqlite3.Row]) -> RunChanges:
    """What the first of ``rows`` (newest first) found against the one after it."""
    if len(rows) < 2:
        return RunChanges()
    return diff_keys(decode_keys(rows[1]["hits"]), decode_keys(rows[0]["hits"]))


def archive_changed_since(row: sqlite3.Row | None, engine: Engine) -> bool:
    """Whether the index has moved on since the run in ``row`` (a reason to run again)."""
    if row is None:
        return False
    recorded = (row["index_articles"], row["index_schema"], row["index_generation"])
    return recorded != index_state(engine) or not _same_archive(row, identity(engine))


def ran_elsewhere(row: sqlite3.Row | None, engine: Engine) -> IndexIdentity | None:
    """The archive of the run in ``row`` when it is not ``engine``'s, else None."""
    if row is None or not row["index_path"]:
        return None
    if _same_archive(row, identity(engine)):
        return None
    return IndexIdentity(row["index_path"], row["index_id"])


def _same_archive(row: sqlite3.Row, here: IndexIdentity) -> bool:
    if not row["index_path"]:  # a run recorded before archives were told apart
        return True
    return IndexIdentity(row["index_path"], row["index_id"]).same_archive(here)


def record_run(
    db: sqlite3.Connection,
    name: str,
    saved_id: int,
    version: int,
    request,
    engine: Engine,
    *,
    index_changed: bool = False,
) -> tuple[sqlite3.Row, RunChanges, bool, bool]:
    """Run and record, or re-report the latest run when nothing changed since it.

    Returns (the run's row, its changes, whether it is the first run, whether it was recorded).
    """
    here = identity(engine)
    latest = latest_runs(db, saved_id)
    head = latest[0] if latest else None
    elsewhere = ran_elsewhere(head, engine)
    if elsewhere is not None and not index_changed:
        raise IndexChangedError(name, elsewhere.path, here.path)
    if head is not None and head["version"] == version and not archive_changed_since(head, engine):
        return head, changes_of(latest), len(latest) == 1, False
    current = match_keys(engine, request)
    changes = diff_keys(decode_keys(head["hits"]), current) if head else RunChanges()
    articles, schema, generation = index_state(engine)
    stats = engine.stats()
    updated = stats.last_indexed.isoformat(timespec="seconds") if stats.last_indexed else None
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO run (saved_id, run_at, total, hits, version, new_count, changed_count, "
            "gone_count, index_articles, index_schema, index_updated, index_generation, "
            "index_path, index_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                saved_id,
                datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                len(current),
                encode_keys(current),
                version,
                len(changes.new),
                len(changes.changed),
                len(changes.gone),
                articles,
                schema,
                updated,
                generation,
                here.path,
                here.id,
            ),
        )
    row = db.execute("SELECT * FROM run WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return row, changes, head is None, True
