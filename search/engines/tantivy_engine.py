"""The tantivy engine: the same Morgue on a Rust index, for archives of millions of articles.

tantivy specifics live in this module, ``tantivy_schema``, ``tantivy_query``,
``tantivy_counts`` and ``tantivy_writer`` and nowhere else. How it keeps the same behaviour as
the Whoosh engine (the contract tests run every check on both):

* Terms are made by our own analyzer before they reach the engine and indexed with tantivy's
  whitespace tokenizer, so both engines hold exactly the same terms at the same positions, and a
  query tree parsed once matches the same articles on either.
* Proximity keeps our meaning (``tantivy_query``).
* Totals come from tantivy's count, source facets and the day histogram from its aggregations,
  over the same searcher as the page of hits.
"""

from __future__ import annotations

import heapq
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import tantivy

from search.engines import tantivy_counts
from search.engines.base import damage, folder_identity, folder_size, split_keys
from search.engines.tantivy_query import Translator, date_query, is_loose, loose_phrase_query
from search.engines.tantivy_schema import (
    TANTIVY_META,
    build_schema,
    day_counts,
    epoch_day,
    field_counts,
    stored_article,
    stored_fields,
    text_fields,
)
from search.engines.tantivy_writer import TantivyWriter
from search.errors import IndexDamagedError, IndexNotFoundError
from search.keys import HEADLINE_GAP, id_hash
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

ENGINE_NAME = "tantivy"
PAGE = 2_000  # hits read per batch when every match is streamed


