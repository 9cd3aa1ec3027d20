"""Our query tree as Xapian queries.

Wildcards never reach here: the pipeline expands them into an explicit OR of the index's terms,
which keeps scores exact over several shards (Xapian's own wildcard weighs each shard's
expansion by itself). Proximity keeps our meaning: Xapian's ``OP_PHRASE`` asks for the words in
order within a window of positions, which for two words is exactly ours (the second within
slop + 1 of the first: a window of slop + 2); three words or more with a slop are looser, so
the pipeline checks Xapian's candidates by our rule (``search.phrases``).
"""

from __future__ import annotations

from datetime import date

import xapian

from search.engines import base
from search.engines.xapian_schema import (
    DATE,
    TITLE_PREFIX,
    date_bound,
    id_term,
    prefixes,
    term,
)
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

Q = xapian.Query


def is_loose(phrase: Phrase) -> bool:
    return phrase.slop > 0 and len(phrase.terms) > 2


def _window(phrase: Phrase) -> int:
    """The window holding every match of ours: the k-th word may stand k * (slop + 1) on."""
    return (len(phrase.terms) - 1) * (phrase.slop + 1) + 1


def phrase_query(prefix: str, phrase: Phrase):
    terms = [term(prefix, word) for word in phrase.terms]
    if len(terms) == 1:
        return Q(terms[0])
    return Q(Q.OP_PHRASE, terms, _window(phrase))


def _unweighted(query):
    return Q(Q.OP_SCALE_WEIGHT, query, 0.0)


def date_query(start: date | None, end: date | None):
    if start and end:
        return Q(Q.OP_VALUE_RANGE, DATE, date_bound(start), date_bound(end, end=True))
    if start:
        return Q(Q.OP_VALUE_GE, DATE, date_bound(start))
    return Q(Q.OP_VALUE_LE, DATE, date_bound(end, end=True))


def sources_query(sources):
    return Q(Q.OP_OR, [term("S:", s.casefold()) for s in sources])


def translate(node: Node):
    """A tree (wildcards expanded, loose phrases narrowed) -> a Xapian query."""
    if isinstance(node, MatchAll):
        return Q.MatchAll
    if isinstance(node, MatchNone):
        return Q.MatchNothing
    if isinstance(node, And):
        return Q(Q.OP_AND, [translate(c) for c in node.children])
    if isinstance(node, Or):
        return Q(Q.OP_OR, [translate(c) for c in node.children])
    if isinstance(node, Not):
        return Q(Q.OP_AND_NOT, Q.MatchAll, translate(node.child))
    if isinstance(node, DateRange):
        return _unweighted(date_query(node.start, node.end))
    if isinstance(node, IdSet):
        return _unweighted(Q(Q.OP_OR, [id_term(i) for i in sorted(node.ids)]))
    if isinstance(node, Term):
        return _either(node.field, lambda p: Q(term(p, node.text)), node.boost)
    if isinstance(node, Phrase):
        return _either(node.field, lambda p: phrase_query(p, node), 1.0)
    raise TypeError(f"cannot translate {node!r}")  # pragma: no cover


def _either(field: str | None, make, boost: float):
    parts = [
        Q(Q.OP_SCALE_WEIGHT, make(p), base.TITLE_BOOST)
        if field is None and p == TITLE_PREFIX and base.TITLE_BOOST != 1.0
        else make(p)
        for p in prefixes(field)
    ]
    query = parts[0] if len(parts) == 1 else Q(Q.OP_OR, parts)
    return Q(Q.OP_SCALE_WEIGHT, query, boost) if boost != 1.0 else query
