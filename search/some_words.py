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

from collections.abc import Callable
from dataclasses import replace
from itertools import islice

from search.collapse import annotate, collapsed, match_groups, matched_members
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
        extra = [make_hit(m) for m in islice(ranked, room)]
    else:
        with store:
            if request.collapse == "none":
                matches, known = list(islice(ranked, room)), None
            else:
                shown = matched_members(store, engine, all_words, request)
                matches = collapsed(ranked, store, None, request.collapse, 0, room, shown)
                known = match_groups(matched_members(store, engine, some, request))
            extra = annotate([make_hit(m) for m in matches], store, known, request.collapse)
    results.some_words_hits = extra
    results.some_words_total = total
