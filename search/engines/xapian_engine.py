"""The Xapian engine: the same Morgue on a local Xapian database, or on shards served by
``xapian-tcpsrv`` on several machines and searched as one.

Xapian specifics live in this module and its ``xapian_*`` siblings. How it keeps the behaviour of
the other engines (the contract tests run every check on each):

* Terms are made by our analyzer and written as positioned postings (``xapian_schema``), so every
  engine holds the same terms at the same positions and a parsed tree matches the same articles.
* Proximity keeps our meaning (``xapian_query``); wildcards arrive expanded by the pipeline.
* Totals, source, day and field counts come from the same match as the page of hits (one
  ``get_mset`` with value-count spies, every match checked), merged over shards by Xapian.
* Ties break by id on every sort, so the order is the same on one database or on many.

Readers are per thread, and a cluster's connections are short-lived (``xapian_readers``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import xapian

from search.engines.base import damage, folder_size, split_keys
from search.engines.xapian_query import date_query, is_loose, phrase_query, sources_query, translate
from search.engines.xapian_readers import (
    LOCAL_MARKER,
    Readers,
    counted,
    enquire,
    prefetch,
    spied,
)
from search.engines.xapian_schema import (
    DAY,
    KEYS,
    LABELS,
    SOURCE,
    SOURCE_DAY,
    day_counts,
    id_term,
    label_counts,
    prefixes,
    spy_counts,
    stored_article,
    stored_fields,
    term,
)
from search.engines.xapian_shards import (
    COMMITTED_KEY,
    Connection,
    Layout,
    commit_count,
    probe,
    read_layout,
    unavailable,
)
from search.engines.xapian_writer import XapianWriter
from search.errors import IndexNotFoundError
from search.keys import id_hash
from search.query.tree import Node, Phrase
from search.types import (
    Article,
    Engine,
    EngineResults,
    FacetCount,
    IndexStats,
    MatchedArticle,
    SearchRequest,
)

ENGINE_NAME = "xapian"
PAGE = 2_000  # hits read per batch when every match is streamed


class XapianEngine(Engine):
    name = ENGINE_NAME
    exact_proximity = False  # three words or more with a slop: Xapian's window is looser

    def __init__(self, path: Path, schema_version: str, layout: Layout) -> None:
        self.path = Path(path)
        self.schema_version = schema_version
        self._readers = Readers(self.path, layout)
        self._lock = threading.Lock()
        self._writer: XapianWriter | None = None
        self._written: dict[str, int] = {}
        self._stats_cache: tuple[object, IndexStats] | None = None

    @property
    def layout(self) -> Layout:
        """Where the articles are, as ``morgue.json`` says now (followed by the readers)."""
        return self._readers.layout

    # -------------------------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, path, schema_version: str) -> XapianEngine:
        path = Path(path)
        layout = read_layout(path)
        if not layout.clustered and not (path / LOCAL_MARKER).exists():
            raise IndexNotFoundError(str(path))
        return cls(path, schema_version, layout)

    @classmethod
    def create(cls, path, schema_version: str) -> XapianEngine:
        path = Path(path)
        layout = read_layout(path)
        if not layout.clustered:
            xapian.WritableDatabase(str(path), xapian.DB_CREATE_OR_OPEN).close()
        return cls(path, schema_version, layout)

    def writer(self, *, bulk: bool = False) -> XapianWriter:
        with self._lock:
            if self._writer is None:
                self._writer = XapianWriter(self.path, self.layout)
            return self._writer

    def writes_per_shard(self) -> dict[str, int]:
        if not self.layout.clustered:
            return {}
        writer = self._writer
        return dict(writer.written) if writer is not None else dict(self._written)

    def close(self) -> None:
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            self._written = dict(writer.written)
            writer.close()
        self._readers.forget()

    def refresh(self) -> None:
        self._readers.refresh()

    def verify(self) -> list[str]:
        """Xapian's own check of every table of a local database (shards check their own)."""
        if self.layout.clustered:
            return []
        try:
            errors = xapian.Database.check(str(self.path), 0)
        except xapian.Error as exc:
            return [damage(exc)]
        return [f"Xapian's check found {errors} errors in the tables"] if errors else []

    def shard_status(self) -> list[dict]:
        """Per shard: which address answers for reads, and every address probed."""
        rows = []
        for shard in self.layout.shards:
            probes = [probe(a, self.layout.timeout) for a in (shard.address, *shard.replicas)]
            serving = next((p["address"] for p in probes if p["reachable"]), None)
            rows.append({"shard": shard.address, "serving": serving, "servers": probes})
        return rows

    # -------------------------------------------------------------------------------- queries

    def _query(self, node: Node, request: SearchRequest):
        query = translate(node)
        if request.sources:
            query = xapian.Query(xapian.Query.OP_FILTER, query, sources_query(request.sources))
        if request.date_from or request.date_to:
            dates = date_query(request.date_from, request.date_to)
            query = xapian.Query(xapian.Query.OP_FILTER, query, dates)
        return query

    def _all_keys(self, node: Node | None, request: SearchRequest | None):
        """(id, content hash, raw digest) of every match, from a spy on ``KEYS``: the shards
        send the keys, never the documents."""

        def work(database):
            everything = database.get_doccount()
            if not everything:
                return []
            query = xapian.Query.MatchAll if node is None else self._query(node, request)
            _, (spy,) = spied(database, query, KEYS)
            return [split_keys(key) for key in spy_counts(spy)]

        return self._readers.run(work)

    # -------------------------------------------------------------------------------- reading

    def stored_hashes(self) -> dict[str, str]:
        return {i: h for i, h, _ in self._all_keys(None, None)}

    def stored_digests(self) -> dict[str, str]:
        return {d: i for i, _, d in self._all_keys(None, None) if d}

    def get(self, article_id: str) -> Article | None:
        def work(database):
            matcher = enquire(database, xapian.Query(id_term(article_id)))
            found = list(matcher.get_mset(0, 1))
            return stored_article(found[0].document) if found else None

        return self._readers.run(work)

    def _stream(self, query_of, sort: str) -> Iterator[tuple[object, float]]:
        """Every match of ``query_of(database)`` in order, a page at a time from one view."""
        database = self._readers.connection().database
        try:
            everything = database.get_doccount()
            if not everything:
                return
            matcher = enquire(database, query_of(database), sort)
            for offset in range(0, everything, PAGE):
                page = matcher.get_mset(offset, PAGE)
                prefetch(page)
                for item in page:
                    yield item.document, item.weight
                if page.size() < PAGE:
                    return
        except xapian.NetworkError as exc:
            self._readers.forget()
            raise unavailable(self.layout, exc) from None

    def iter_articles(self) -> Iterator[Article]:
        for document, _ in self._stream(lambda db: xapian.Query.MatchAll, "oldest"):
            yield stored_article(document)

    def iter_hits(self, query: Node, request: SearchRequest) -> Iterator[MatchedArticle]:
        relevance = request.sort == "relevance"
        for document, weight in self._stream(lambda db: self._query(query, request), request.sort):
            yield MatchedArticle(stored_article(document), weight if relevance else None)

    def terms_with_prefix(self, field: str | None, prefix: str) -> Iterator[str]:
        def work(database):
            found = set()
            for start in prefixes(field):
                for item in database.allterms(start + prefix):
                    word = item.term.decode("utf-8")[len(start) :]
                    if not word.startswith("#"):  # a long word indexed by its digest
                        found.add(word)
            return sorted(found)

        yield from self._readers.run(work)

    def loose_phrase(self, phrase: Phrase) -> bool:
        return is_loose(phrase)

    def phrase_candidates(self, phrase: Phrase, field: str) -> Iterator[tuple[str, dict]]:
        (prefix,) = prefixes(field)
        for document, _ in self._stream(lambda db: phrase_query(prefix, phrase), "relevance"):
            stored = stored_fields(document)
            yield stored["id"], stored

    def doc_frequency(self, field: str, word: str) -> int:
        return self.doc_frequencies(field, [word])[0]

    def doc_frequencies(self, field: str, words: list[str]) -> list[int]:
        (prefix,) = prefixes(field)
        return self._readers.run(lambda db: [db.get_termfreq(term(prefix, w)) for w in words])

    # -------------------------------------------------------------------------------- counting

    def search(self, query: Node, request: SearchRequest) -> EngineResults:
        relevance = request.sort == "relevance"

        def work(database):
            everything = database.get_doccount()
            if not everything:
                return EngineResults(0, [])
            xquery = self._query(query, request)
            found = counted(*spied(database, xquery, SOURCE, DAY, LABELS))
            if not found.total:
                return found
            start = (request.page - 1) * request.page_size
            page = enquire(database, xquery, request.sort).get_mset(start, request.page_size)
            prefetch(page)
            found.hits = [
                MatchedArticle(stored_article(item.document), item.weight if relevance else None)
                for item in page
            ]
            return found

        return self._readers.run(work)

    def counts(
        self, query: Node, request: SearchRequest, *, per_source: bool = False
    ) -> EngineResults:
        def work(database):
            everything = database.get_doccount()
            if not everything:
                return EngineResults(0, [])
            slots = (SOURCE, DAY, LABELS, SOURCE_DAY) if per_source else (SOURCE, DAY, LABELS)
            return counted(*spied(database, self._query(query, request), *slots))

        return self._readers.run(work)

    def ranked_ids(self, query: Node, request: SearchRequest) -> list[tuple[str, float | None]]:
        """Ids from each hit's collapse key (``KEYS``, unique per article): no stored reads."""
        relevance = request.sort == "relevance"

        def work(database):
            everything = database.get_doccount()
            if not everything:
                return []
            matcher = enquire(database, self._query(query, request), request.sort)
            matcher.set_collapse_key(KEYS)
            ranked = matcher.get_mset(0, everything)
            return [
                (
                    split_keys(item.collapse_key.decode("utf-8"))[0],
                    item.weight if relevance else None,
                )
                for item in ranked
            ]

        return self._readers.run(work)

    def match_keys(self, query: Node, request: SearchRequest) -> dict[str, str]:
        return {i: h for i, h, _ in self._all_keys(query, request)}

    def match_hashes(self, query: Node, request: SearchRequest) -> list[int]:
        return [id_hash(i) for i, _, _ in self._all_keys(query, request)]

    # -------------------------------------------------------------------------------- the whole

    def _generation(self, connection: Connection) -> int | str:
        """The local database's revision, or every shard's commit count ("3/5/4")."""
        if not self.layout.clustered:
            return connection.database.get_revision()
        return "/".join(str(commit_count(shard)) for shard in connection.shards)

    def stats(self) -> IndexStats:
        def work(database):
            connection = self._readers.connection()
            generation = self._generation(connection)
            cached = self._stats_cache
            if cached is not None and cached[0] == (self.path, generation):
                return cached[1]
            stats = self._count_stats(connection, database, generation)
            self._stats_cache = ((self.path, generation), stats)
            return stats

        return self._readers.run(work)

    def _count_stats(self, connection, database, generation) -> IndexStats:
        articles = database.get_doccount()
        sources: dict[str, int] = {}
        days: dict[date, int] = {}
        fields_found: dict[str, dict[str, int]] = {}
        if articles:
            _, spies = spied(database, xapian.Query.MatchAll, SOURCE, DAY, LABELS)
            source_spy, day_spy, label_spy = spies
            sources, days = spy_counts(source_spy), day_counts(day_spy)
            fields_found = label_counts(label_spy)
        last_indexed = None
        if articles and not self.layout.clustered:
            modified = (self.path / LOCAL_MARKER).stat().st_mtime
            last_indexed = datetime.fromtimestamp(modified, tz=timezone.utc)
        elif articles:
            stamps = [shard.get_metadata(COMMITTED_KEY).decode() for shard in connection.shards]
            last_indexed = max(map(datetime.fromisoformat, filter(None, stamps)), default=None)
        return IndexStats(
            path=str(self.path),
            engine=ENGINE_NAME,
            articles=articles,
            sources=[
                FacetCount(v, c) for v, c in sorted(sources.items(), key=lambda x: (-x[1], x[0]))
            ],
            first_date=min(days) if days else None,
            last_date=max(days) if days else None,
            undated=articles - sum(days.values()),
            size_bytes=0 if self.layout.clustered else folder_size(self.path),
            schema_version=self.schema_version,
            last_indexed=last_indexed,
            generation=generation,
            field_counts=fields_found,
            shards=len(self.layout.shards),
        )
