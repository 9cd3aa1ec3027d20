"""Wildcards: matching patterns against index terms, and expanding a query's wildcards into the
terms an engine actually holds, before the query reaches the engine.

Expansion happens once, here, for every engine: the engine lends its term dictionary
(``terms_with_prefix``) and receives a tree of plain terms. One budget covers the whole query, so
250 wildcards of 1,000 words each cannot take a server down (they once took Whoosh 27 s).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from search.analysis import stem_english
from search.errors import QuerySyntaxError
from search.query.tree import And, Fuzzy, MatchNone, Node, Not, Or, Term, Wildcard

STEM_MIN_PREFIX = 6  # shorter prefixes get no stem matching: "price*" must not match "pri"
# Endings tried on a wildcard's literal prefix to find the stems its words index under:
# "deputiz*" -> deputize, deputized, deputizing... -> "deput", which the pattern cannot reach.
ENDINGS = (
    *("", "e", "s", "es", "ed", "d", "ing", "er", "ers", "or", "ors", "y", "ies", "ied"),
    *("ion", "ions", "ation", "ations", "ment", "ments", "ly", "al", "ity", "ness", "ive"),
    *("ize", "izes", "ized", "izing", "ise", "ises", "ised", "ising", "ic", "ical"),
    *("ate", "ates", "ated", "ating", "ent", "ents", "ence", "ences", "ance", "ances"),
    *("ant", "ants", "ism", "isms", "ist", "ists", "able", "ible", "ful", "less", "ous"),
    *("ial", "ian", "ians", "an", "ans", "ship"),
)
MAX_WILDCARD_TERMS = 1024  # words one query's wildcards may expand to, in all (as Lucene's cap)
MAX_FUZZY_TERMS = 50  # the closest terms a word~ stands for (Lucene's default is also 50)

Lexicon = Callable[[str | None, str], Iterable[str]]


def wildcard_prefix(pattern: str) -> str:
    """The literal start of a pattern: the part an index can seek to."""
    return re.split(r"[*?]", pattern, maxsplit=1)[0]


def wildcard_matcher(pattern: str) -> Callable[[str], bool]:
    """A predicate on index terms for a wildcard pattern.

    Index terms are stems, so "deputiz*" would miss "deput" (the stem of "deputized"). A pattern
    that ends in * with a literal prefix of six letters or more also matches the stems of the
    words that prefix begins: its completions with common endings, stemmed. Only those: letting
    any shorter stem of the prefix match made "deputiz*" find every "deputy" ("deputi").
    """
    exact = re.compile(fnmatch.translate(pattern)).match
    stems = _completion_stems(pattern)
    if not stems:
        return lambda term: exact(term) is not None
    return lambda term: exact(term) is not None or term in stems


def wildcard_seek(pattern: str) -> str:
    """The prefix to scan the lexicon from so every term ``wildcard_matcher`` accepts is seen."""
    prefix = wildcard_prefix(pattern)
    shorter = [s for s in _completion_stems(pattern) if prefix.startswith(s)]
    return min(shorter, key=len) if shorter else prefix


def _completion_stems(pattern: str) -> frozenset[str]:
    prefix = wildcard_prefix(pattern)
    if not (pattern.endswith("*") and pattern[:-1] == prefix and len(prefix) >= STEM_MIN_PREFIX):
        return frozenset()
    stems = {stem_english(prefix + ending) for ending in ENDINGS}
    return frozenset(s for s in stems if not s.startswith(prefix))  # the rest the glob finds


class WildcardExpander:
    """Expands a query's wildcards against an engine's term dictionary, with one budget for the
    whole query. ``lexicon(field, prefix)`` yields the terms of a query field (None: title and
    body) that start with ``prefix``."""

    def __init__(
        self,
        lexicon: Lexicon,
        limit: int = MAX_WILDCARD_TERMS,
        written: Callable[[str, int], list[str]] | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.limit = limit
        # The terms of the archive's written words within n edits of a typed word, when the
        # index has a vocabulary: edits are then counted on words as written, not on stems.
        self.written = written
        self.total = 0
        self.variants: dict[str, tuple[str, ...]] = {}  # "zelensky~" -> the terms it matched

    def terms(self, field: str | None, pattern: str) -> list[str]:
        matches = wildcard_matcher(pattern)
        found = []
        for term in self.lexicon(field, wildcard_seek(pattern)):
            if matches(term):
                found.append(term)
                if len(found) > self.limit:
                    raise QuerySyntaxError(
                        f"{pattern} matches more than {self.limit:,} words; make it more specific"
                    )
        self.total += len(found)
        if self.total > self.limit:
            raise QuerySyntaxError(
                f"the wildcards of this query match more than {self.limit:,} words in all; "
                "make them more specific"
            )
        return found

    def close_terms(self, field: str | None, word: str, term: str, edits: int) -> list[str]:
        """The terms of ``field`` within ``edits`` of ``word`` as typed or of its ``term``
        ("zelensky" and its term "zelenski" both reach "zelenskyy"), closest first. An edit is
        an insertion, deletion, substitution or a swap of two neighbours ("cocao", as Lucene
        counts transpositions). Candidates share the first letter, as with Lucene's fuzzy
        query's prefix: a scan of one letter's terms."""
        choices = list(dict.fromkeys(self.lexicon(field, term[:1])))
        if word[:1] != term[:1]:
            choices += [t for t in self.lexicon(field, word[:1]) if t not in choices]
        found: dict[str, int] = {}
        for probe in dict.fromkeys((term, word)):
            for choice, distance, _ in process.extract(
                probe, choices, scorer=OSA.distance, score_cutoff=edits, limit=None
            ):
                found[choice] = min(distance, found.get(choice, edits))
        return sorted(found, key=lambda t: (t != term, found[t], t))[:MAX_FUZZY_TERMS]

    def expand(self, node: Node) -> Node:
        """``node`` with every wildcard and word~ replaced by the terms it stands for (an OR of
        them)."""
        if isinstance(node, Fuzzy):
            if self.written is not None:
                found = [
                    node.term,
                    *(t for t in self.written(node.word, node.edits) if t != node.term),
                ]
                found = found[:MAX_FUZZY_TERMS]
            else:
                found = self.close_terms(node.field, node.word, node.term, node.edits)
            self.variants[f"{node.word}~{node.edits if node.edits > 1 else ''}"] = tuple(found)
            self.total += len(found)
            if not found:
                return MatchNone()
            leaves = tuple(Term(node.field, t) for t in found)
            return leaves[0] if len(leaves) == 1 else Or(leaves)
        if isinstance(node, Wildcard):
            found = sorted(set(self.terms(node.field, node.pattern)))
            if not found:
                return MatchNone()  # never simplified away: an AND with it matches nothing
            leaves = tuple(Term(node.field, t) for t in found)
            return leaves[0] if len(leaves) == 1 else Or(leaves)
        if isinstance(node, And):
            return And(tuple(self.expand(c) for c in node.children))
        if isinstance(node, Or):
            return Or(tuple(self.expand(c) for c in node.children))
        if isinstance(node, Not):
            return Not(self.expand(node.child))
        return node
