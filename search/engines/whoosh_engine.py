"""The Whoosh engine: one-snapshot search, counts from the column snapshot, ranked pages.

Whoosh specifics live in this package and nowhere else (the schema in ``whoosh_schema``, query
translation and ranking in ``whoosh_query``, fast match counting in ``whoosh_docsets``, the writer
in ``whoosh_writer``). Choices measured on this machine (see ARCHITECTURE.md):

* One searcher per thread, refreshed on use (opening one per query costs ~5x more; Whoosh
  searchers are not safe to share between threads); a rebuild is followed by reopening.
"""

from __future__ import annotations

import contextlib
import heapq
import struct
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from whoosh.collectors import TimeLimitCollector
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import TimeLimit

from search.engines.base import SEARCH_TIME_LIMIT_SECONDS, damage, folder_identity, folder_size
from search.engines.whoosh_docsets import DocSets
from search.engines.whoosh_query import (
    collector_for,
    estimated_matches,
    sort_keys,
    translate,
    weighting,
)
from search.engines.whoosh_schema import (
    EPOCH,
    TERM_FIELDS,
    ColumnDamageError,
    _Columns,
    build_schema,
    lexicon,
    stored_article,
)
from search.engines.whoosh_storage import DurableFileStorage, create_index, open_index
from search.engines.whoosh_writer import WhooshWriter
from search.errors import (
    IndexDamagedError,
    IndexNotFoundError,
    QueryTooSlowError,
)
from search.query.tree import Node
from search.types import (
    Article,
    Engine,
    EngineResults,
    FacetCount,
    IndexStats,
    MatchedArticle,
    SearchRequest,
)

ENGINE_NAME = "whoosh"
# Up to this many expected matches, scoring them all in one pass beats counting by set algebra
# and ranking the page in a second pass (measured on Reuters-21578: RESULTS.md, "One pipeline").
ONE_PASS_MAX_MATCHES = 1_500


