"""Reading a Xapian index from many threads: each thread's own view of the newest commit, and
the Xapian errors of a read turned into Morgue's.

Xapian objects are not thread-safe, so every thread opens its own database. On a cluster, a
thread's connections are reused for at most ``REUSE_SECONDS``: ``xapian-tcpsrv`` forks a process
per connection, so a shard server that stops accepting connections (SIGSTOP, a hung machine) is
noticed on the next request, not only when an old connection finally breaks.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import xapian

from search.engines.base import damage, folder_identity
from search.engines.xapian_schema import (
    ID,
    NEWEST,
    OLDEST,
    day_counts,
    label_counts,
    source_day_counts,
    spy_counts,
)
from search.engines.xapian_shards import (
    Connection,
    Layout,
    failed_address,
    open_cluster,
    read_layout,
    shard_of,
    unavailable,
)
from search.errors import IndexDamagedError, IndexNotFoundError
from search.types import EngineResults

REUSE_SECONDS = 1.0
LOCAL_MARKER = "iamglass"  # the file a Xapian (glass) database folder always holds
# BM25 as on the Whoosh engine (k1 1.2, b 0.6); Xapian normalises by the whole document's length.
BM25 = (1.2, 0.0, 1.0, 0.6, 0.5)  # k1, k2, k3, b, min_normlen


class Readers:
    """Per-thread databases on the newest commit of a local folder or of every shard."""

    def __init__(self, path: Path, layout: Layout) -> None:
        self.path = path
        self.layout = layout
        self._local = threading.local()
        self._epoch = 0
        self._avoid: frozenset[str] = frozenset()
        self._identity = folder_identity(path)

    def _follow_init(self) -> None:
        """A new ``morgue.json`` (``cluster init`` again, with the servers' new addresses) is
        read, so a running web app follows the shards without a restart."""
        identity = folder_identity(self.path)
        if identity != self._identity:
            self._identity = identity
            layout = read_layout(self.path)
            if layout.clustered:
                self.layout = layout

    def refresh(self) -> None:
        """Every thread opens anew on its next read."""
        self._epoch += 1

    def forget(self) -> None:
        """Let this thread's view go. Not closed here: a stream (an export) may still be reading
        from it while other calls in the same thread open a newer view; the last reference to
        go closes it."""
        self._local.connection = None

    def connection(self) -> Connection:
        """This thread's view of the newest commit: a local database reopened, or the shards
        (connections younger than ``REUSE_SECONDS`` reused)."""
        local = self._local
        connection = getattr(local, "connection", None)
        if self.layout.clustered:
            stale = connection is None or local.epoch != self._epoch
            if stale or time.monotonic() - connection.opened > REUSE_SECONDS:
                self.forget()
                self._follow_init()
                connection = open_cluster(self.layout, self._avoid)
                local.connection, local.epoch = connection, self._epoch
            return connection
        identity = folder_identity(self.path)
        if connection is None or local.identity != identity:
            try:
                database = xapian.Database(str(self.path))
            except xapian.DatabaseOpeningError as exc:
                if (self.path / LOCAL_MARKER).exists():
                    raise IndexDamagedError(str(self.path), damage(exc)) from None
                raise IndexNotFoundError(str(self.path)) from None
            except xapian.DatabaseError as exc:
                raise IndexDamagedError(str(self.path), damage(exc)) from None
            connection = Connection(database, [str(self.path)])
            local.connection, local.identity = connection, identity
        else:
            connection.database.reopen()
        return connection

    def run(self, work):
        """``work(database)`` on the newest commit. A shard lost mid-query is retried once
        on its replicas when it has any; otherwise it is the error that names it."""
        for attempt in range(2):
            database = self.connection().database
            try:
                return work(database)
            except xapian.DatabaseModifiedError:
                database.reopen()
                if attempt:
                    raise
            except xapian.NetworkError as exc:
                self.forget()
                address = failed_address(exc)
                shard = shard_of(self.layout, address)
                if attempt or shard is None or not shard.replicas:
                    raise unavailable(self.layout, exc) from None
                self._avoid = frozenset({address})
            except (xapian.DatabaseCorruptError, xapian.DatabaseOpeningError) as exc:
                raise IndexDamagedError(str(self.path), damage(exc)) from None
        raise AssertionError("unreachable")  # pragma: no cover


def prefetch(page) -> None:
    """Ask for a page's documents at once (one round trip per shard, not one per hit). The
    argument-less ``MSet.fetch()`` of the 1.4.26 bindings crashes on a page past the first."""
    if page.size():
        page.fetch(page._begin(), page._end())


def enquire(database, query, sort: str = "relevance"):
    enquire = xapian.Enquire(database)
    enquire.set_query(query)
    enquire.set_weighting_scheme(xapian.BM25Weight(*BM25))
    if sort == "relevance":
        enquire.set_sort_by_relevance_then_value(ID, False)
    else:
        enquire.set_sort_by_value(NEWEST if sort == "newest" else OLDEST, False)
    return enquire


def spied(database, query, *slots) -> tuple[int, list]:
    """The exact number of matches and a value-count spy per slot over every one of them.

    A pass of its own, unsorted and unweighted: over remote shards, spies on a match sorted
    by value count some documents twice (Xapian 1.4.26 client, 1.4.22 servers: 379 of 368
    articles), while an unsorted match counts each once."""
    enquire = xapian.Enquire(database)
    enquire.set_query(query)
    enquire.set_weighting_scheme(xapian.BoolWeight())
    spies = [xapian.ValueCountMatchSpy(slot) for slot in slots]
    for spy in spies:
        enquire.add_matchspy(spy)
    everything = database.get_doccount()
    return enquire.get_mset(0, 0, everything).get_matches_estimated(), spies


def counted(total: int, spies: list) -> EngineResults:
    sources, days, labels, *per_source = spies
    found = EngineResults(total, [], spy_counts(sources), day_counts(days))
    found.field_counts = label_counts(labels)
    if per_source:
        found.source_day_counts = source_day_counts(per_source[0])
    return found
