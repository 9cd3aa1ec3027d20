"""The saved-queries database connection: SQLite from the standard library, set up to keep every
acknowledged write and to let several processes write without "database is locked".

WAL journal, ``synchronous=FULL`` (an acknowledged save survives a power cut), a busy timeout
(concurrent writers wait instead of failing), foreign keys on, migrations applied on open. Every
write is one ``BEGIN IMMEDIATE ... COMMIT`` transaction: all or nothing.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from search.saved.model import SavedQueryError
from search.saved.schema import migrate

BUSY_TIMEOUT_SECONDS = 30
LOCKED_RETRY_SECONDS = 0.02


def connect(path: str | Path) -> sqlite3.Connection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
    )
    db.row_factory = sqlite3.Row
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.DatabaseError as exc:  # "file is not a database"
            # Processes opening a new file at once: switching it to WAL needs it alone, and
            # SQLite says "locked" at once instead of waiting (seen with eight at a time).
            if "locked" in str(exc) and time.monotonic() < deadline:
                time.sleep(LOCKED_RETRY_SECONDS)
                continue
            db.close()
            raise SavedQueryError(f"{path} is not a saved-queries database ({exc})") from None
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")
    migrate(db)
    return db


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error: one write, all or nothing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def insert(db: sqlite3.Connection, table: str, **values) -> int:
    """INSERT one row; table and column names come from this package, values are bound."""
    columns = ", ".join(values)
    marks = ", ".join("?" * len(values))
    cursor = db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))
    return cursor.lastrowid