class WhooshEngine(Engine):
    name = ENGINE_NAME

    def __init__(self, path: Path, ix, schema_version: str) -> None:
        self.path = Path(path)
        self.schema_version = schema_version
        self._ix = ix
        self._local = threading.local()
        self._searchers: list = []
        self._searchers_lock = threading.Lock()
        self._stats_cache: tuple[int, IndexStats] | None = None
        self._columns: dict[tuple, _Columns] = {}
        self._identity = folder_identity(self.path)

    def _follow_rebuild(self) -> None:
        """A rebuilt index restarts its generation numbers: reopen it, never refresh into it."""
        identity = folder_identity(self.path)
        if identity == self._identity or identity is None:
            return
        with self._searchers_lock:
            if identity == self._identity:
                return
            self._ix = open_index(self._ix.storage.__class__(str(self.path)), build_schema())
            self._columns = {}
            self._stats_cache = None
            self._identity = identity

    # -------------------------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, path, schema_version: str, storage: FileStorage | None = None) -> WhooshEngine:
        """Open an index; ``storage`` defaults to the durable one (tests pass their own)."""
        path = Path(path)
        # Not whoosh's exists_in(): it unpickles the stored schema. We never read it at all.
        if not any(path.glob("_MAIN_*.toc")):
            raise IndexNotFoundError(str(path))
        try:
            ix = open_index(storage or DurableFileStorage(str(path)), build_schema())
        except (OSError, EOFError, ValueError, struct.error) as exc:
            raise IndexDamagedError(str(path), damage(exc)) from exc
        return cls(path, ix, schema_version)

    @classmethod
    def create(cls, path, schema_version: str, storage: FileStorage | None = None) -> WhooshEngine:
        path = Path(path)
        ix = create_index(storage or DurableFileStorage(str(path)), build_schema())
        return cls(path, ix, schema_version)

    def close(self) -> None:
        with self._searchers_lock:
            for searcher in self._searchers:
                searcher.close()
            self._searchers.clear()
        self._local = threading.local()

    def refresh(self) -> None:
        self._searcher()

    def _searcher(self):
        """This thread's searcher, moved to the newest commit if there is one."""
        self._follow_rebuild()
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None and getattr(self._local, "identity", None) != self._identity:
            self._drop(searcher)  # it reads the index that was replaced
            searcher = None
        if searcher is None:
            searcher = self._ix.searcher(weighting=weighting())
        elif not searcher.up_to_date():
            # A new searcher, never Searcher.refresh(): whoosh3 3.54's refresh keeps the readers
            # of segments a merge has replaced, so an open engine counted merged articles twice
            # (found by tests/test_concurrency.py; pinned by a test in test_indexer.py).
            self._drop(searcher)
            searcher = self._ix.searcher(weighting=weighting())
        else:
            return searcher
        self._local.searcher = searcher
        self._local.identity = self._identity
        with self._searchers_lock:
            self._searchers.append(searcher)
        return searcher

    def _drop(self, searcher) -> None:
        with self._searchers_lock:
            if searcher in self._searchers:
                self._searchers.remove(searcher)
        searcher.close()

    def _columns_for(self, reader) -> _Columns:
        generation = (self._identity, reader.generation())
        columns = self._columns.get(generation)
        if columns is None:
            try:
                columns = _Columns(reader)
            except ColumnDamageError as exc:
                raise IndexDamagedError(str(self.path), str(exc)) from None
            with self._searchers_lock:
                if len(self._columns) > 2:  # keep the newest few; old searchers refresh soon
                    self._columns.pop(next(iter(self._columns)))
                self._columns[generation] = columns
        return columns

    def writer(self, *, bulk: bool = False) -> WhooshWriter:
        return WhooshWriter(self._ix, bulk)

    # -------------------------------------------------------------------------------- reading

    def stored_hashes(self) -> dict[str, str]:
        reader = self._searcher().reader()
        return self._columns_for(reader).hashes_by_id() if reader.doc_count() else {}

    def stored_digests(self) -> dict[str, str]:
        reader = self._searcher().reader()
        return self._columns_for(reader).ids_by_digest() if reader.doc_count() else {}

    def get(self, article_id: str) -> Article | None:
        stored = self._searcher().document(id=article_id)
        return stored_article(stored) if stored else None

    def iter_articles(self) -> Iterator[Article]:
        reader = self._searcher().reader()
        for _docnum, stored in reader.iter_docs():
            yield stored_article(stored)

    def terms_with_prefix(self, field: str | None, prefix: str) -> Iterator[str]:
        reader = self._searcher().reader()
        lexicons = [lexicon(reader, f, prefix) for f in TERM_FIELDS[field]]
        last = None
        for term in heapq.merge(*lexicons):
            if term != last:
                yield term
            last = term

    def doc_frequency(self, field: str, term: str) -> int:
        return self.doc_frequencies(field, [term])[0]

    def doc_frequencies(self, field: str, terms: list[str]) -> list[int]:
        (whoosh_field,) = TERM_FIELDS[field]
        reader = self._searcher().reader()
        return [reader.doc_frequency(whoosh_field, term) for term in terms]

    def stats(self) -> IndexStats:
        """Counted over every article, so cached per commit (the welcome page asks each time)."""
        self._follow_rebuild()
        generation = (self._identity, self._ix.latest_generation())
        cached = self._stats_cache
        if cached is not None and cached[0] == generation:
            return cached[1]
        stats = self._count_stats()
        self._stats_cache = (generation, stats)
        return stats

    def _count_stats(self) -> IndexStats:
        reader = self._searcher().reader()
        latest = self._ix.latest_generation()
        stats = IndexStats(
            path=str(self.path),
            engine=ENGINE_NAME,
            articles=reader.doc_count(),
            sources=[],
            first_date=None,
            last_date=None,
            undated=0,
            size_bytes=folder_size(self.path),
            schema_version=self.schema_version,
            generation=latest,
        )
        if not stats.articles:
            return stats
        columns = self._columns_for(reader)  # the same snapshot searches count over
        counted = columns.counted(columns.live, [])
        stats.sources = [
            FacetCount(v, c)
            for v, c in sorted(counted.source_counts.items(), key=lambda x: (-x[1], x[0]))
        ]
        stats.field_counts = counted.field_counts
        days = columns.days_sorted  # live, dated documents only, in day order
        stats.undated = len(columns.live) - len(days)
        stats.first_date = EPOCH + timedelta(days=days[0]) if days else None
        stats.last_date = EPOCH + timedelta(days=days[-1]) if days else None
        toc = self.path / f"_MAIN_{latest}.toc"
        with contextlib.suppress(OSError):  # a commit may replace the toc as we look
            stats.last_indexed = datetime.fromtimestamp(toc.stat().st_mtime, tz=timezone.utc)
        return stats

    # -------------------------------------------------------------------------------- searching

    def search(self, query: Node, request: SearchRequest) -> EngineResults:
        """One snapshot: the page plus counts over every match. A few matches expected (every
        word or phrase of an AND is rare, no filter): one pass of Whoosh's matcher scores them
        all and the counts come from its documents. Otherwise the matches are counted by set
        algebra over posting blocks (C speed) and a second pass ranks only the page."""
        searcher = self._searcher()
        if self._one_pass_pays(searcher.reader(), query, request):
            return self._search_in_one_pass(searcher, query, request)
        searcher, docnums, filtered = self._matching(query, request)
        if not docnums:
            return EngineResults(0, [])
        start = (request.page - 1) * request.page_size
        hits: list[MatchedArticle] = []
        if start < len(docnums):
            limit = start + request.page_size
            hits = list(
                self._ranked(searcher, query, docnums, filtered, limit, request.sort, skip=start)
            )
        return self._counted(searcher, docnums, hits)

    def counts(
        self, query: Node, request: SearchRequest, *, per_source: bool = False
    ) -> EngineResults:
        searcher, docnums, _ = self._matching(query, request)
        if not docnums:
            return EngineResults(0, [])
        return self._counted(searcher, docnums, [], per_source)

    def _counted(self, searcher, docnums, hits, per_source: bool = False) -> EngineResults:
        return self._columns_for(searcher.reader()).counted(docnums, hits, per_source)

    def _one_pass_pays(self, reader, query: Node, request: SearchRequest) -> bool:
        if request.sources or request.date_from or request.date_to or not reader.doc_count():
            return False
        estimate = estimated_matches(reader, query)
        return estimate is not None and estimate <= ONE_PASS_MAX_MATCHES

    def _search_in_one_pass(self, searcher, query: Node, request: SearchRequest) -> EngineResults:
        start = (request.page - 1) * request.page_size
        collector = TimeLimitCollector(
            searcher.collector(limit=None, sortedby=sort_keys(request.sort)),
            timelimit=SEARCH_TIME_LIMIT_SECONDS,
            use_alarm=False,
        )
        try:
            searcher.search_with_collector(translate(query), collector)
        except TimeLimit:
            raise QueryTooSlowError(SEARCH_TIME_LIMIT_SECONDS) from None
        results = collector.results()
        docnums = set(results.docs())
        if not docnums:
            return EngineResults(0, [])
        scored = request.sort == "relevance"
        hits = [
            MatchedArticle(
                stored_article(searcher.stored_fields(results.docnum(n))),
                float(results.score(n)) if scored else None,
            )
            for n in range(start, min(start + request.page_size, results.scored_length()))
        ]
        return self._counted(searcher, docnums, hits)

    def _ranked(
        self, searcher, query, docnums, filtered, limit, sort, skip: int = 0
    ) -> Iterator[MatchedArticle]:
        """Hits in the requested order; stored fields are read one hit at a time."""
        sortedby = sort_keys(sort)
        collector = collector_for(searcher, query, limit, sort, docnums if filtered else None)
        if limit is not None:  # a page for people: time-limited (exports stream on)
            collector = TimeLimitCollector(
                collector, timelimit=SEARCH_TIME_LIMIT_SECONDS, use_alarm=False
            )
        try:
            searcher.search_with_collector(translate(query), collector)
        except TimeLimit:
            raise QueryTooSlowError(SEARCH_TIME_LIMIT_SECONDS) from None
        results = collector.results()
        for index in range(skip, min(results.scored_length(), limit or results.scored_length())):
            score = results.score(index) if sortedby is None else None
            stored = searcher.stored_fields(results.docnum(index))
            yield MatchedArticle(
                stored_article(stored), float(score) if score is not None else None
            )

    def _matching(self, query: Node, request: SearchRequest) -> tuple:
        """(searcher, every matching live docnum, whether filters narrowed the query's own).
        The thread's last answer is kept for its searcher: a page's search and the count of its
        groups that follows ask the same (matching again was a fifth of a search's time)."""
        searcher = self._searcher()
        reader = searcher.reader()
        if not reader.doc_count():
            return searcher, set(), False
        key = (query, request.sources, request.date_from, request.date_to)
        last = getattr(self._local, "matching", None)
        if last is not None and last[0] is searcher and last[1] == key:
            return last[2]
        columns = self._columns_for(reader)
        docsets = DocSets(
            searcher,
            columns.live,
            columns.days_sorted,
            columns.docs_by_day,
            lambda phrase: set(searcher.docs_for_query(translate(phrase))),
        )
        matched = docsets(query)
        unfiltered = len(matched)
        if request.sources:
            matched &= set().union(*(columns.source_docs(s) for s in request.sources))
        if request.date_from or request.date_to:
            matched &= docsets.days(request.date_from, request.date_to)
        # A filter that keeps every match (the one outlet of a wire archive) is not passed on
        # to ranking, where a filter set stops Whoosh from skipping blocks that cannot place.
        self._local.matching = (searcher, key, (searcher, matched, len(matched) < unfiltered))
        return self._local.matching[2]

    def match_keys(self, query: Node, request: SearchRequest) -> dict[str, str]:
        searcher, docnums, _ = self._matching(query, request)
        if not docnums:
            return {}
        columns = self._columns_for(searcher.reader())
        ids, hashes = columns.ids, columns.hashes
        return {ids[n]: hashes[n] for n in docnums}

    def match_hashes(self, query: Node, request: SearchRequest) -> list[int]:
        searcher, docnums, _ = self._matching(query, request)
        hashes = self._columns_for(searcher.reader()).id_hashes if docnums else []
        return [hashes[n] for n in docnums]

    def ranked_ids(self, query: Node, request: SearchRequest) -> list[tuple[str, float | None]]:
        searcher, docnums, filtered = self._matching(query, request)
        if not docnums:
            return []
        ids = self._columns_for(searcher.reader()).ids
        sortedby = sort_keys(request.sort)  # by date, then id
        only = docnums if filtered else None
        collector = searcher.collector(limit=None, sortedby=sortedby, filter=only)
        searcher.search_with_collector(translate(query), collector)
        found = collector.results()
        if sortedby is not None:
            return [(ids[found.docnum(i)], None) for i in range(found.scored_length())]
        count = found.scored_length()
        ranked = sorted((-float(found.score(i)), ids[found.docnum(i)]) for i in range(count))
        return [(i, -score) for score, i in ranked]

    def iter_hits(self, query: Node, request: SearchRequest) -> Iterator[MatchedArticle]:
        searcher, docnums, filtered = self._matching(query, request)
        if docnums:
            yield from self._ranked(searcher, query, docnums, filtered, None, request.sort)
