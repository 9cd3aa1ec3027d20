"""What ``morgue fetch`` remembers between passes, in a SQLite file beside its web archives: each
URL's validators (ETag, Last-Modified) for conditional requests, and each feed's run of failures,
so one that keeps failing is reported without stopping the others."""

from __future__ import annotations

import sqlite3
from pathlib import Path

STATE_FILE = ".fetch-state.sqlite3"  # hidden: a reindex of the folder passes it over


class FetchState:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(folder / STATE_FILE)
        self.db.executescript(
            "CREATE TABLE IF NOT EXISTS validator (url TEXT PRIMARY KEY, etag TEXT, modified TEXT);"
            "CREATE TABLE IF NOT EXISTS feed (url TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
            " last_error TEXT);"
            "CREATE TABLE IF NOT EXISTS link (feed TEXT NOT NULL, place INTEGER NOT NULL,"
            " url TEXT NOT NULL, PRIMARY KEY (feed, place));"
        )

    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self.db.execute(
            "SELECT etag, modified FROM validator WHERE url = ?", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def remember(self, url: str, etag: str | None, modified: str | None) -> None:
        if etag or modified:
            self.db.execute(
                "INSERT OR REPLACE INTO validator VALUES (?, ?, ?)", (url, etag, modified)
            )

    def feed_failed(self, url: str, reason: str) -> int:
        """Count one more failure in a row for the feed; returns how many there are now."""
        self.db.execute(
            "INSERT INTO feed VALUES (?, 1, ?) ON CONFLICT(url) DO UPDATE SET "
            "failures = failures + 1, last_error = excluded.last_error",
            (url, reason),
        )
        return self.db.execute("SELECT failures FROM feed WHERE url = ?", (url,)).fetchone()[0]

    def forget(self, url: str) -> None:
        self.db.execute("DELETE FROM validator WHERE url = ?", (url,))

    def links(self, feed: str) -> list[str]:
        """The page links the feed gave when it was last read."""
        rows = self.db.execute("SELECT url FROM link WHERE feed = ? ORDER BY place", (feed,))
        return [url for (url,) in rows]

    def set_links(self, feed: str, links: list[str]) -> None:
        self.db.execute("DELETE FROM link WHERE feed = ?", (feed,))
        self.db.executemany(
            "INSERT INTO link VALUES (?, ?, ?)", [(feed, n, url) for n, url in enumerate(links)]
        )

    def feed_worked(self, url: str) -> None:
        self.db.execute("DELETE FROM feed WHERE url = ?", (url,))

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        """Without ``commit`` first, what this pass learnt is let go (``sqlite3`` rolls back)."""
        self.db.close()
