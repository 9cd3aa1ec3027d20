"""The groups of an index, in ``groups.sqlite`` beside the engine's files.

Grouping is derived data: every row can be made again from the articles the engine stores, so
the file is a cache the indexer checks against the engine at the start of every run (an
article missing here, stored with another content hash, or not yet grouped is done again) and
a crash between the engine's commit and this file's costs a regroup, never a wrong answer. It
is the same for every engine, since it holds only article ids.

Tables: ``article`` (an internal number per article, its content hash, publication time, source,
MinHash signature, lead terms, and the numbers of its copy group's first article and its
story's) and ``meta`` (the grouping's algorithm and thresholds: when they change, everything is
grouped again). A group is
named, outside this file, by the id of its first article: readable, and kept by a rebuild.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from search.groups.fingerprints import Fingerprint
from search.keys import id_hash

GROUPS_FILE = "groups.sqlite"
SCHEMA = 2
HASH_CHARS = 16  # of the content hash: enough to tell a changed article
IN_CHUNK = 500  # values in one IN (...) list
# Up to this many articles, readers keep every article's groups in memory (about 300 bytes an
# article), renewed when the file's generation changes: a search then looks up 15,000 matches'
# groups in 2 ms instead of 45 ms of SQLite queries, by id or by ``id_hash``. Larger archives
# query the file each time.
MEMORY_LIMIT = 250_000
# file -> (generation, (members by id, members by ``id_hash`` of their id), or None: too many)
_SNAPSHOTS: dict[str, tuple[str, tuple[dict[str, Member], dict[int, Member]] | None]] = {}

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS article (
    num INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    at INTEGER,              -- publication time, seconds since 1970 (NULL: undated)
    source TEXT NOT NULL,
    sig BLOB,                -- MinHash signature (NULL: no words)
    lead BLOB NOT NULL,      -- title and lead terms, zlib-compressed
    copy_group INTEGER,      -- number of the group's first article (NULL until grouped)
    story INTEGER            -- number of the story's first article (NULL until grouped)
);
CREATE INDEX IF NOT EXISTS article_copy ON article (copy_group);
CREATE INDEX IF NOT EXISTS article_story ON article (story);
CREATE INDEX IF NOT EXISTS article_time ON article (at, id);
"""


@dataclass(frozen=True, slots=True)
class Member:
    """An article as its groups know it."""

    num: int
    id: str
    at: int | None
    source: str
    copy_group: int | None
    story: int | None

    @property
    def order(self) -> tuple:
        """Earliest first, undated last, then by id: a group's first article leads it."""
        return (self.at is None, self.at or 0, self.id)


MEMBER_COLUMNS = "num, id, at, source, copy_group, story"


def pack_lead(lead: str) -> bytes:
    return zlib.compress(lead.encode("utf-8"), 6)


