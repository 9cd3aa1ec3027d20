"""The query tree: what a parsed query means, as plain immutable nodes every engine translates.

Words in the tree are index terms already (analysed by the parser), so an engine never analyses
anything: it looks terms up. Wildcards are expanded into terms against the engine's own term
dictionary before a tree reaches an engine (``search.query.wildcards``), so engines see ``Term``,
``Phrase``, ``DateRange``, ``IdSet``, ``And``/``Or``/``Not``, ``MatchAll`` and ``MatchNone`` only.

The proximity rule of a sloppy phrase lives here too, once (``Phrase.chains``): the highlighter
marks by it, and an engine whose own sloppy phrase is looser checks its candidates by it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Node:
    pass


@dataclass(frozen=True)
class MatchAll(Node):
    """Every article (an empty query, or the positive side of a purely negative one)."""


@dataclass(frozen=True)
class MatchNone(Node):
    """No article: a query made only of stop words."""


@dataclass(frozen=True)
class Term(Node):
    field: str | None  # None: title and body
    text: str  # the index term (stemmed for text fields)
    boost: float = 1.0  # a word said twice in a long question weighs twice


@dataclass(frozen=True)
class Phrase(Node):
    field: str | None
    terms: tuple[str, ...]
    slop: int = 0  # 0: adjacent, in order; N: each word within N+1 positions after the last

    def chains(self, terms: Sequence[str]) -> Iterator[list[int]]:
        """Every occurrence in ``terms`` (a field's index terms, in order): for each place the
        first word stands where the rest can follow, one chain of positions of the phrase's
        words, in order, each within ``slop + 1`` positions after the one before.

        Not greedy: "crude oil price"~5 matches "crude oil a b oil c d e f g price" through the
        second "oil", as Whoosh's own sloppy phrase does (the first "oil" leads nowhere).
        """
        where: dict[str, list[int]] = {word: [] for word in self.terms}
        for position, term in enumerate(terms):
            if term in where:
                where[term].append(position)
        reach = self.slop + 1
        dead: set[tuple[int, int]] = set()  # (word index, position) from which no chain goes on

        def follow(index: int, position: int) -> list[int] | None:
            if index == len(self.terms) - 1:
                return [position]
            if (index, position) in dead:
                return None
            candidates = where[self.terms[index + 1]]
            start = bisect_right(candidates, position)
            for following in candidates[start:]:
                if following - position > reach:
                    break
                rest = follow(index + 1, following)
                if rest is not None:
                    return [position, *rest]
            dead.add((index, position))
            return None

        for start in where[self.terms[0]]:
            chain = follow(0, start)
            if chain is not None:
                yield chain

    def occurs_in(self, terms: Sequence[str]) -> bool:
        return next(self.chains(terms), None) is not None


@dataclass(frozen=True)
class Wildcard(Node):
    field: str | None
    pattern: str  # folded to lower case; * and ? as in shells


@dataclass(frozen=True)
class Fuzzy(Node):
    """``word~`` (one edit) or ``word~2``: the index terms within ``edits`` of the word as typed
    (folded) or of its term, expanded like a wildcard before an engine sees the tree."""

    field: str | None
    word: str  # folded, unstemmed: "zelensky"
    term: str  # its index term: "zelenski"
    edits: int


@dataclass(frozen=True)
class DateRange(Node):
    start: date | None  # inclusive
    end: date | None  # inclusive


@dataclass(frozen=True)
class IdSet(Node):
    """Exactly these articles, by id: what a sloppy phrase checked by our proximity rule leaves of
    an engine's looser matches (``search.phrases``). Never scores; only narrows."""

    ids: frozenset[str]


@dataclass(frozen=True)
class And(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    child: Node


def anchor(node: Node) -> Node:
    """A purely negative query ("NOT oil") means everything except: give it a positive side."""
    return And((MatchAll(), node)) if isinstance(node, Not) else node


def simplify(node: Node) -> Node:
    """Fold away stop-word leaves and single-child groups; keep the meaning."""
    if isinstance(node, And):
        kids = [simplify(c) for c in node.children]
        # A stop word in an AND list constrains nothing: drop it rather than match nothing.
        kids = [k for k in kids if not isinstance(k, MatchNone)]
        kids = [k for k in kids if not (isinstance(k, Not) and isinstance(k.child, MatchNone))]
        if not kids:
            return MatchNone()
        if all(isinstance(k, Not) for k in kids):
            kids.insert(0, MatchAll())
        return kids[0] if len(kids) == 1 else And(tuple(kids))
    if isinstance(node, Or):
        kids = [anchor(k) for k in (simplify(c) for c in node.children)]
        kids = [k for k in kids if not isinstance(k, MatchNone)]
        if not kids:
            return MatchNone()
        return kids[0] if len(kids) == 1 else Or(tuple(kids))
    if isinstance(node, Not):
        child = simplify(node.child)
        return MatchAll() if isinstance(child, MatchNone) else Not(child)
    return node


def positive_leaves(node: Node) -> list[Node]:
    """The terms, phrases and wildcards a match is made of (none under NOT): what to highlight."""
    if isinstance(node, (And, Or)):
        return [leaf for child in node.children for leaf in positive_leaves(child)]
    if isinstance(node, Not):
        return []
    if isinstance(node, (Term, Phrase, Wildcard, Fuzzy)):
        return [node]
    return []
