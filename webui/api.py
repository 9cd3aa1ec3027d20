"""The JSON API: the search page and the article page as data, one error shape for both.

``/api/search`` returns exactly what ``morgue search --json`` prints (but collapses nothing unless
asked: ``collapse=copies|stories``), ``/api/stories/<id>`` what ``morgue story --json`` prints;
``/api/attention``, ``/api/terms``, ``/api/kwic`` and ``/api/coverage`` what ``morgue attention``,
``terms``, ``kwic`` and ``coverage`` print with ``--json``; errors are
``{"error": {"code", "message"}}`` with a 4xx status for bad input.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, jsonify, request

from search.attention import attention
from search.coverage import NO_GROUPS, article_groups, groups_ready, story_by_id
from search.errors import InvalidRequestError, QuerySyntaxError
from search.intervals import AUTO, INTERVALS
from search.paging import MAX_PINNED, hits_at, pinned_order
from search.searching import parse_day, run_search
from search.serialize import (
    article_to_dict,
    attention_to_dict,
    brief,
    hit_to_dict,
    line_to_dict,
    results_to_dict,
    story_to_dict,
    terms_to_dict,
    volume_to_dict,
)
from search.significant import significant_terms
from search.volume import gaps_between, volume
from webui.attention_views import attention_request, kwic_page, read_kwic, terms_size
from webui.cursors import CursorError, parse, token
from webui.errors import json_error
from webui.params import request_from_args
from webui.state import cursors, engine, settings

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    """One page, and ``next``: a cursor to the page after it (``&cursor=`` on the next request)
    that pages through every match exactly once, whatever is committed meanwhile."""
    cursor = request.args.get("cursor")
    try:
        args = request.args.copy()
        args.pop("cursor", None)
        search_request = request_from_args(args, settings().page_size, collapse="none")
        if cursor:
            key, offset = parse(cursor)
            search_request = replace(search_request, page=1)
            order = cursors().order(key, search_request)
        results = run_search(engine(), search_request)
    except QuerySyntaxError as exc:
        return json_error(400, "bad_query", str(exc))
    except (InvalidRequestError, CursorError) as exc:
        return json_error(400, "bad_request", str(exc))
    document = results_to_dict(results)
    document["next"] = None
    if search_request.collapse != "none" or not 0 < results.total <= MAX_PINNED:
        if cursor:
            return json_error(400, "bad_request", "a cursor pages articles: use collapse=none")
        if search_request.collapse != "none" and results.pages > 1:  # say why there is no next
            document["warnings"].append(
                "no cursor for a collapsed list: page with &page=, or use collapse=none and next"
            )
        return jsonify(document)
    size = search_request.page_size
    if not cursor:
        offset = (search_request.page - 1) * size
        if offset + size >= results.total:
            return jsonify(document)  # one page holds the rest: nothing to pin
        order = pinned_order(engine(), search_request)
        key = cursors().pin(replace(search_request, page=1), order)
    page = order[offset : offset + size]
    document["page"] = offset // size + 1  # a cursor's page is where it points, not page=
    if cursor or [i for i, _ in page] != [h.id for h in results.hits]:
        # a later page, or a commit landed between the search and its pinning: the page is
        # the pinned order's (else the hits just made are that page already)
        document["hits"] = [hit_to_dict(h) for h in hits_at(engine(), search_request, page)]
    if offset + size < len(order):
        document["next"] = token(key, offset + size)
    return jsonify(document)


@bp.get("/articles/<path:article_id>")
def article(article_id: str):
    found = engine().get(article_id)
    if found is None:
        return json_error(404, "not_found", f"no article with id {article_id!r}")
    copies, story = article_groups(engine(), article_id)
    document = article_to_dict(found)
    document["copies"] = [brief(c) for c in copies]
    document["story"] = (
        {"id": story.id, "articles": [brief(a) for a in story.articles]} if story else None
    )
    return jsonify(document)


@bp.get("/stories/<path:story_id>")
def story(story_id: str):
    found = story_by_id(engine(), story_id)
    if found is None and not groups_ready(engine()):
        return json_error(404, "no_groups", NO_GROUPS)
    if found is None:
        return json_error(404, "not_found", f"no story or article with id {story_id!r}")
    return jsonify(story_to_dict(found))


def _bad(exc: Exception):
    code = "bad_query" if isinstance(exc, QuerySyntaxError) else "bad_request"
    return json_error(400, code, str(exc))


@bp.get("/attention")
def attention_api():
    """``gaps=1`` adds the possible gaps in the archive within the chart's span."""
    try:
        req, _ = attention_request(request.args)
        found = attention(engine(), req)
    except (QuerySyntaxError, InvalidRequestError) as exc:
        return _bad(exc)
    gaps = None
    if request.args.get("gaps") == "1":
        gaps = gaps_between(engine(), found.first, found.last, req.sources) if found.first else []
    return jsonify(attention_to_dict(found, gaps))


@bp.get("/terms")
def terms_api():
    try:
        search_request = request_from_args(request.args, settings().page_size, collapse="none")
        found = significant_terms(engine(), search_request, terms_size(request.args))
    except (QuerySyntaxError, InvalidRequestError) as exc:
        return _bad(exc)
    return jsonify({"query": search_request.query, **terms_to_dict(found)})


@bp.get("/kwic")
def kwic_api():
    """One page of concordance lines (``order`` article|left|right, ``page``, ``width``)."""
    try:
        search_request, order, width, number = read_kwic(request.args)
        found = kwic_page(search_request, order, width, number)
    except (QuerySyntaxError, InvalidRequestError) as exc:
        return _bad(exc)
    return jsonify(
        {
            "query": search_request.query,
            "order": order,
            "page": number,
            "total": found.total,
            "capped": found.capped,
            "warnings": found.warnings,
            "lines": [line_to_dict(line) for line in found.lines],
        }
    )


@bp.get("/coverage")
def coverage_api():
    interval = request.args.get("interval", AUTO) or AUTO
    if interval not in (AUTO, *INTERVALS):
        return json_error(
            400, "bad_request", f"interval must be one of {AUTO}, {', '.join(INTERVALS)}"
        )
    sources = tuple(s for s in request.args.getlist("source") if s.strip())
    try:
        date_from = parse_day(request.args.get("from", ""), False)
        date_to = parse_day(request.args.get("to", ""), True)
        found = volume(engine(), interval, sources, date_from, date_to)
    except InvalidRequestError as exc:
        return _bad(exc)
    return jsonify(volume_to_dict(found))
