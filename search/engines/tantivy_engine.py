"""The tantivy engine: the same Morgue on a Rust index, for archives of millions of articles.

tantivy specifics live in this module and ``tantivy_schema`` and nowhere else. How it keeps the
same behaviour as the Whoosh engine (the contract tests run every check on both):

* Terms are made by our own analyzer in Python (``index_text``) and indexed with tantivy's
  whitespace tokenizer, so both engines hold exactly the same terms at the same positions, and a
  query tree parsed once matches the same articles on either.
* Proximity keeps our meaning (the words in order, each within N positions of the last).
  tantivy's sloppy phrase also accepts words out of order, so for a slop of 2 or more its matches
  are candidates that are checked against the stored text; the verified set joins the query as a
  set of ids. Exact phrases and a slop of 1 need no check.
* Wildcards are expanded here against the term dictionary with the same cap as Whoosh.
* Totals come from tantivy's count, source facets and the day histogram from its aggregations,
  over the same searcher as the page of hits.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from math import log
from pathlib import Path

import tantivy

from search.analysis import analyze_terms
from search.article import Article
from search.engines.base import (
    META_FILE,
    SCHEMA_VERSION,
    SEARCH_TIME_LIMIT_SECONDS,
    Engine,
    EngineResults,
    EngineWriter,
    MatchedArticle,
    check_meta,
    folder_size,
    meta_index_id,
    write_meta,
)
from search.engines.tantivy_schema import (
    TANTIVY_META,
    build_schema,
    document,
    split_keys,
    stored_article,
    text_fields,
)
from search.errors import IndexLockedError, IndexNotFoundError, QueryTooSlowError
from search.highlight import phrase_occurs
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
from search.types import FacetCount, IndexStats, SearchRequest

ENGINE_NAME = "tantivy"
LOCK_TIMEOUT_SECONDS = 3.0
WRITER_HEAP_BYTES = 256_000_000
PAGE = 2_000  # hits read per batch when every match is streamed
SECONDS_PER_DAY = 86_400
EPOCH = date(1970, 1, 1)
MORE_LIKE_TERMS = 25
_MAX_AGG_BUCKETS = 65_000
ASC = tantivy.Order.Asc


class TantivyWriter(EngineWriter):
    """One tantivy writer per run: commits keep it (and its lock) until the engine closes."""

    def __init__(self, engine: TantivyEngine) -> None:
        self._engine = engine
        self._indexed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
        while True:
            try:
                self._writer = engine._index.writer(heap_size=WRITER_HEAP_BYTES)
                break
            except ValueError as exc:
                if "LockBusy" not in str(exc) or time.monotonic() >= deadline:
                    if "LockBusy" in str(exc):
                        raise IndexLockedError(str(engine.path)) from None
                    raise
                time.sleep(0.05)

    def add(self, article: Article, raw_digest: str | None = None) -> None:
        self._writer.add_document(document(article, self._indexed_at, raw_digest))

    def update(self, article: Article, raw_digest: str | None = None) -> None:
        self._writer.delete_documents_by_term("id", article.id)
        self._writer.add_document(document(article, self._indexed_at, raw_digest))

    def delete(self, article_id: str) -> None:
        self._writer.delete_documents_by_term("id", article_id)

    def commit(self) -> None:
        self._writer.commit()

    def cancel(self) -> None:
        self._writer.rollback()

    def close(self) -> None:
        """Wait for background merges and release the lock."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.wait_merging_threads()


