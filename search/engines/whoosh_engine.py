"""The Whoosh engine: query translation, one-snapshot search, ranking, writers.

Whoosh specifics live in this package and nowhere else (the schema in ``whoosh_schema``, fast
match counting in ``whoosh_docsets``). Choices measured on this machine (see ARCHITECTURE.md):

* One searcher per thread, refreshed on use: opening one per query costs ~5x more, and Whoosh
  searchers are not safe to share between threads.
* Wildcards are expanded here against the lexicon with a cap, instead of Whoosh's unbounded
  expansion, so ``*a`` cannot take the server down.
* An open engine follows ``reindex --rebuild`` (a new ``morgue.json``) by reopening the index.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from math import log
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import scoring, sorting
from whoosh.collectors import TimeLimitCollector
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import TimeLimit

from search.article import Article
from search.engines.base import (
    META_FILE,
    SCHEMA_VERSION,
    SEARCH_TIME_LIMIT_SECONDS,
    Engine,
    EngineResults,
    EngineWriter,
    IndexStats,
    MatchedArticle,
    check_meta,
    folder_size,
    meta_index_id,
    write_meta,
)
from search.engines.whoosh_docsets import DocSets, term_docs
from search.engines.whoosh_schema import (
    EPOCH,
    UNDATED_DAY,
    ColumnDamageError,
    _Columns,
    _epoch,
    article_fields,
    build_schema,
    stored_article,
)
from search.engines.whoosh_storage import DurableFileStorage, create_index, open_index
from search.errors import (
    IndexDamagedError,
    IndexLockedError,
    IndexNotFoundError,
    QueryTooSlowError,
    SchemaMismatchError,
)
from search.query import (
    And,
    DateRange,
    MatchAll,
    MatchNone,
    Node,
    Not,
    Or,
    Phrase,
    Term,
    Wildcard,
    WildcardExpander,
)
from search.types import FacetCount, SearchRequest

ENGINE_NAME = "whoosh"
# Ranking parameters, tuned on Cranfield and CISI only (see benchmarks/RESULTS.md).
TITLE_BOOST = 1.0  # BM25F already favours short fields; 1.5-3.0 ranked worse on both
BM25_K1 = 1.2
BM25_B = 0.75
LOCK_TIMEOUT_SECONDS = 3.0
TEXT_FIELDS = ("title", "body")


class LuceneBM25F(scoring.BM25F):
    """BM25F with Lucene's (Robertson-Sparck Jones) IDF instead of Whoosh's ``log(N/(df+1)) + 1``.

    Whoosh's formula flattens the difference between rare and common words and, for words in most
    documents, goes below the IDF of a word in none; on Cranfield and CISI it ranked a little
    below other BM25 implementations. Lucene's ``log(1 + (N - df + 0.5) / (df + 0.5))`` is what
    the BM25 literature (and tantivy, and Elasticsearch) use. Live documents only, like Lucene.
    """

    def idf(self, searcher, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        df = parent.doc_frequency(fieldname, text)
        n = parent.doc_count()
        return log(1 + (n - df + 0.5) / (df + 0.5))


class WhooshWriter(EngineWriter):
    """Whoosh's writer with the semantics of the engine seam.

    Whoosh cannot delete or replace a document it has buffered but not committed: an update or a
    delete of an id written earlier in the same writer would leave both versions. So writes are
    kept per id and handed to Whoosh at commit, the last one for each id winning (the indexer
    bounds a batch in articles and in bytes). The bulk writer of a first build streams instead,
    for its two processes to overlap with parsing; there every id must be new and written once.
    """

    def __init__(self, ix, bulk: bool) -> None:
        self._indexed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._bulk = bulk and (os.cpu_count() or 1) > 1
        self._ops: dict[str, tuple[str, Article | None, str | None]] = {}
        self._streamed: set[str] = set()
        try:
            if self._bulk:
                self._writer = ix.writer(procs=2, multisegment=True, limitmb=128)
            else:
                self._writer = ix.writer(timeout=LOCK_TIMEOUT_SECONDS, limitmb=128)
        except whoosh_index.LockError:
            raise IndexLockedError(str(ix.storage.folder)) from None

    def _fields(self, article: Article, raw_digest: str | None) -> dict:
        return article_fields(article, self._indexed_at, raw_digest)

    def add(self, article: Article, raw_digest: str | None = None) -> None:
        if self._bulk:
            if article.id in self._streamed:
                raise ValueError(f"id {article.id!r} written twice in one bulk write")
            self._streamed.add(article.id)
            self._writer.add_document(**self._fields(article, raw_digest))
            return
        earlier = self._ops.get(article.id)
        kind = "add" if earlier is None or earlier[0] == "add" else "update"
        self._ops[article.id] = (kind, article, raw_digest)

    def update(self, article: Article, raw_digest: str | None = None) -> None:
        if self._bulk:
            raise ValueError("the bulk writer only adds new articles")
        self._ops[article.id] = ("update", article, raw_digest)

    def delete(self, article_id: str) -> None:
        if self._bulk:
            raise ValueError("the bulk writer only adds new articles")
        earlier = self._ops.get(article_id)
        if earlier is not None and earlier[0] == "add":
            del self._ops[article_id]  # never committed: nothing to delete
        else:
            self._ops[article_id] = ("delete", None, None)

    def commit(self) -> None:
        writer = self._writer
        for article_id, (kind, article, raw_digest) in self._ops.items():
            if kind == "add":
                writer.add_document(**self._fields(article, raw_digest))
            elif kind == "update":
                writer.update_document(**self._fields(article, raw_digest))
            else:
                writer.delete_by_term("id", article_id)
        self._ops.clear()
        writer.commit()

    def cancel(self) -> None:
        self._ops.clear()
        self._writer.cancel()


class WhooshEngine(Engine):
    name = ENGINE_NAME

    def __init__(self, path: Path, ix) -> None:
        self.path = Path(path)
        self._ix = ix
        self._local = threading.local()
        self._searchers: list = []
        self._searchers_lock = threading.Lock()
        self._stats_cache: tuple[int, IndexStats] | None = None
        self._columns: dict[tuple, _Columns] = {}
        self._identity = self._folder_identity()

    def _folder_identity(self) -> tuple[int, int] | None:
        """Which index lives in the folder: ``reindex --rebuild`` swaps in a new ``morgue.json``."""
        try:
            info = (self.path / META_FILE).stat()
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns

    def _follow_rebuild(self) -> None:
        """A rebuilt index restarts its generation numbers: reopen it, never refresh into it."""
        identity = self._folder_identity()
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
    def open(cls, path, storage: FileStorage | None = None) -> WhooshEngine:
        """Open an index; ``storage`` defaults to the durable one (tests pass their own)."""
        path = Path(path)
        check_meta(path, ENGINE_NAME)
        # Not whoosh's exists_in(): it unpickles the stored schema, which is exactly what breaks
        # when an analyzer class has moved. We never read the stored schema at all.
        if not any(path.glob("_MAIN_*.toc")):
            raise IndexNotFoundError(str(path))
        try:
            ix = open_index(storage or DurableFileStorage(str(path)), build_schema())
        except (OSError, EOFError, ValueError, AttributeError, ImportError) as exc:
            raise SchemaMismatchError(
                str(path), f"unreadable ({type(exc).__name__}: {exc})", SCHEMA_VERSION
            ) from exc
        return cls(path, ix)

    @classmethod
    def create(
        cls, path, storage: FileStorage | None = None, index_id: str | None = None
    ) -> WhooshEngine:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        write_meta(path, ENGINE_NAME, index_id)
        ix = create_index(storage or DurableFileStorage(str(path)), build_schema())
        return cls(path, ix)

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
            with self._searchers_lock:  # it reads the index that was replaced
                if searcher in self._searchers:
                    self._searchers.remove(searcher)
            searcher.close()
            searcher = None
        if searcher is None:
            searcher = self._ix.searcher(weighting=LuceneBM25F(B=BM25_B, K1=BM25_K1))
        elif not searcher.up_to_date():
            # A new searcher, never Searcher.refresh(): whoosh3 3.54's refresh keeps the readers
            # of segments a merge has replaced, so an open engine counted merged articles twice
            # (found by tests/test_concurrency.py; pinned by a test in test_indexer.py).
            with self._searchers_lock:
                if searcher in self._searchers:
                    self._searchers.remove(searcher)
            searcher.close()
            searcher = self._ix.searcher(weighting=LuceneBM25F(B=BM25_B, K1=BM25_K1))
        else:
            return searcher
        self._local.searcher = searcher
        self._local.identity = self._identity
        with self._searchers_lock:
            self._searchers.append(searcher)
        return searcher

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
        searcher = self._searcher()
        reader = searcher.reader()
        if not reader.doc_count():
            return {}
        columns = self._columns_for(reader)
        ids, hashes = columns.ids, columns.hashes
        return {ids[n]: hashes[n] for n in reader.all_doc_ids()}

    def stored_digests(self) -> dict[str, str]:
        reader = self._searcher().reader()
        if not reader.doc_count():
            return {}
        columns = self._columns_for(reader)
        return {
            columns.digests[n].decode("ascii", "replace"): columns.ids[n]
            for n in reader.all_doc_ids()
            if columns.digests[n]
        }

    def get(self, article_id: str) -> Article | None:
        stored = self._searcher().document(id=article_id)
        return stored_article(stored) if stored else None

    def iter_articles(self) -> Iterator[Article]:
        reader = self._searcher().reader()
        for _docnum, stored in reader.iter_docs():
            yield stored_article(stored)

    def more_like(self, article_id: str, count: int = 5) -> list[Article]:
        searcher = self._searcher()
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            return []
        results = searcher.more_like(docnum, "body", top=count)
        if not results.scored_length():
            results = searcher.more_like(docnum, "title", top=count)
        return [stored_article(hit.fields()) for hit in results]

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
        searcher = self._searcher()
        reader = searcher.reader()
        sources: Counter[str] = Counter()
        if not reader.doc_count():
            return IndexStats(
                path=str(self.path),
                engine=ENGINE_NAME,
                articles=0,
                sources=[],
                first_date=None,
                last_date=None,
                undated=0,
                size_bytes=folder_size(self.path),
                schema_version=SCHEMA_VERSION,
                generation=self._ix.latest_generation(),
                index_id=meta_index_id(self.path),
            )
        columns = self._columns_for(reader)  # the same snapshot searches count over
        codes = Counter(columns.source_codes[n] for n in columns.live)
        sources = Counter({columns.source_names[code]: n for code, n in codes.items()})
        days = columns.days_sorted  # live, dated documents only, in day order
        undated = len(columns.live) - len(days)
        first_day = EPOCH + timedelta(days=days[0]) if days else None
        last_day = EPOCH + timedelta(days=days[-1]) if days else None
        last_indexed = None
        latest = self._ix.latest_generation()
        toc = self.path / f"_MAIN_{latest}.toc"
        if toc.exists():
            last_indexed = datetime.fromtimestamp(toc.stat().st_mtime, tz=timezone.utc)
        return IndexStats(
            path=str(self.path),
            engine=ENGINE_NAME,
            articles=reader.doc_count(),
            sources=[
                FacetCount(v, c) for v, c in sorted(sources.items(), key=lambda x: (-x[1], x[0]))
            ],
            first_date=first_day,
            last_date=last_day,
            undated=undated,
            size_bytes=folder_size(self.path),
            schema_version=SCHEMA_VERSION,
            last_indexed=last_indexed,
            generation=latest,
            index_id=meta_index_id(self.path),
        )

    # -------------------------------------------------------------------------------- searching

    def search(self, query: Node, request: SearchRequest) -> EngineResults:
        searcher, wquery, filters, docnums = self._matching(query, request)
        if wquery is None:
            return EngineResults(0, [])
        total = len(docnums)
        columns = self._columns_for(searcher.reader())
        codes, day_of = columns.source_codes, columns.days
        source_counts = Counter(codes[d] for d in docnums)
        day_counts = Counter(day_of[d] for d in docnums)
        day_counts.pop(UNDATED_DAY, None)
        sources = {columns.source_names[code]: n for code, n in source_counts.items()}
        days = {EPOCH + timedelta(days=day): n for day, n in day_counts.items()}

        start = (request.page - 1) * request.page_size
        hits: list[MatchedArticle] = []
        if total and start < total:
            limit = start + request.page_size
            hits = list(
                self._ranked(searcher, wquery, filters, docnums, limit, request.sort, skip=start)
            )
        return EngineResults(total, hits, sources, days)

    def _ranked(
        self, searcher, wquery, filters, docnums, limit, sort, skip: int = 0
    ) -> Iterator[MatchedArticle]:
        """Hits in the requested order; stored fields are read one hit at a time."""
        sortedby = None
        if sort == "newest":
            sortedby = [sorting.FieldFacet("date_desc"), sorting.FieldFacet("id")]
        elif sort == "oldest":
            sortedby = [sorting.FieldFacet("date"), sorting.FieldFacet("id")]
        collector = searcher.collector(
            limit=limit, sortedby=sortedby, filter=docnums if filters is not None else None
        )
        if limit is not None:  # a page for people: time-limited (exports stream on)
            collector = TimeLimitCollector(
                collector, timelimit=SEARCH_TIME_LIMIT_SECONDS, use_alarm=False
            )
        try:
            searcher.search_with_collector(wquery, collector)
        except TimeLimit:
            raise QueryTooSlowError(SEARCH_TIME_LIMIT_SECONDS) from None
        results = collector.results()
        for index in range(skip, results.scored_length()):
            score = results.score(index) if sortedby is None else None
            stored = searcher.stored_fields(results.docnum(index))
            yield MatchedArticle(
                stored_article(stored), float(score) if score is not None else None
            )

    def _matching(self, query: Node, request: SearchRequest):
        searcher = self._searcher()
        reader = searcher.reader()
        if not reader.doc_count():
            return searcher, None, None, set()
        expand = WildcardExpander(lambda field, prefix: _lexicon(reader, field, prefix))
        wquery = self._translate(query, expand)
        filters = self._filters(request)
        columns = self._columns_for(reader)
        docsets = DocSets(
            searcher,
            columns.live,
            columns.days_sorted,
            columns.docs_by_day,
            expand,
            lambda phrase: set(searcher.docs_for_query(self._translate(phrase, expand))),
        )
        matched = docsets(query)
        if request.sources:
            matched &= set().union(
                *(term_docs(reader, "source", s.casefold()) for s in request.sources)
            )
        if request.date_from or request.date_to:
            matched &= docsets.days(request.date_from, request.date_to)
        return searcher, wquery, filters, matched

    def match_keys(self, query: Node, request: SearchRequest) -> dict[str, str]:
        searcher, _, _, docnums = self._matching(query, request)
        if not docnums:
            return {}
        columns = self._columns_for(searcher.reader())
        ids, hashes = columns.ids, columns.hashes
        return {ids[n]: hashes[n] for n in docnums}

    def iter_hits(self, query: Node, request: SearchRequest) -> Iterator[MatchedArticle]:
        searcher, wquery, filters, docnums = self._matching(query, request)
        if docnums:
            yield from self._ranked(searcher, wquery, filters, docnums, None, request.sort)

    def _filters(self, request: SearchRequest):
        parts = []
        if request.sources:
            parts.append(wq.Or([wq.Term("source", s.casefold()) for s in request.sources]))
        if request.date_from or request.date_to:
            parts.append(self._date_range(DateRange(request.date_from, request.date_to)))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    @staticmethod
    def _date_range(node: DateRange):
        start = _epoch(node.start) if node.start else None
        end = _epoch(node.end, end=True) if node.end else None
        return wq.NumericRange("date", start, end)

    def _translate(self, node: Node, expand):
        if isinstance(node, MatchAll):
            return wq.Every()
        if isinstance(node, MatchNone):
            return wq.NullQuery
        if isinstance(node, And):
            return wq.And([self._translate(c, expand) for c in node.children])
        if isinstance(node, Or):
            return wq.Or([self._translate(c, expand) for c in node.children])
        if isinstance(node, Not):
            return wq.Not(self._translate(node.child, expand))
        if isinstance(node, DateRange):
            return self._date_range(node)
        if isinstance(node, Term):
            if node.field is None:
                return wq.Or(
                    [
                        wq.Term("title", node.text, boost=TITLE_BOOST * node.boost),
                        wq.Term("body", node.text, boost=node.boost),
                    ]
                )
            return wq.Term(node.field, node.text, boost=node.boost)
        if isinstance(node, Phrase):
            # Whoosh's slop counts the step between neighbours: 1 is adjacent.
            slop = node.slop + 1
            if node.field is None:
                return wq.Or(
                    [
                        wq.Phrase("title", list(node.terms), slop=slop, boost=TITLE_BOOST),
                        wq.Phrase("body", list(node.terms), slop=slop),
                    ]
                )
            return wq.Phrase(node.field, list(node.terms), slop=slop)
        if isinstance(node, Wildcard):
            fields = TEXT_FIELDS if node.field is None else (node.field,)
            terms = []
            for field in fields:
                boost = TITLE_BOOST if field == "title" and node.field is None else 1.0
                terms.extend(wq.Term(field, t, boost=boost) for t in expand(field, node.pattern))
            return wq.Or(terms) if terms else wq.NullQuery
        raise TypeError(f"cannot translate {node!r}")  # pragma: no cover


def _lexicon(reader, field: str, prefix: str) -> Iterator[str]:
    candidates = reader.expand_prefix(field, prefix) if prefix else reader.lexicon(field)
    for raw in candidates:
        yield raw.decode("utf-8") if isinstance(raw, bytes) else raw
