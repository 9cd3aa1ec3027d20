"""Snippets: the passage of an article that best shows why it matched, as text plus spans.

A ``Snippet`` never contains markup. Front ends wrap the spans (the web UI in ``<mark>``, the
terminal in bold, JSON leaves them as offsets) and escape everything else, so no article text can
ever become HTML by way of a highlight.

Matching works on analysed terms, the same way the index does: "deputize" in a query highlights
"deputized" and "deputizing"; a phrase is highlighted by the query tree's own proximity rule, as
one span where its words stand together; a wildcard, expanded into terms before it gets here,
highlights the words it matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import compress

from search.analysis import token_terms
from search.query.tree import Node, Phrase, Term, positive_leaves
from search.types import Snippet

ELLIPSIS = "\u2026"
_CONTEXT_BEFORE = 40
MAX_HIGHLIGHT_CHARS = 50_000  # matches past this are not marked: a snippet never needs them
_MAX_WINDOW_STARTS = 200  # snippet windows tried, from the first matches on


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    key: str  # which query leaf matched: counts distinct leaves in a window


def _leaves_for(field: str, query: Node) -> list[Node]:
    return [
        leaf for leaf in positive_leaves(query) if getattr(leaf, "field", None) in (None, field)
    ]


def find_matches(text: str, query: Node, field: str = "body") -> list[tuple[int, int]]:
    """Character spans of ``text`` that the query's positive terms match, merged and sorted."""
    return _merge([(m.start, m.end) for m in _matches(text, _leaves_for(field, query))])


def occurrences(text: str, query: Node, field: str = "body") -> list[tuple[int, int]]:
    """Every place the query's positive terms match in the whole of ``text``, one span each: a
    phrase from its first word to its last even when sloppy (what a concordance lists), spans
    that overlap merged into one."""
    return _merge(
        [(m.start, m.end) for m in _matches(text, _leaves_for(field, query), None, whole=True)]
    )


def _matches(
    text: str,
    leaves: list[Node],
    limit: int | None = MAX_HIGHLIGHT_CHARS,
    whole: bool = False,
) -> list[_Match]:
    if not leaves or not text:
        return []
    terms, bounds = token_terms(text[:limit] if limit else text)
    keys = {leaf.text: leaf.text for leaf in leaves if isinstance(leaf, Term)}
    hits = compress(range(len(terms)), map(keys.__contains__, terms))
    found = [_Match(bounds[2 * i], bounds[2 * i + 1], keys[terms[i]]) for i in hits]
    phrases = [leaf for leaf in leaves if isinstance(leaf, Phrase)]
    if phrases:
        kept = [i for i in range(len(terms)) if terms[i]]  # a stop word takes no position
        kept_terms = [terms[i] for i in kept]
        for phrase in phrases:
            key = " ".join(phrase.terms)
            for chain in phrase.chains(kept_terms):
                tokens = [kept[p] for p in chain]
                if phrase.slop == 0 or whole:
                    found.append(_Match(bounds[2 * tokens[0]], bounds[2 * tokens[-1] + 1], key))
                else:
                    found.extend(_Match(bounds[2 * t], bounds[2 * t + 1], key) for t in tokens)
    return found


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def make_snippet(text: str, query: Node, max_chars: int = 240, field: str = "body") -> Snippet:
    """The window of about ``max_chars`` holding the most distinct matched terms."""
    matches = sorted(_matches(text, _leaves_for(field, query)), key=lambda m: m.start)
    if len(text) <= max_chars:
        start, end = 0, len(text)
    elif not matches:
        start, end = 0, _word_end(text, max_chars)
    else:
        best = (-1, -1, 0)
        for i, first in enumerate(matches[:_MAX_WINDOW_STARTS]):
            limit = first.start + max_chars - _CONTEXT_BEFORE
            inside = []
            for m in matches[i:]:
                if m.start >= limit:
                    break
                if m.end <= limit:
                    inside.append(m)
            score = (len({m.key for m in inside}), len(inside))
            if score > best[:2]:
                best = (*score, first.start)
        start = _word_start(text, max(0, best[2] - _CONTEXT_BEFORE))
        end = _word_end(text, start + max_chars)
    spans = [(m.start, m.end) for m in matches if m.start >= start and m.end <= end]
    return _render(text, start, end, _merge(spans))


def _word_start(text: str, index: int) -> int:
    if index <= 0:
        return 0
    space = text.rfind(" ", 0, index)
    newline = text.rfind("\n", 0, index)
    return max(space, newline) + 1


def _word_end(text: str, index: int) -> int:
    if index >= len(text):
        return len(text)
    space = text.find(" ", index)
    newline = text.find("\n", index)
    candidates = [c for c in (space, newline) if c >= 0]
    return min(candidates) if candidates else len(text)


_SPACES = re.compile(r"\s+")


def _squeeze(text: str) -> str:
    """Whitespace runs to one space, leading whitespace dropped (trailing kept: it counts)."""
    return _SPACES.sub(" ", text).lstrip()


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> Snippet:
    """Cut text[start:end], fold its whitespace to single spaces, and move the spans along."""
    prefix = ELLIPSIS if start > 0 else ""
    body = _squeeze(text[start:end]).rstrip()
    suffix = ELLIPSIS if end < len(text) else ""
    limit = len(prefix) + len(body)
    moved = []
    for s, e in spans:
        # Spans start and end on word characters, so the folded text before an offset is
        # exactly what precedes it in the snippet.
        a = len(prefix) + len(_squeeze(text[start:s]))
        b = min(len(prefix) + len(_squeeze(text[start:e])), limit)
        if b > a:
            moved.append((a, b))
    return Snippet(prefix + body + suffix, tuple(moved))
