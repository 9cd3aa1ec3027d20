"""The HTML pages: search (with facets, timeline, pagination), article, query help."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from search.errors import InvalidRequestError, QuerySyntaxError
from search.highlight import find_matches
from search.modes import build_query
from search.query import MAX_QUERY_CHARS
from search.searching import search as run_search
from search.types import SORTS, SearchRequest
from webui.app import engine, settings
from webui.params import request_from_args
from webui.timeline import build_timeline

bp = Blueprint("pages", __name__)

EXAMPLES = (
    ("deputize IRS agents", "all three words, in any form (deputized, deputizing)"),
    ('"Kristi Noem"', "an exact phrase"),
    ("oil OR gas -coal", "either word, without a third"),
    ('"oil prices"~5', "two words near each other"),
    ("source:Reuters date:2025-02", "one outlet, one month"),
)


def page_window(page: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to show: the first, the last and a few around the current; None is a gap."""
    wanted = {1, pages, *range(page - around, page + around + 1)}
    shown: list[int | None] = []
    for number in sorted(n for n in wanted if 1 <= n <= pages):
        if shown and number - shown[-1] > 1:  # type: ignore[operator]
            shown.append(None)
        shown.append(number)
    return shown


def _render_search(search_request: SearchRequest, *, results=None, error=None, status=200):
    archive = engine().stats() if results is None and error is None else None
    timeline = None
    if results is not None:
        timeline = build_timeline(results.date_facets, results.date_granularity)
    return (
        render_template(
            "search.html",
            req=search_request,
            results=results,
            error=error,
            timeline=timeline,
            pages=page_window(results.page, results.pages) if results else [],
            sorts=SORTS,
            examples=EXAMPLES,
            max_query_chars=MAX_QUERY_CHARS,
            archive=archive,
        ),
        status,
    )


@bp.get("/")
@bp.get("/search")
def search():
    try:
        search_request = request_from_args(request.args, settings().page_size)
    except InvalidRequestError as exc:
        fallback = SearchRequest(query=request.args.get("q", "")[:MAX_QUERY_CHARS])
        return _render_search(fallback, error=str(exc), status=400)
    browsing = search_request.sources or search_request.date_from or search_request.date_to
    if not search_request.query.strip() and not browsing:
        return _render_search(search_request)
    try:
        results = run_search(engine(), search_request)
    except (QuerySyntaxError, InvalidRequestError) as exc:
        return _render_search(search_request, error=str(exc), status=400)
    return _render_search(search_request, results=results)


@bp.get("/article/<path:article_id>")
def article(article_id: str):
    """:raise 404: when no article has that id."""
    found = engine().get(article_id)
    if found is None:
        abort(404, description=f"No article has the id {article_id!r}.")
    try:  # the search the reader came from, whole: the way back keeps filters, sort, page
        origin = request_from_args(request.args, settings().page_size)
    except InvalidRequestError:
        origin = SearchRequest(query=request.args.get("q", "")[:MAX_QUERY_CHARS])
    title_spans, body_spans = (), ()
    if origin.query:
        try:
            node = build_query(origin.query, origin.mode)
            title_spans = find_matches(found.title, node, "title")
            body_spans = find_matches(found.body, node, "body")
        except QuerySyntaxError:
            origin = SearchRequest()
    similar = [a for a in engine().more_like(article_id, 5) if a.id != article_id]
    return render_template(
        "article.html",
        article=found,
        origin=origin,
        query=origin.query,
        title_spans=title_spans,
        body_spans=body_spans,
        similar=similar,
    )


@bp.get("/help")
def help_page():
    return render_template("help.html", examples=EXAMPLES, max_query_chars=MAX_QUERY_CHARS)
