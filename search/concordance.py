"""A concordance (keyword in context): every occurrence of a query's words and phrases in every
matching article, one line each, with the words to its left and right.

Occurrences are found exactly as the highlighter finds them (``highlight.occurrences``: analysed
terms, so stemmed variants count; phrases by the query tree's own proximity rule, as one span
from first word to last), in the title and the whole body (a title that is only the body's first
words, as for an article that had none, is not read twice). Lines stream in the request's order,
article by article, so an export of every line never holds them all; a page sorted by the words
left or right of the match reads at most ``MAX_SORTED`` lines and says so when there are more.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import islice

from search.highlight import occurrences
from search.query.tree import positive_leaves
from search.searching import prepare, request_warnings
from search.types import Engine, SearchRequest

DEFAULT_WIDTH = 60  # characters of context on each side
MAX_WIDTH = 300
MAX_SORTED = 20_000  # lines read to sort a page by context; the export has them all
ORDERS = ("article", "left", "right")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Line:
    article_id: str
    source: str
    date: str | None
    title: str
    url: str | None
    field: str  # "title" or "body"
    offset: int  # where the match starts in that field
    left: str
    match: str
    right: str

    def sort_key(self, order: str) -> tuple:
        """Left: the words nearest the match first, read leftwards (as concordancers sort)."""
        if order == "left":
            return tuple(w.casefold() for w in reversed(_WORD.findall(self.left))), self.match
        if order == "right":
            return tuple(w.casefold() for w in _WORD.findall(self.right)), self.match
        return ()


def lines(engine: Engine, request: SearchRequest, width: int = DEFAULT_WIDTH) -> Iterator[Line]:
    """Every line of the concordance, in the request's order (pagination ignored)."""
    request = replace(request, page=1)
    query = prepare(engine, request).query
    if not positive_leaves(query):
        return
    for match in engine.iter_hits(query, request):
        article = match.article
        fields = [("title", article.title), ("body", article.body)]
        if _squeeze(article.body).startswith(_squeeze(article.title)):
            fields = fields[1:]  # a title made from the first sentence: its words once, in the body
        for field, text in fields:
            for start, end in occurrences(text, query, field):
                yield Line(
                    article.id,
                    article.source,
                    article.date_text,
                    article.title,
                    article.url,
                    field,
                    start,
                    _left(text, start, width),
                    _squeeze(text[start:end]),
                    _right(text, end, width),
                )


@dataclass
class Page:
    lines: list[Line]
    total: int  # lines read (all of them unless ``capped``)
    capped: bool
    warnings: list[str]


def notes(engine: Engine, request: SearchRequest) -> list[str]:
    """Why a concordance may be empty for a reason the reader can fix."""
    prepared = prepare(engine, replace(request, page=1))
    found = request_warnings(engine, prepared)
    if not found and not positive_leaves(prepared.query):
        found.append("a concordance needs words to look for (not `*` alone)")
    return found


def page(
    engine: Engine,
    request: SearchRequest,
    *,
    order: str = "article",
    first: int = 0,
    count: int = 50,
    width: int = DEFAULT_WIDTH,
) -> Page:
    """Lines ``first`` to ``first + count`` in ``order``. In article order only as many lines
    are read as the page needs, plus the count of the rest up to ``MAX_SORTED``."""
    read = list(islice(lines(engine, request, width), MAX_SORTED + 1))
    capped = len(read) > MAX_SORTED
    read = read[:MAX_SORTED]
    if order != "article":
        read.sort(key=lambda line: line.sort_key(order))
    return Page(read[first : first + count], len(read), capped, notes(engine, request))


def _squeeze(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _left(text: str, start: int, width: int) -> str:
    """About ``width`` characters before ``start``, cut at a word boundary."""
    cut = max(0, start - width)
    left = text[cut:start]
    if cut > 0 and " " in left.strip():
        left = left[left.find(" ") + 1 :] if not text[cut - 1].isspace() else left
    return _squeeze(left)


def _right(text: str, end: int, width: int) -> str:
    cut = min(len(text), end + width)
    right = text[end:cut]
    if cut < len(text) and " " in right.strip() and not text[cut].isspace():
        right = right[: right.rfind(" ")]
    return _squeeze(right)