def unpack_lead(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")


class GroupStore:
    """One connection to an index's groups. Readers (the web app's threads) share it under a
    lock; the indexer is the only writer, inside its writer lock."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if readonly:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            self.db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self.db = sqlite3.connect(self.path, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # derived data: a crash costs a regroup
            # a regroup rewrites every row in one transaction: the log it leaves is cut back
            self.db.execute("PRAGMA journal_size_limit=67108864")
            self.db.executescript(_TABLES)
            self.db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA),)
            )
            self.db.execute(  # a file from before generations: one now
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', ?)",
                (uuid.uuid4().hex,),
            )
            self.db.commit()
        self.lock = threading.RLock()

    @classmethod
    def of_index(cls, index_dir: Path, *, readonly: bool = False) -> GroupStore | None:
        path = Path(index_dir) / GROUPS_FILE
        if readonly and not path.exists():
            return None
        return cls(path, readonly=readonly)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> GroupStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def rows(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self.lock:
            return self.db.execute(sql, tuple(params)).fetchall()

    def iter_rows(self, sql: str, params: Iterable = ()) -> Iterator[tuple]:
        """Rows read lazily (the writer only: readers use ``rows`` under the lock)."""
        yield from self.db.execute(sql, tuple(params))

    def rows_in(self, sql: str, values: Iterable) -> list[tuple]:
        """``sql`` with its ``IN ({marks})`` filled by ``values``, a query per ``IN_CHUNK`` of
        them (SQLite caps the parameters of one statement)."""
        values = list(dict.fromkeys(values))
        found: list[tuple] = []
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            found.extend(self.rows(sql.format(marks=",".join("?" * len(chunk))), chunk))
        return found

    # ------------------------------------------------------------------------------ meta

    def meta(self, key: str) -> str | None:
        found = self.rows("SELECT value FROM meta WHERE key = ?", (key,))
        return found[0][0] if found else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------------------------ writing

    def hashes(self) -> dict[str, str]:
        """Every article's id -> content hash (its first ``HASH_CHARS`` characters)."""
        return dict(self.db.execute("SELECT id, hash FROM article"))

    def put(
        self, article_id: str, content_hash: str, at: int | None, source: str, fp: Fingerprint
    ) -> int:
        """Store (or replace) an article's fingerprint, ungrouped; returns its number. A
        changed article's groups are made again around it: their other members are ungrouped
        too (a changed text can split its copy group, a changed date its story)."""
        row = self.db.execute(
            "SELECT num, copy_group, story FROM article WHERE id = ?", (article_id,)
        ).fetchone()
        values = (content_hash[:HASH_CHARS], at, source, fp.signature, pack_lead(fp.lead))
        if row is not None:
            num, copy_group, story = row
            self.db.execute(
                "UPDATE article SET copy_group = NULL WHERE copy_group = ?", (copy_group,)
            )
            self.db.execute("UPDATE article SET story = NULL WHERE story = ?", (story,))
            self.db.execute(
                "UPDATE article SET hash = ?, at = ?, source = ?, sig = ?, lead = ?, "
                "copy_group = NULL, story = NULL WHERE num = ?",
                (*values, num),
            )
        else:
            num = self.db.execute(
                "INSERT INTO article (id, hash, at, source, sig, lead) VALUES (?, ?, ?, ?, ?, ?)",
                (article_id, *values),
            ).lastrowid
        return num

    def put_many(self, entries: list[tuple[str, str, int | None, str, Fingerprint]]) -> None:
        """``put`` for a batch of (id, content hash, time, source, fingerprint): the new articles
        are written with one statement per table, which is most of a first build's work here."""
        latest = {entry[0]: entry for entry in entries}  # an id staged twice: its last version
        known = {
            row[0] for row in self.rows_in("SELECT id FROM article WHERE id IN ({marks})", latest)
        }
        for article_id in known:
            self.put(*latest[article_id])
        fresh = [entry for article_id, entry in latest.items() if article_id not in known]
        if not fresh:
            return
        first = self.db.execute("SELECT COALESCE(MAX(num), 0) + 1 FROM article").fetchone()[0]
        self.db.executemany(
            "INSERT INTO article (num, id, hash, at, source, sig, lead) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (num, i, digest[:HASH_CHARS], at, source, fp.signature, pack_lead(fp.lead))
                for num, (i, digest, at, source, fp) in enumerate(fresh, first)
            ],
        )

    def remove(self, ids: Iterable[str]) -> None:
        """Forget articles the engine no longer holds (their groups are made again)."""
        for article_id in ids:
            row = self.db.execute(
                "SELECT num, copy_group, story FROM article WHERE id = ?", (article_id,)
            ).fetchone()
            if row is None:
                continue
            num, copy_group, story = row
            self.db.execute(
                "UPDATE article SET copy_group = NULL WHERE copy_group = ?", (copy_group,)
            )
            self.db.execute("UPDATE article SET story = NULL WHERE story = ?", (story,))
            self.db.execute("DELETE FROM article WHERE num = ?", (num,))

    def ungrouped(self) -> bool:
        """Whether some article waits for its groups."""
        return bool(
            self.db.execute(
                "SELECT 1 FROM article WHERE copy_group IS NULL OR story IS NULL LIMIT 1"
            ).fetchone()
        )

    def ungroup_all(self) -> None:
        self.db.execute("UPDATE article SET copy_group = NULL, story = NULL")

    def commit(self) -> None:
        """Commit, under a new generation when anything was written (what readers' snapshots
        are checked against)."""
        if self.db.in_transaction:
            self.db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)",
                (uuid.uuid4().hex,),
            )
        self.db.commit()

    # ------------------------------------------------------------------------------ reading

    def member(self, article_id: str) -> Member | None:
        found = self.rows(f"SELECT {MEMBER_COLUMNS} FROM article WHERE id = ?", (article_id,))
        return Member(*found[0]) if found else None

    def members(self, column: str, group: int) -> list[Member]:
        """A group's members, first article first."""
        assert column in ("copy_group", "story")
        found = self.rows(f"SELECT {MEMBER_COLUMNS} FROM article WHERE {column} = ?", (group,))
        return sorted((Member(*row) for row in found), key=lambda m: m.order)

    def lookup(self, ids: Iterable[str]) -> dict[str, Member]:
        """The groups of many articles at once: from the reader's snapshot, else one query per
        500 ids."""
        if self.readonly and (snapshot := self._snapshot()) is not None:
            by_id = snapshot[0]
            return {i: member for i in ids if (member := by_id.get(i)) is not None}
        sql = f"SELECT {MEMBER_COLUMNS} FROM article WHERE id IN ({{marks}})"
        return {row[1]: Member(*row) for row in self.rows_in(sql, ids)}

    def lookup_hashes(self, hashes: Iterable[int]) -> list[Member] | None:
        """The groups of the articles with these ``id_hash``es, from the reader's snapshot;
        None without one (an archive past ``MEMORY_LIMIT``: look up by id)."""
        snapshot = self._snapshot() if self.readonly else None
        if snapshot is None:
            return None
        by_hash = snapshot[1]
        return [member for h in hashes if (member := by_hash.get(h)) is not None]

    def _snapshot(self) -> tuple[dict[str, Member], dict[int, Member]] | None:
        """Every article's groups as of the file's current generation (see ``MEMORY_LIMIT``),
        read in one transaction so the generation and the rows agree."""
        key = str(self.path)
        with self.lock:
            self.db.execute("BEGIN")
            try:
                generation = self.meta("generation")
                cached = _SNAPSHOTS.get(key)
                if generation is None:
                    return None
                if cached is not None and cached[0] == generation:
                    return cached[1]
                if self.db.execute("SELECT count(*) FROM article").fetchone()[0] > MEMORY_LIMIT:
                    _SNAPSHOTS.clear()  # too big, decided once a generation: no count a lookup
                    _SNAPSHOTS[key] = (generation, None)
                    return None
                rows = self.db.execute(f"SELECT {MEMBER_COLUMNS} FROM article").fetchall()
            finally:
                self.db.execute("COMMIT")
        members = {row[1]: Member(*row) for row in rows}
        by_hash = {id_hash(i): member for i, member in members.items()}
        _SNAPSHOTS.clear()  # one archive's at a time: the web app serves one
        _SNAPSHOTS[key] = (generation, (members, by_hash))
        return members, by_hash

    def ids(self, nums: Iterable[int]) -> dict[int, str]:
        """Article ids by number: the names of groups."""
        return dict(self.rows_in("SELECT num, id FROM article WHERE num IN ({marks})", nums))

    def sizes(self, column: str, groups: Iterable[int]) -> dict[int, int]:
        """How many articles each group holds."""
        assert column in ("copy_group", "story")
        sql = (
            f"SELECT {column}, COUNT(*) FROM article WHERE {column} IN ({{marks}}) "
            f"GROUP BY {column}"
        )
        return dict(self.rows_in(sql, groups))

    def count(self) -> tuple[int, int]:
        """(articles, articles grouped)."""
        return self.rows("SELECT COUNT(*), COUNT(story) FROM article")[0]
