"""Our query tree as Whoosh queries, and how Whoosh ranks them.

Bare words search title and body, each field normalised by its own length (BM25F). Phrases use
Whoosh's in-order sloppy phrase, which is our proximity rule: its slop counts the step between
neighbours, so our slop N is Whoosh's N + 1.
"""

from __future__ import annotations

from math import log

from whoosh import query as wq
from whoosh import scoring, sorting

from search.engines import base
from search.engines.whoosh_schema import TERM_FIELDS, epoch_seconds
from search.query.tree import (
    And,
    DateRange,
    IdSet,
    MatchAll,
    MatchNone,
    Node,
    Not,
    Or,
    Phrase,
    Term,
)

# BM25's parameters, chosen with the title's weight (in ``base``) by a grid over the four relevance
# collections together (benchmarks/RESULTS.md): b 0.6 was the one value with which the default mode
# ranks above every peer on all four. tantivy's own BM25 keeps its fixed k1 1.2 and b 0.75.
BM25_K1 = 1.2
BM25_B = 0.6


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


def weighting() -> LuceneBM25F:
    return LuceneBM25F(B=BM25_B, K1=BM25_K1)


def date_range(start, end) -> wq.Query:
    low = epoch_seconds(start) if start else None
    high = epoch_seconds(end, end=True) if end else None
    return wq.NumericRange("date", low, high)


def _boost(field: str, node_field: str | None) -> float:
    return base.TITLE_BOOST if field == "title_terms" and node_field is None else 1.0


def translate(node: Node) -> wq.Query:
    """The Whoosh query for a tree (wildcards are expanded before a tree reaches an engine)."""
    if isinstance(node, MatchAll):
        return wq.Every()
    if isinstance(node, MatchNone):
        return wq.NullQuery
    if isinstance(node, And):
        return wq.And([translate(c) for c in node.children])
    if isinstance(node, Or):
        return wq.Or([translate(c) for c in node.children])
    if isinstance(node, Not):
        return wq.Not(translate(node.child))
    if isinstance(node, DateRange):
        return date_range(node.start, node.end)
    if isinstance(node, IdSet):
        if not node.ids:
            return wq.NullQuery
        return wq.ConstantScoreQuery(wq.Or([wq.Term("id", i) for i in sorted(node.ids)]), 0.0)
    if isinstance(node, Term):
        parts = [
            wq.Term(f, node.text, boost=_boost(f, node.field) * node.boost)
            for f in TERM_FIELDS[node.field]
        ]
        return parts[0] if len(parts) == 1 else wq.Or(parts)
    if isinstance(node, Phrase):
        slop = node.slop + 1  # Whoosh's slop counts the step between neighbours: 1 is adjacent
        parts = [
            wq.Phrase(f, list(node.terms), slop=slop, boost=_boost(f, node.field))
            for f in TERM_FIELDS[node.field]
        ]
        return parts[0] if len(parts) == 1 else wq.Or(parts)
    raise TypeError(f"cannot translate {node!r}")  # pragma: no cover


def sort_keys(sort: str) -> list | None:
    if sort == "newest":
        return [sorting.FieldFacet("date_desc"), sorting.FieldFacet("id")]
    if sort == "oldest":
        return [sorting.FieldFacet("date"), sorting.FieldFacet("id")]
    return None


def estimated_matches(reader, node: Node) -> int | None:
    """An upper bound on the matches of an AND of words and phrases, from document frequencies;
    None for anything else (an OR, a NOT, a date range), which one pass would not make cheaper."""
    if isinstance(node, Term):
        return sum(reader.doc_frequency(f, node.text) for f in TERM_FIELDS[node.field])
    if isinstance(node, Phrase):
        return min(
            sum(reader.doc_frequency(f, t) for f in TERM_FIELDS[node.field]) for t in node.terms
        )
    if isinstance(node, And):
        bounds = [estimated_matches(reader, c) for c in node.children]
        known = [b for b in bounds if b is not None]
        return min(known) if known and len(known) == len(bounds) else None
    return None


def collector_for(searcher, node: Node, limit: int | None, sort: str, docnums=None):
    """Whoosh's collector for the best ``limit`` hits. It collects them all (the caller cuts)
    when the query excludes something and is ranked by score: Whoosh's top-N collector misranks
    "(a OR b) -c" (it returned articles scoring 5.5 before one scoring 8.4)."""
    negated = limit is not None and sort == "relevance" and _negates(node)
    return searcher.collector(
        limit=None if negated else limit, sortedby=sort_keys(sort), filter=docnums
    )


def _negates(node: Node) -> bool:
    if isinstance(node, Not):
        return True
    return any(_negates(c) for c in getattr(node, "children", ()))
