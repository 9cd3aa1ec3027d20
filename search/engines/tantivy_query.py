"""Our query tree as tantivy queries.

Proximity keeps our meaning (the words in order, each within N+1 positions of the last). tantivy's
sloppy phrase lets each word move N positions either way from its place in the exact phrase, so:
a slop of 0 is the same rule; a pair of words is made exact by shifting the second word's offset
to the middle of the allowed distances; a longer sloppy phrase is ``loose``: the pipeline checks
tantivy's (wider) matches by our rule (``search.phrases``) and narrows the phrase with an
``IdSet``.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import tantivy

from search.engines import base
from search.engines.tantivy_schema import text_fields
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


def any_of(queries: list):
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _seconds(day: date, end: bool = False) -> int:
    moment = datetime.combine(day, datetime.max.time() if end else datetime.min.time())
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def date_query(schema, start: date | None, end: date | None):
    return tantivy.Query.range_query(
        schema,
        "date",
        tantivy.FieldType.Integer,
        _seconds(start) if start else None,
        _seconds(end, end=True) if end else None,
    )


def is_loose(phrase: Phrase) -> bool:
    """Whether tantivy cannot say exactly what our rule says for this phrase: three words or
    more with any slop (two words are made exact with offsets; no slop is the same rule)."""
    return phrase.slop > 0 and len(phrase.terms) > 2


def loose_phrase_query(schema, field: str, phrase: Phrase):
    """tantivy's sloppy phrase wide enough to hold every match of ours: it lets each word move
    ``slop`` positions from its place in the exact phrase, and ours lets the k-th word stand up
    to k * slop positions further on (each step may stretch), so its slop is (words - 1) * ours.
    Narrowed to our matches by the pipeline."""
    slop = phrase.slop * max(1, len(phrase.terms) - 1)
    return tantivy.Query.phrase_query(schema, field, list(phrase.terms), slop)


class Translator:
    """A tree (wildcards already expanded, loose phrases narrowed) -> a tantivy query."""

    def __init__(self, schema) -> None:
        self.schema = schema

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
            return date_query(self.schema, node.start, node.end)
        if isinstance(node, IdSet):
            ids = Q.term_set_query(self.schema, "id", sorted(node.ids))
            return Q.const_score_query(ids, 0.0)
        if isinstance(node, Term):
            return self._either(node.field, lambda f: self._term(f, node.text), node.boost)
        if isinstance(node, Phrase):
            return self._either(node.field, lambda f: self._phrase(f, node), 1.0)
        raise TypeError(f"cannot translate {node!r}")  # pragma: no cover

    def _either(self, field: str | None, make, boost: float):
        parts = [
            tantivy.Query.boost_query(make(f), base.TITLE_BOOST)
            if field is None and f == "title_terms" and base.TITLE_BOOST != 1.0
            else make(f)
            for f in text_fields(field)
        ]
        query = parts[0] if len(parts) == 1 else any_of(parts)
        return tantivy.Query.boost_query(query, boost) if boost != 1.0 else query

    def _term(self, field: str, text: str):
        return tantivy.Query.term_query(self.schema, field, text)

    def _phrase(self, field: str, node: Phrase):
        """Our slop N: each word within N+1 positions after the one before, in order.

        tantivy's slop S with word offsets o lets each word stand within S positions of its
        offset, on either side.
        """
        terms = list(node.terms)
        slop = node.slop
        Q = tantivy.Query
        if slop == 0 or is_loose(node):
            return loose_phrase_query(self.schema, field, node)
        first, second = terms  # two words: exact with offsets
        half = slop // 2  # distances 1 .. 1 + 2*half in one query
        parts = [Q.phrase_query(self.schema, field, [(0, first), (1 + half, second)], half)]
        if slop % 2:  # and the one distance an odd slop leaves over
            parts.append(Q.phrase_query(self.schema, field, [(0, first), (slop + 1, second)]))
        return parts[0] if len(parts) == 1 else any_of(parts)
