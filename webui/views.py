"""The HTML pages: search (with facets, timeline, pagination), article, query help."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, render_template, request, url_for

from search.attention import NORMALIZE, AttentionRequest, attention
from search.coverage import (
    NO_GROUPS,
    article_groups,
    groups_ready,
    story_by_id,
    tie_note,
    when,
)
from search.errors import InvalidRequestError, QuerySyntaxError
from search.intervals import AUTO, INTERVALS
from search.query.modes import mode_used
from search.searching import highlight_article, more_like, run_search
from search.types import MAX_QUERY_CHARS, SORTS, DateBucket, SearchRequest
from webui.pagination import page_window
from webui.params import query_args, request_from_args
from webui.state import engine, settings
from webui.story_timeline import story_timeline
from webui.timeline import build_timeline

bp = Blueprint("pages", __name__)

COLLAPSES = (
    ("copies", "one per group of copies"),
    ("stories", "one per story"),
    ("none", "every article"),
)
EXAMPLES = (
    ("deputize IRS agents", "all three words, in any form (deputized, deputizing)"),
    ('"Kristi Noem"', "an exact phrase"),
    ("oil OR gas -coal", "either word, without a third"),
    ('"oil prices"~5', "two words near each other"),
    ("source:Reuters date:2025-02", "one outlet, one month"),
)


def timeline_view(args) -> tuple[str, str]:
    """The results timeline's interval and measure from the URL (``InvalidRequestError`` for
    an unknown one, as for any other parameter)."""
    interval = args.get("interval", AUTO) or AUTO
    measure = args.get("measure", "count") or "count"
    if interval not in (AUTO, *INTERVALS):
        raise InvalidRequestError(f"interval must be one of {AUTO}, {', '.join(INTERVALS)}")
    if measure not in NORMALIZE:
        raise InvalidRequestError("measure must be count or share")
    return interval, measure


def results_timeline(search_request: SearchRequest, results, interval: str, measure: str):
    """The timeline of the matches: by default the engine's own day counts, bucketed by the
    span of the matches; another interval or the share of all articles asks the attention
    pipeline for the same span."""
    if interval == AUTO and measure == "count":
        return build_timeline(results.date_facets, results.date_granularity)
    if not results.date_facets:
        return None
    first, last = results.date_facets[0].start, results.date_facets[-1].end
    chosen = results.date_granularity if interval == AUTO else interval
    found = attention(
        engine(),
        AttentionRequest(
            (search_request.query,),
            interval=chosen,
            sources=search_request.sources,
            date_from=max(first, search_request.date_from or first),
            date_to=min(last, search_request.date_to or last),
            mode=search_request.mode,
        ),
    )
    points = found.series[0].points
    while len(points) > 1 and not points[0].count:  # the matches' own span, not the filters'
        points = points[1:]
    while len(points) > 1 and not points[-1].count:
        points = points[:-1]
    buckets = [DateBucket(p.bucket, p.count, p.start, p.end) for p in points]
    shares = [p.share for p in points] if measure == "share" else None
    return build_timeline(buckets, found.interval, shares=shares)


def _render_search(
    search_request: SearchRequest, *, results=None, error=None, status=200, syntax=False
):
    archive = engine().stats() if results is None and error is None else None
    timeline = None
    try:
        interval, measure = timeline_view(request.args)
    except InvalidRequestError as exc:
        interval, measure = AUTO, "count"
        results, error, status = None, error or str(exc), 400
    if results is not None:
        try:
            timeline = results_timeline(search_request, results, interval, measure)
        except InvalidRequestError:  # too many buckets for this interval: the default one
            timeline = results_timeline(search_request, results, AUTO, measure)
    return (
        render_template(
            "search.html",
            req=search_request,
            results=results,
            error=error,
            syntax=syntax,
            timeline=timeline,
            pages=page_window(results.page, results.pages) if results else [],
            sorts=SORTS,
            collapses=COLLAPSES,
            examples=EXAMPLES,
            max_query_chars=MAX_QUERY_CHARS,
            archive=archive,
            interval=interval,
            measure=measure,
            intervals=(AUTO, *INTERVALS),
            timeline_url=timeline_url,
            relaxable=bool(search_request.query) and mode_used(search_request.query) == "any",
        ),
        status,
    )


def timeline_url(search_request: SearchRequest, interval: str, measure: str, **changes) -> str:
    """The search page with this timeline view (and ``changes`` to the search: a bar's dates)."""
    search_request = replace(search_request, page=1, **changes)
    extra = {}
    if interval != AUTO:
        extra["interval"] = interval
    if measure != "count":
        extra["measure"] = measure
    return url_for("pages.search", **query_args(search_request), **extra)


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
    except QuerySyntaxError as exc:
        return _render_search(search_request, error=str(exc), status=400, syntax=True)
    except InvalidRequestError as exc:
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
    try:
        title_spans, body_spans = highlight_article(engine(), found, origin)
    except (QuerySyntaxError, InvalidRequestError):
        origin, title_spans, body_spans = SearchRequest(), [], []
    similar = more_like(engine(), article_id, 5)
    copies, story = article_groups(engine(), article_id)
    return render_template(
        "article.html",
        article=found,
        origin=origin,
        query=origin.query,
        title_spans=title_spans,
        body_spans=body_spans,
        similar=similar,
        copies=copies,
        story=story,
        when=when,
    )


@bp.get("/story/<path:story_id>")
def story(story_id: str):
    """A story's coverage: its articles in time order, who was first, what copies changed.

    :raise 404: when no story or article has that id."""
    found = story_by_id(engine(), story_id)
    if found is None and not groups_ready(engine()):
        abort(404, description=NO_GROUPS[0].upper() + NO_GROUPS[1:] + ".")
    if found is None:
        abort(404, description=f"No story or article has the id {story_id!r}.")
    return render_template(
        "story.html", story=found, when=when, tie_note=tie_note, timeline=story_timeline(found)
    )


@bp.get("/help")
def help_page():
    return render_template("help.html", examples=EXAMPLES, max_query_chars=MAX_QUERY_CHARS)
