"""Writing a Xapian index, local or sharded, with the semantics of the engine seam.

Each database written to holds one open transaction between commits, so nothing of a batch is
visible (or flushed by Xapian's own threshold) before ``commit``. On a cluster an article goes to
the shard its id hashes to: the same shard on every run, so a replaced or deleted article is
always found where it was written, and an article is never in two shards. ``commit`` commits
every shard written to since the last one and adds one to each shard's commit count (its
revision, as ``morgue cluster status`` shows it). A shard lost during a commit keeps its last
commit; the others keep theirs, and the next reindex writes what that shard is missing.
"""

from __future__ import annotations

import contextlib
import time
from datetime import datetime, timezone
from pathlib import Path

import xapian

from search.engines.xapian_schema import document, id_term
from search.engines.xapian_shards import (
    COMMITS_KEY,
    COMMITTED_KEY,
    Layout,
    check_position,
    check_writable,
    commit_count,
    open_remote,
    unavailable,
)
from search.errors import IndexLockedError
from search.keys import id_hash
from search.types import EngineWriter, IndexDocument

LOCK_TIMEOUT_SECONDS = 3.0


class XapianWriter(EngineWriter):
    def __init__(self, path: Path, layout: Layout) -> None:
        self._indexed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._path = Path(path)
        self._layout = layout
        if layout.clustered:
            check_writable(layout)
            self._names = [shard.address for shard in layout.shards]
        else:
            self._names = [str(self._path)]
        self._open: dict[int, object] = {}
        self._dirty: set[int] = set()
        # articles written per shard in this writer's life: what a reindex reports per shard
        self.written = dict.fromkeys(self._names, 0)
        try:  # every shard's write lock now, as the seam asks of a writer
            for shard in range(len(self._names)):
                self._database(shard)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------------------ databases

    def _database(self, shard: int):
        database = self._open.get(shard)
        if database is None:
            database = self._connect(shard)
            self._guarded(shard, database.begin_transaction, True)
            self._open[shard] = database
        return database

    def _connect(self, shard: int):
        deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
        while True:
            try:
                if self._layout.clustered:
                    address = self._names[shard]
                    database = open_remote(address, self._layout.timeout, writable=True)
                    try:
                        check_position(database, shard, self._layout, address)
                    except BaseException:
                        database.close()
                        raise
                    return database
                return xapian.WritableDatabase(str(self._path), xapian.DB_CREATE_OR_OPEN)
            except xapian.DatabaseLockError:
                if time.monotonic() >= deadline:
                    raise IndexLockedError(self._names[shard]) from None
                time.sleep(0.05)

    def _guarded(self, shard: int, operation, *args):
        try:
            return operation(*args)
        except xapian.NetworkError as exc:
            self._open.pop(shard, None)
            raise unavailable(self._layout, exc) from None

    def _shard(self, article_id: str) -> int:
        return id_hash(article_id) % len(self._names) if len(self._names) > 1 else 0

    # ------------------------------------------------------------------------------ the seam

    def add(self, doc: IndexDocument) -> None:
        shard = self._shard(doc.article.id)
        database = self._database(shard)
        self._guarded(shard, database.add_document, document(doc, self._indexed_at))
        self._dirty.add(shard)
        self.written[self._names[shard]] += 1

    def update(self, doc: IndexDocument) -> None:
        shard = self._shard(doc.article.id)
        database = self._database(shard)
        built = document(doc, self._indexed_at)
        self._guarded(shard, database.replace_document, id_term(doc.article.id), built)
        self._dirty.add(shard)
        self.written[self._names[shard]] += 1

    def delete(self, article_id: str) -> None:
        shard = self._shard(article_id)
        database = self._database(shard)
        self._guarded(shard, database.delete_document, id_term(article_id))
        self._dirty.add(shard)

    def commit(self) -> None:
        for shard in sorted(self._dirty):
            database = self._open[shard]
            count = self._guarded(shard, commit_count, database) + 1
            self._guarded(shard, database.set_metadata, COMMITS_KEY, str(count))
            now = datetime.now(timezone.utc).isoformat(timespec="seconds")
            self._guarded(shard, database.set_metadata, COMMITTED_KEY, now)
            self._guarded(shard, database.commit_transaction)
            self._guarded(shard, database.begin_transaction, True)
        self._dirty.clear()

    def cancel(self) -> None:
        for shard, database in list(self._open.items()):
            try:
                database.cancel_transaction()
                database.begin_transaction(True)
            except xapian.Error:
                self._open.pop(shard, None)
        self._dirty.clear()

    def close(self) -> None:
        """Drop what was not committed and release every shard's write lock."""
        opened, self._open = self._open, {}
        for database in opened.values():
            with contextlib.suppress(xapian.Error):
                database.cancel_transaction()
            with contextlib.suppress(xapian.Error):
                database.close()