class TantivyEngine(Engine):
    name = ENGINE_NAME

    def __init__(self, path: Path, index) -> None:
        self.path = Path(path)
        self._index = index
        self._schema = index.schema
        self._lock = threading.Lock()
        self._writer: TantivyWriter | None = None
        self._identity = self._folder_identity()
        self._commit_stamp = self._meta_stamp()
        self._stats_cache: tuple[tuple, IndexStats] | None = None

    # -------------------------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, path) -> TantivyEngine:
        path = Path(path)
        check_meta(path, ENGINE_NAME)
        if not (path / TANTIVY_META).exists():
            raise IndexNotFoundError(str(path))
        try:
            index = tantivy.Index.open(str(path))
        except (OSError, ValueError) as exc:
            from search.errors import SchemaMismatchError

            raise SchemaMismatchError(
                str(path), f"unreadable ({type(exc).__name__}: {exc})", SCHEMA_VERSION
            ) from exc
        return cls(path, index)

    @classmethod
    def create(cls, path, index_id: str | None = None) -> TantivyEngine:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        write_meta(path, ENGINE_NAME, index_id)
        index = tantivy.Index(build_schema(), path=str(path), reuse=False)
        return cls(path, index)

    def close(self) -> None:
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def writer(self, *, bulk: bool = False) -> TantivyWriter:
        with self._lock:
            if self._writer is None:
                self._writer = TantivyWriter(self)
            return self._writer

    def _folder_identity(self) -> tuple[int, int] | None:
        try:
            info = (self.path / META_FILE).stat()
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns

    def _meta_stamp(self) -> tuple[int, int, int] | None:
        try:
            info = (self.path / TANTIVY_META).stat()
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns, info.st_size

    def refresh(self) -> None:
        self._searcher()

    def _searcher(self):
        """A searcher on the newest commit; a rebuilt index (new ``morgue.json``) is reopened."""
        identity = self._folder_identity()
        if identity is not None and identity != self._identity:
            with self._lock:
                if identity != self._identity:
                    self._index = tantivy.Index.open(str(self.path))
                    self._schema = self._index.schema
                    self._identity = identity
                    self._commit_stamp = None
                    self._stats_cache = None
        stamp = self._meta_stamp()
        if stamp != self._commit_stamp:
            self._index.reload()
            self._commit_stamp = stamp
        return self._index.searcher()

    # -------------------------------------------------------------------------------- reading

    @staticmethod
    def _keys(searcher, query) -> Iterator[tuple[str, str, str]]:
        """(id, content hash, raw digest) of every match, from the ``keys`` column."""
        total = searcher.search(query, 1).count
        if total:
            found = searcher.search(query, total, count=False, order_by_field="keys")
            for value, _address in found.hits:
                yield split_keys(value)

    def stored_hashes(self) -> dict[str, str]:
        return {i: h for i, h, _ in self._keys(self._searcher(), tantivy.Query.all_query())}

    def stored_digests(self) -> dict[str, str]:
        return {d: i for i, _, d in self._keys(self._searcher(), tantivy.Query.all_query()) if d}

    def _doc(self, searcher, address) -> Article:
        return stored_article(searcher.doc(address))

    def get(self, article_id: str) -> Article | None:
        searcher = self._searcher()
        found = searcher.search(tantivy.Query.term_query(self._schema, "id", article_id), 1)
        return self._doc(searcher, found.hits[0][1]) if found.hits else None

    def iter_articles(self) -> Iterator[Article]:
        """Every stored article, oldest first, read a page at a time from one snapshot."""
        searcher = self._searcher()
        query = tantivy.Query.all_query()
        total = searcher.search(query, 1).count
        for offset in range(0, total, PAGE):
            found = self._ranked(searcher, query, "oldest", PAGE, offset)
            for _, address in found.hits:
                yield self._doc(searcher, address)

    def more_like(self, article_id: str, count: int = 5) -> list[Article]:
        """The article's most telling body terms (tf-idf), searched as an OR, itself excluded."""
        article = self.get(article_id)
        if article is None:
            return []
        searcher = self._searcher()
        n = max(searcher.num_docs, 1)
        weights: Counter[str] = Counter()
        for field, text in (("body", article.body), ("title", article.title)):
            tf = Counter(analyze_terms(text))
            for term, freq in tf.items():
                df = searcher.doc_freq(f"{field}_terms", term)
                if 1 < df < n:
                    weights[(field, term)] += freq * log(n / df)
        if not weights:
            return []
        clauses = [
            (
                tantivy.Occur.Should,
                tantivy.Query.term_query(self._schema, f"{field}_terms", term),
            )
            for (field, term), _ in weights.most_common(MORE_LIKE_TERMS)
        ]
        clauses.append(
            (tantivy.Occur.MustNot, tantivy.Query.term_query(self._schema, "id", article_id))
        )
        found = searcher.search(tantivy.Query.boolean_query(clauses), count)
        return [self._doc(searcher, address) for _, address in found.hits]

    def stats(self) -> IndexStats:
        searcher = self._searcher()
        stamp = (self._identity, self._commit_stamp)
        cached = self._stats_cache
        if cached is not None and cached[0] == stamp:
            return cached[1]
        stats = self._count_stats(searcher)
        self._stats_cache = (stamp, stats)
        return stats

    def _meta(self) -> dict:
        try:
            return json.loads((self.path / TANTIVY_META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _count_stats(self, searcher) -> IndexStats:
        everything = tantivy.Query.all_query()
        articles = searcher.num_docs
        sources: dict[str, int] = {}
        first = last = None
        dated = 0
        if articles:
            aggs = searcher.aggregate(
                everything,
                {
                    "sources": {"terms": {"field": "source_name", "size": _MAX_AGG_BUCKETS}},
                    "dates": {"stats": {"field": "date"}},
                },
            )
            sources = {b["key"]: b["doc_count"] for b in aggs["sources"]["buckets"]}
            dated = int(aggs["dates"]["count"])
            if dated:
                first = _day(aggs["dates"]["min"])
                last = _day(aggs["dates"]["max"])
        meta = self._meta()
        last_indexed = None
        try:
            modified = (self.path / TANTIVY_META).stat().st_mtime
            last_indexed = datetime.fromtimestamp(modified, tz=timezone.utc) if articles else None
        except OSError:
            pass
        return IndexStats(
            path=str(self.path),
            engine=ENGINE_NAME,
            articles=articles,
            sources=[
                FacetCount(v, c) for v, c in sorted(sources.items(), key=lambda x: (-x[1], x[0]))
            ],
            first_date=first,
            last_date=last,
            undated=articles - dated,
            size_bytes=folder_size(self.path),
            schema_version=SCHEMA_VERSION,
            last_indexed=last_indexed,
            generation=int(meta.get("opstamp", 0)),
            index_id=meta_index_id(self.path),
        )

    # -------------------------------------------------------------------------------- searching

    def _query(self, searcher, node: Node, request: SearchRequest):
        """The tantivy query for ``node`` with the request's source and date filters."""
        query = _Translator(self._schema, searcher).translate(node)
        filters = []
        if request.sources:
            filters.append(
                tantivy.Query.term_set_query(
                    self._schema, "source_key", [s.casefold() for s in request.sources]
                )
            )
        if request.date_from or request.date_to:
            filters.append(_date_query(self._schema, request.date_from, request.date_to))
        if not filters:
            return query
        clauses = [(tantivy.Occur.Must, query)]
        clauses += [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
        return tantivy.Query.boolean_query(clauses)

    def search(self, query: Node, request: SearchRequest) -> EngineResults:
        searcher = self._searcher()
        if not searcher.num_docs:
            return EngineResults(0, [])
        tquery = self._query(searcher, query, request)
        start = (request.page - 1) * request.page_size
        found = self._ranked(searcher, tquery, request.sort, request.page_size, start)
        total = found.count
        if not total:
            return EngineResults(0, [])
        aggs = searcher.aggregate(
            tquery,
            {
                "sources": {"terms": {"field": "source_name", "size": _MAX_AGG_BUCKETS}},
                "days": {
                    "histogram": {"field": "date", "interval": SECONDS_PER_DAY, "min_doc_count": 1}
                },
            },
        )
        sources = {b["key"]: b["doc_count"] for b in aggs["sources"]["buckets"]}
        days = {_day(b["key"]): b["doc_count"] for b in aggs["days"]["buckets"] if b["doc_count"]}
        hits = [self._hit(searcher, key, address, request.sort) for key, address in found.hits]
        return EngineResults(total, hits, sources, days)

    def _ranked(self, searcher, tquery, sort: str, limit: int, offset: int):
        if sort == "relevance":
            return searcher.search(tquery, limit, count=True, offset=offset)
        # Undated articles carry the largest key in both sort fields, so they come last.
        return searcher.search(
            tquery,
            limit,
            count=True,
            order_by_field="newest" if sort == "newest" else "oldest",
            offset=offset,
            order=tantivy.Order.Asc,
        )

    def _hit(self, searcher, key, address, sort: str) -> MatchedArticle:
        score = float(key) if sort == "relevance" else None
        return MatchedArticle(self._doc(searcher, address), score)

    def match_keys(self, query: Node, request: SearchRequest) -> dict[str, str]:
        searcher = self._searcher()
        if not searcher.num_docs:
            return {}
        return {i: h for i, h, _ in self._keys(searcher, self._query(searcher, query, request))}

    def iter_hits(self, query: Node, request: SearchRequest) -> Iterator[MatchedArticle]:
        searcher = self._searcher()
        if not searcher.num_docs:
            return
        tquery = self._query(searcher, query, request)
        total = searcher.search(tquery, 1).count
        for offset in range(0, total, PAGE):
            found = self._ranked(searcher, tquery, request.sort, PAGE, offset)
            for key, address in found.hits:
                yield self._hit(searcher, key, address, request.sort)


def _any(queries: list):
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _day(seconds: float) -> date:
    return EPOCH + timedelta(days=int(seconds) // SECONDS_PER_DAY)


def _seconds(day: date, end: bool = False) -> int:
    moment = datetime.combine(day, datetime.max.time() if end else datetime.min.time())
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def _date_query(schema, start: date | None, end: date | None):
    return tantivy.Query.range_query(
        schema,
        "date",
        tantivy.FieldType.Integer,
        _seconds(start) if start else None,
        _seconds(end, end=True) if end else None,
    )


class _Translator:
    """Our query tree -> a tantivy query, against one searcher (wildcards read its terms)."""

    def __init__(self, schema, searcher) -> None:
        self.schema = schema
        self.searcher = searcher
        self.expand = WildcardExpander(
            lambda field, prefix: (t for t, _ in searcher.terms_with_prefix(field, prefix))
        )

    def translate(self, node: Node):
        Q, Occur = tantivy.Query, tantivy.Occur
        if isinstance(node, MatchAll):
            return Q.all_query()
        if isinstance(node, MatchNone):
            return Q.empty_query()
        if isinstance(node, And):
            return Q.boolean_query([(Occur.Must, self.translate(c)) for c in node.children])
        if isinstance(node, Or):
            return Q.boolean_query([(Occur.Should, self.translate(c)) for c in node.children])
        if isinstance(node, Not):
            return Q.boolean_query(
                [(Occur.Must, Q.all_query()), (Occur.MustNot, self.translate(node.child))]
            )
        if isinstance(node, DateRange):
            return _date_query(self.schema, node.start, node.end)
        if isinstance(node, Term):
            return self._either(node.field, lambda f: self._term(f, node.text), node.boost)
        if isinstance(node, Phrase):
            return self._either(node.field, lambda f: self._phrase(f, node), 1.0)
        if isinstance(node, Wildcard):
            return self._either(node.field, lambda f: self._wildcard(f, node.pattern), 1.0)
        raise TypeError(f"cannot translate {node!r}")  # pragma: no cover

    def _either(self, field: str | None, make, boost: float):
        fields = text_fields(field)
        parts = [make(f) for f in fields]
        query = parts[0] if len(parts) == 1 else _any(parts)
        return tantivy.Query.boost_query(query, boost) if boost != 1.0 else query

    def _term(self, field: str, text: str):
        return tantivy.Query.term_query(self.schema, field, text)

    def _phrase(self, field: str, node: Phrase):
        """Our slop N: each word within N+1 positions after the one before, in order.

        tantivy's slop S with word offsets o lets each word stand within S positions of its
        offset, on either side. So a slop of 0, or 1 with distinct words, is the same rule; a
        pair of words is made exact by shifting the second word's offset to the middle of the
        allowed distances; longer sloppy phrases take tantivy's (looser) matches as candidates
        and check them against the stored text.
        """
        terms = list(node.terms)
        slop = node.slop
        Q = tantivy.Query
        if slop == 0 or (slop == 1 and len(set(terms)) == len(terms)):
            return Q.phrase_query(self.schema, field, terms, slop)
        if len(terms) == 2:
            first, second = terms
            half = slop // 2  # distances 1 .. 1 + 2*half in one query
            parts = [Q.phrase_query(self.schema, field, [(0, first), (1 + half, second)], half)]
            if slop % 2:  # and the one distance an odd slop leaves over
                parts.append(Q.phrase_query(self.schema, field, [(0, first), (slop + 1, second)]))
            return parts[0] if len(parts) == 1 else _any(parts)
        query = Q.phrase_query(self.schema, field, terms, slop)
        ids = self._verified(query, field, node)
        return Q.boolean_query(
            [
                (tantivy.Occur.Must, query),
                (
                    tantivy.Occur.Must,
                    Q.const_score_query(Q.term_set_query(self.schema, "id", ids), 0.0),
                ),
            ]
        )

    def _verified(self, query, field: str, node: Phrase) -> list[str]:
        total = self.searcher.search(query, 1).count
        if not total:
            return []
        ids = []
        stored = field.removesuffix("_terms")
        deadline = time.monotonic() + SEARCH_TIME_LIMIT_SECONDS
        for n, (_, address) in enumerate(self.searcher.search(query, total, count=False).hits):
            if n % 64 == 0 and time.monotonic() > deadline:
                raise QueryTooSlowError(SEARCH_TIME_LIMIT_SECONDS)
            article = stored_article(self.searcher.doc(address))
            if phrase_occurs(getattr(article, stored) or "", node, stored):
                ids.append(article.id)
        return ids

    def _wildcard(self, field: str, pattern: str):
        found = self.expand(field, pattern)
        if not found:
            return tantivy.Query.empty_query()
        return _any([self._term(field, t) for t in found])
