"""All words first, then articles with some of them: how ``auto`` ranks a short plain query.

``auto`` reads two to four plain words as "all of them", which is what a researcher typing
``oil embargo`` means first. But AND alone drops the article that holds three words of four,
and on the relevance collections that was all of ``auto``'s loss to reading the words as any of
them (benchmarks/RESULTS.md). So the page where the articles with every word run out goes on
with the best articles holding some of the words, below a divider that says so. The total, the
facets, the timeline, saved queries and exports still count only the articles with every word:
the rest is offered, not counted as matches.

They are the ranking of the words OR-ed with the articles that hold them all left out, always
best first (a page sorted by date still offers the best of the rest, not the oldest).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from search.collapse import COLUMN, _group, annotate, chunked, match_groups, matched_members
from search.groups.views import open_groups
from search.query.modes import some_words_query
from search.types import Engine, Hit, MatchedArticle, SearchRequest, SearchResults

MakeHit = Callable[[MatchedArticle], Hit]


def add_some_words(
    engine: Engine, request: SearchRequest, results: SearchResults, all_words, make_hit: MakeHit
) -> None:
    """Fill the rest of the page where the articles with all the words end (``all_words``:
    that query tree) with the best of those that hold only some, as ``some_words_hits``."""
    some = some_words_query(request.query, request.mode)
    room = request.page_size - len(results.hits)
    if some is None or room <= 0 or request.page > results.pages:
        return
    best = replace(request, sort="relevance", page=1)
    total = engine.counts(some, best).total - results.total
    if total <= 0:
        return
    every = set(engine.match_keys(all_words, request)) if results.total else set()
    ranked = (m for m in engine.iter_hits(some, best) if m.article.id not in every)
    store = open_groups(engine.path)
    if store is None:
        extra = [make_hit(m) for m in _first(ranked, room)]
    else:
        with store:
            known = (
                None
                if request.collapse == "none"
                else match_groups(matched_members(store, engine, some, request))
            )
            matches = (
                _first(ranked, room)
                if known is None
                else _one_per_group(store, engine, all_words, request, ranked, room)
            )
            extra = annotate([make_hit(m) for m in matches], store, known, request.collapse)
    results.some_words_hits = extra
    results.some_words_total = total


def _first(ranked: Iterator[MatchedArticle], count: int) -> list[MatchedArticle]:
    found = []
    for match in ranked:
        found.append(match)
        if len(found) == count:
            break
    return found


def _one_per_group(store, engine, all_words, request, ranked, room: int) -> list[MatchedArticle]:
    """Collapsed: one article per group, and none from a group that an article with all the
    words already stands for."""
    column = COLUMN[request.collapse]
    members = matched_members(store, engine, all_words, request)
    seen = {_group(member, column) for member in members}
    page: list[MatchedArticle] = []
    for chunk in chunked(ranked, 100):
        found = store.lookup(m.article.id for m in chunk)
        for match in chunk:
            group = _group(found.get(match.article.id), column)
            key = group if group is not None else match.article.id
            if key not in seen:
                seen.add(key)
                page.append(match)
                if len(page) == room:
                    return page
    return page