class TantivyEngine(Engine):
    name = ENGINE_NAME
    exact_proximity = False  # its sloppy phrase accepts reordered words: see tantivy_query

    def __init__(self, path: Path, index, schema_version: str) -> None:
        self.path = Path(path)
        self.schema_version = schema_version
        self._index = index
        self._schema = index.schema
        self._lock = threading.Lock()
        self._writer: TantivyWriter | None = None
        self._identity = folder_identity(self.path)
        self._commit_stamp = self._meta_stamp()
        self._stats_cache: tuple[tuple, IndexStats] | None = None

    # -------------------------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, path, schema_version: str) -> TantivyEngine:
        path = Path(path)
        if not (path / TANTIVY_META).exists():
            raise IndexNotFoundError(str(path))
        try:
            index = tantivy.Index.open(str(path))
        except (OSError, ValueError) as exc:
            raise IndexDamagedError(str(path), damage(exc)) from exc
        return cls(path, index, schema_version)

    @classmethod
    def create(cls, path, schema_version: str) -> TantivyEngine:
        index = tantivy.Index(build_schema(), path=str(path), reuse=False)
        return cls(Path(path), index, schema_version)

    def close(self) -> None:
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def writer(self, *, bulk: bool = False) -> TantivyWriter:
        with self._lock:
            if self._writer is None:
                self._writer = TantivyWriter(self._index, self.path)
            return self._writer

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
        identity = folder_identity(self.path)
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
        """(id, content hash, raw digest) of every match, from the ``keys`` column: by a terms
        aggregation up to its bucket limit (17 ms for 15,000 matches), else by a search sorted
        on the column (180 ms: tantivy sorts text fast fields slowly)."""
        total = searcher.search(query, 1).count
        if not total:
            return
        if total <= tantivy_counts.MAX_AGG_BUCKETS:
            terms = {"field": "keys", "size": total, "segment_size": total}
            buckets = searcher.aggregate(query, {"keys": {"terms": terms}})["keys"]["buckets"]
            if len(buckets) == total:
                for bucket in buckets:
                    yield split_keys(bucket["key"])
                return
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

    def terms_with_prefix(self, field: str | None, prefix: str) -> Iterator[str]:
        searcher = self._searcher()
        # tantivy lists terms by count: sorted, so the merge yields each once ("o*" was capped)
        lexicons = [
            sorted(t for t, _ in searcher.terms_with_prefix(f, prefix) if t != HEADLINE_GAP)
            for f in text_fields(field)
        ]
        last = None
        for term in heapq.merge(*lexicons):
            if term != last:
                yield term
            last = term

    def loose_phrase(self, phrase: Phrase) -> bool:
        return is_loose(phrase)

    def phrase_candidates(self, phrase: Phrase, field: str) -> Iterator[tuple[str, dict]]:
        searcher = self._searcher()
        (tantivy_field,) = text_fields(field)
        query = loose_phrase_query(self._schema, tantivy_field, phrase)
        total = searcher.search(query, 1).count
        if total:
            for _, address in searcher.search(query, total, count=False).hits:
                stored = stored_fields(searcher.doc(address))
                yield stored["id"], stored

    def doc_frequency(self, field: str, term: str) -> int:
        (tantivy_field,) = text_fields(field)
        return self._searcher().doc_freq(tantivy_field, term)

    def doc_frequencies(self, field: str, terms: list[str]) -> list[int]:
        (tantivy_field,) = text_fields(field)
        searcher = self._searcher()
        return [searcher.doc_freq(tantivy_field, term) for term in terms]

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
        fields_found: dict[str, dict[str, int]] = {}
        first = last = None
        dated = 0
        if articles:
            aggs = tantivy_counts.aggregate_with_labels(
                searcher,
                everything,
                {
                    "sources": tantivy_counts.SOURCES_AGG,
                    "dates": {"stats": {"field": "date"}},
                },
            )
            fields_found = field_counts(aggs["labels"])
            sources = {b["key"]: b["doc_count"] for b in aggs["sources"]["buckets"]}
            dated = int(aggs["dates"]["count"])
            if dated:
                first = epoch_day(aggs["dates"]["min"])
                last = epoch_day(aggs["dates"]["max"])
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
            schema_version=self.schema_version,
            last_indexed=last_indexed,
            generation=int(meta.get("opstamp", 0)),
            field_counts=fields_found,
        )

    # -------------------------------------------------------------------------------- searching

    def _query(self, searcher, node: Node, request: SearchRequest):
        """The tantivy query for ``node`` with the request's source and date filters."""
        query = Translator(self._schema).translate(node)
        filters = []
        if request.sources:
            filters.append(
                tantivy.Query.term_set_query(
                    self._schema, "source_key", [s.casefold() for s in request.sources]
                )
            )
        if request.date_from or request.date_to:
            filters.append(date_query(self._schema, request.date_from, request.date_to))
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
        counted = self._aggregated(searcher, tquery)
        counted.total = total
        counted.hits = [
            self._hit(searcher, key, address, request.sort) for key, address in found.hits
        ]
        return counted

    def counts(
        self, query: Node, request: SearchRequest, *, per_source: bool = False
    ) -> EngineResults:
        searcher = self._searcher()
        if not searcher.num_docs:
            return EngineResults(0, [])
        return self._aggregated(searcher, self._query(searcher, query, request), per_source)

    def _aggregated(self, searcher, tquery, per_source: bool = False) -> EngineResults:
        """Counts from tantivy's aggregations: every article has a source, so the total is the
        sum of the source buckets (no second pass to count)."""
        if per_source:
            aggs = tantivy_counts.aggregate_per_source(searcher, self._schema, tquery)
        else:
            aggs = tantivy_counts.aggregate_with_labels(
                searcher,
                tquery,
                {"sources": tantivy_counts.SOURCES_AGG, "days": tantivy_counts.DAYS_AGG},
            )
        sources = {b["key"]: b["doc_count"] for b in aggs["sources"]["buckets"]}
        found = EngineResults(sum(sources.values()), [], sources, day_counts(aggs["days"]))
        found.field_counts = field_counts(aggs["labels"])
        if per_source:
            found.source_day_counts = {
                b["key"]: day_counts(b["days"]) for b in aggs["sources"]["buckets"]
            }
        return found

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

    def match_hashes(self, query: Node, request: SearchRequest) -> list[int]:
        """From the ``idhash`` column, by a search sorted on it (2 ms for 15,000 matches)."""
        searcher = self._searcher()
        tquery = self._query(searcher, query, request) if searcher.num_docs else None
        total = searcher.search(tquery, 1).count if tquery is not None else 0
        if not total:
            return []
        found = searcher.search(tquery, total, count=False, order_by_field="idhash")
        return [value for value, _address in found.hits]

    def ranked_ids(self, query: Node, request: SearchRequest) -> list[tuple[str, float | None]]:
        """The ranked addresses joined to the ``keys`` column by address: no stored reads."""
        searcher = self._searcher()
        if not searcher.num_docs:
            return []
        tquery = self._query(searcher, query, request)
        total = searcher.search(tquery, 1).count
        if not total:
            return []
        # addresses -> id hashes (a sort on an integer column) -> ids (the matches' keys): 25 ms
        # for 15,000 matches, where a sort on the text column of keys took 180
        ids = {id_hash(i): i for i, _, _ in self._keys(searcher, tquery)}
        hashed = searcher.search(tquery, total, count=False, order_by_field="idhash")
        id_at = {(a.segment_ord, a.doc): ids[v] for v, a in hashed.hits}
        ranked = self._ranked(searcher, tquery, request.sort, total, 0)
        order = [(key, id_at[(a.segment_ord, a.doc)]) for key, a in ranked.hits]
        if request.sort == "relevance":
            return [(i, float(score)) for score, i in sorted(order, key=lambda o: (-o[0], o[1]))]
        return [(i, None) for _, i in sorted(order, key=lambda o: (o[0], o[1]))]

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
