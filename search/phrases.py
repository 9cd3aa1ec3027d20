"""Sloppy phrases on an engine whose own sloppy phrase is looser than ours.

Our rule: the words in order, each within slop + 1 positions after the one before
(``Phrase.chains``). tantivy's sloppy phrase also accepts the words out of order. For such an
engine the pipeline asks for the candidates of each loose phrase, checks each candidate's stored
text with our own analysis and rule, and narrows the phrase to the articles that pass (an
``IdSet``): every engine then matches, counts and ranks exactly the same articles, and no engine
needs to analyse text itself.
"""

from __future__ import annotations

import time

from search.analysis import analyze_names, analyze_terms, body_field_term_list
from search.errors import QueryTooSlowError
from search.query.tree import And, IdSet, Node, Not, Or, Phrase
from search.types import Engine

# Checking candidates may take this long; then the search is refused with a reason.
CHECK_TIME_LIMIT_SECONDS = 5.0
TEXT_FIELDS = ("title", "body")
NAME_FIELDS = ("author", "place")


def check_phrases(engine: Engine, node: Node) -> Node:
    """``node`` with each phrase the engine would match loosely narrowed to the articles where
    it stands by our rule."""
    if isinstance(node, Phrase) and engine.loose_phrase(node):
        fields = TEXT_FIELDS if node.field is None else (node.field,)
        parts = [And((_in(node, f), IdSet(_verified(engine, node, f)))) for f in fields]
        return parts[0] if len(parts) == 1 else Or(tuple(parts))
    if isinstance(node, And):
        return And(tuple(check_phrases(engine, c) for c in node.children))
    if isinstance(node, Or):
        return Or(tuple(check_phrases(engine, c) for c in node.children))
    if isinstance(node, Not):
        return Not(check_phrases(engine, node.child))
    return node


def _in(phrase: Phrase, field: str) -> Phrase:
    return Phrase(field, phrase.terms, phrase.slop)


def _field_terms(stored: dict, field: str) -> list[str]:
    """The terms of ``field`` at the positions the index holds them (the body field holds the
    headline too: ``body_field_terms``)."""
    if field == "body":
        return body_field_term_list(stored.get("title") or "", stored.get("body") or "")
    analyze = analyze_names if field in NAME_FIELDS else analyze_terms
    return analyze(stored.get(field) or "")


def _verified(engine: Engine, phrase: Phrase, field: str) -> frozenset[str]:
    deadline = time.monotonic() + CHECK_TIME_LIMIT_SECONDS
    kept = []
    for n, (article_id, stored) in enumerate(engine.phrase_candidates(_in(phrase, field), field)):
        if n % 64 == 0 and time.monotonic() > deadline:
            raise QueryTooSlowError(CHECK_TIME_LIMIT_SECONDS)
        if phrase.occurs_in(_field_terms(stored, field)):
            kept.append(article_id)
    return frozenset(kept)
