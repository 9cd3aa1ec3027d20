"""The JSON API: the search page and the article page as data, one error shape for both.

``/api/search`` returns exactly what ``morgue search --json`` prints (but collapses nothing unless
asked: ``collapse=copies|stories``), ``/api/stories/<id>`` what ``morgue story --json`` prints;
errors are
``{"error": {"code", "message"}}`` with a 4xx status for bad input.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from search.coverage import NO_GROUPS, article_groups, groups_ready, story_by_id
from search.errors import InvalidRequestError, QuerySyntaxError
from search.searching import run_search
from search.serialize import article_to_dict, brief, results_to_dict, story_to_dict
from webui.errors import json_error
from webui.params import request_from_args
from webui.state import engine, settings

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    try:
        search_request = request_from_args(request.args, settings().page_size, collapse="none")
        results = run_search(engine(), search_request)
    except QuerySyntaxError as exc:
        return json_error(400, "bad_query", str(exc))
    except InvalidRequestError as exc:
        return json_error(400, "bad_request", str(exc))
    return jsonify(results_to_dict(results))


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
