"""Every matching document of a query, as a Python set, computed fast for counting.

Exact totals, facets and the histogram need *every* match, and Whoosh's matchers hand those out one
id at a time through several generator layers (~10 µs an id: 30 ms for a common word in
Reuters-21578). Here term postings are read a block at a time (each block's ids come out of Whoosh
as one tuple) and the query tree is evaluated with set algebra, which runs in C. Phrases have no
block shortcut (they need positions) and go through Whoosh's own matcher.

This reads two private attributes of Whoosh's posting-block matcher (``_read_ids``/``_ids`` and
``_lastblock``/``_next_block``). They are the same in whoosh 2.7, whoosh-reloaded and whoosh3; any
other matcher falls back to ``all_ids()``, and ``tests/test_whoosh_internals.py`` checks this module
against Whoosh's own ``docs_for_query`` on the Reuters slice so an upgrade that breaks it fails CI.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import date

from whoosh.matching.wrappers import FilterMatcher

from search.engines.whoosh_schema import TERM_FIELDS
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

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def term_docs(reader, field: str, text: str) -> set[int]:
    """Global document numbers whose ``field`` holds ``text`` (deleted ones included)."""
    found: set[int] = set()
    subreaders = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
    for sub, offset in subreaders:
        if (field, text) not in sub:
            continue
        matcher = sub.postings(field, text)
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child
        if hasattr(matcher, "_read_ids") and hasattr(matcher, "_lastblock"):
            while True:
                matcher._read_ids()
                found.update(i + offset for i in matcher._ids)
                if matcher._lastblock:
                    break
                matcher._next_block()
        else:
            found.update(i + offset for i in matcher.all_ids())
    return found


class DocSets:
    """Evaluates our query tree to a set of live document numbers for one searcher snapshot."""

    def __init__(
        self,
        searcher,
        live: set[int],
        days_sorted: list[int],
        docs_by_day: list[int],
        phrase_docs: Callable[[Phrase], set[int]],
    ):
        self.reader = searcher.reader()
        self.live = live
        self.days_sorted = days_sorted
        self.docs_by_day = docs_by_day
        self.phrase_docs = phrase_docs

    def __call__(self, node: Node) -> set[int]:
        return self._eval(node) & self.live

    def days(self, start: date | None, end: date | None) -> set[int]:
        low = bisect_left(self.days_sorted, start.toordinal() - EPOCH_ORDINAL) if start else 0
        high = (
            bisect_right(self.days_sorted, end.toordinal() - EPOCH_ORDINAL)
            if end
            else len(self.days_sorted)
        )
        return set(self.docs_by_day[low:high])

    def _eval(self, node: Node) -> set[int]:
        if isinstance(node, MatchAll):
            return set(self.live)
        if isinstance(node, MatchNone):
            return set()
        if isinstance(node, Term):
            fields = TERM_FIELDS[node.field]
            return set().union(*(term_docs(self.reader, f, node.text) for f in fields))
        if isinstance(node, Phrase):
            return self.phrase_docs(node)
        if isinstance(node, IdSet):
            return set().union(*(term_docs(self.reader, "id", i) for i in node.ids))
        if isinstance(node, DateRange):
            return self.days(node.start, node.end)
        if isinstance(node, Or):
            return set().union(*(self._eval(c) for c in node.children))
        if isinstance(node, And):
            positive = [c for c in node.children if not isinstance(c, Not)]
            negative = [c.child for c in node.children if isinstance(c, Not)]
            sets = sorted((self._eval(c) for c in positive), key=len)
            result = sets[0] if sets else set(self.live)
            for other in sets[1:]:
                result &= other
                if not result:
                    return result
            for child in negative:
                result -= self._eval(child)
            return result
        if isinstance(node, Not):
            return self.live - self._eval(node.child)
        raise TypeError(f"cannot evaluate {node!r}")  # pragma: no cover
