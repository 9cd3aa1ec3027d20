"""The saved-queries database schema, as numbered migrations recorded in ``PRAGMA user_version``.

Version 3 keeps each saved query's whole search request as JSON (``request``; the older columns
stay filled for people reading the database), soft-deleted queries, and the archive each run ran
on (``index_path``, ``index_id``).

Each migration runs in one transaction together with its version bump, so a migration killed
midway leaves the database at the previous version, intact. Add a migration; never edit one that
has shipped (the migration test opens a database made by version 1).
"""

from __future__ import annotations

import sqlite3

from search.errors import MorgueError


class SchemaTooNewError(MorgueError):
    """The database was written by a newer Morgue."""


MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE saved_query (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            slug TEXT NOT NULL UNIQUE,
            query TEXT NOT NULL,
            sources TEXT NOT NULL DEFAULT '[]',
            date_from TEXT,
            date_to TEXT,
            sort TEXT NOT NULL DEFAULT 'relevance',
            notes TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE run (
            id INTEGER PRIMARY KEY,
            saved_id INTEGER NOT NULL REFERENCES saved_query(id) ON DELETE CASCADE,
            run_at TEXT NOT NULL,
            total INTEGER NOT NULL,
            hits BLOB NOT NULL
        );
        CREATE INDEX run_by_saved ON run(saved_id, id);
        """,
    ),
    (
        2,
        """
        CREATE TABLE query_version (
            id INTEGER PRIMARY KEY,
            saved_id INTEGER NOT NULL REFERENCES saved_query(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            query TEXT NOT NULL,
            sources TEXT NOT NULL,
            date_from TEXT,
            date_to TEXT,
            sort TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (saved_id, version)
        );
        INSERT INTO query_version
            (saved_id, version, query, sources, date_from, date_to, sort, created_at)
            SELECT id, 1, query, sources, date_from, date_to, sort, created_at FROM saved_query;
        ALTER TABLE run ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE run ADD COLUMN new_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE run ADD COLUMN changed_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE run ADD COLUMN gone_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE run ADD COLUMN index_articles INTEGER;
        ALTER TABLE run ADD COLUMN index_schema TEXT;
        ALTER TABLE run ADD COLUMN index_updated TEXT;
        ALTER TABLE run ADD COLUMN index_generation INTEGER;
        """,
    ),
    (
        3,
        """
        ALTER TABLE saved_query ADD COLUMN request TEXT NOT NULL DEFAULT '{}';
        UPDATE saved_query SET request = json_object(
            'query', query, 'sources', json(sources), 'date_from', date_from,
            'date_to', date_to, 'sort', sort);
        ALTER TABLE query_version ADD COLUMN request TEXT NOT NULL DEFAULT '{}';
        UPDATE query_version SET request = json_object(
            'query', query, 'sources', json(sources), 'date_from', date_from,
            'date_to', date_to, 'sort', sort);
        ALTER TABLE saved_query ADD COLUMN deleted_at TEXT;
        ALTER TABLE saved_query ADD COLUMN deleted_name TEXT;
        ALTER TABLE run ADD COLUMN index_path TEXT;
        ALTER TABLE run ADD COLUMN index_id TEXT;
        """,
    ),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def migrate(db: sqlite3.Connection, migrations: list[tuple[int, str]] = MIGRATIONS) -> int:
    """Apply the migrations newer than ``PRAGMA user_version``, each in its own transaction."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    if current > migrations[-1][0]:
        newest = migrations[-1][0]
        raise SchemaTooNewError(
            f"the saved-queries database has schema {current}, newer than this Morgue ({newest})"
        )
    for version, sql in migrations:
        if version <= current:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock: read the
            # version again under the lock (8 processes opening a new database found this).
            current = db.execute("PRAGMA user_version").fetchone()[0]
            if version <= current:
                db.execute("COMMIT")
                continue
            for statement in (s.strip() for s in sql.split(";")):
                if statement:
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {version}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        current = version
    return current
