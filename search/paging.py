"""Deep paging: every match of a search exactly once, a page at a time, even while new articles
are committed.

Offsets over a live index are not enough: a commit between two pages moves articles across the
page boundary (an article seen twice, another never), and relevance scores themselves change as
the archive grows. So the first page pins the whole order (``Engine.ranked_ids``: ids and scores,
no stored article read, ties broken by id) and every later page is a slice of it, its articles
read by id. A pinned order is held by its front end (the web app keeps a few, for a while);
``MAX_PINNED`` matches at most, past which a search is too broad to page this way and the
caller says so (an export or ``morgue search --all`` streams any number).
"""

from __future__ import annotations

from dataclasses import replace

from search.collapse import annotate
from search.groups.views import open_groups
from search.searching import prepare, to_hit
from search.types import Engine, Hit, SearchRequest

MAX_PINNED = 100_000


def pinned_order(engine: Engine, request: SearchRequest) -> list[tuple[str, float | None]]:
    """(id, score) of every match of ``request`` in its order."""
    request = replace(request, page=1)
    return engine.ranked_ids(prepare(engine, request).query, request)


def hits_at(
    engine: Engine, request: SearchRequest, order: list[tuple[str, float | None]]
) -> list[Hit]:
    """The articles of a slice of a pinned order as hits (highlighted for the request, with
    their groups); an article deleted since is left out."""
    prepared = prepare(engine, replace(request, page=1))
    hits = []
    for article_id, score in order:
        article = engine.get(article_id)
        if article is not None:
            hits.append(to_hit(article, score, prepared))
    store = open_groups(engine.path)
    if store is None:
        return hits
    with store:
        return annotate(hits, store)
