"""Reading a search from the URL: every state of the search page lives in its query string.

``q``, ``source`` (repeatable), ``from``, ``to``, ``sort``, ``mode``, ``page`` and ``limit`` (hits
per page, at most 100) mean the same on the HTML pages and in the JSON API. Bad values raise
``InvalidRequestError`` with a message for the user.
"""

from __future__ import annotations

from dataclasses import replace

from werkzeug.datastructures import MultiDict

from search.errors import InvalidRequestError, QuerySyntaxError
from search.modes import MODES
from search.query import MAX_QUERY_CHARS, date_bound
from search.types import MAX_PAGE, MAX_PAGE_SIZE, SORTS, SearchRequest

MAX_SOURCES = 20
MAX_SOURCE_CHARS = 200


def _day(value: str, end: bool, name: str):
    if not value:
        return None
    try:
        return date_bound(value, end)
    except QuerySyntaxError:
        raise InvalidRequestError(f"{name} must be a date as YYYY, YYYY-MM or YYYY-MM-DD") from None


def request_from_args(args: MultiDict, page_size: int = 10) -> SearchRequest:
    query = args.get("q", "")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidRequestError(
            f"query too long ({len(query):,} characters, at most {MAX_QUERY_CHARS:,})"
        )
    sources = tuple(dict.fromkeys(s.strip() for s in args.getlist("source") if s.strip()))
    if len(sources) > MAX_SOURCES or any(len(s) > MAX_SOURCE_CHARS for s in sources):
        raise InvalidRequestError(f"at most {MAX_SOURCES} sources of {MAX_SOURCE_CHARS} characters")
    mode = args.get("mode", "auto") or "auto"
    if mode not in MODES:
        raise InvalidRequestError(f"mode must be one of {', '.join(MODES)}")
    sort = args.get("sort", "relevance") or "relevance"
    if sort not in SORTS:
        raise InvalidRequestError(f"sort must be one of {', '.join(SORTS)}")
    raw_page = args.get("page", "1") or "1"
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= MAX_PAGE:
        raise InvalidRequestError(f"page must be a whole number from 1 to {MAX_PAGE:,}")
    raw_limit = args.get("limit", "") or str(page_size)
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_PAGE_SIZE:
        raise InvalidRequestError(
            f"limit must be a whole number from 1 to {MAX_PAGE_SIZE} (hits per page)"
        )
    request = SearchRequest(
        query=query,
        sources=sources,
        date_from=_day(args.get("from", ""), False, "from"),
        date_to=_day(args.get("to", ""), True, "to"),
        sort=sort,
        page=int(raw_page),
        page_size=int(raw_limit),
        mode=mode,
    )
    if request.date_from and request.date_to and request.date_from > request.date_to:
        raise InvalidRequestError("the from date is after the to date")
    return request


def query_args(request: SearchRequest, **changes) -> dict:
    """The URL parameters of ``request`` with ``changes`` applied; defaults are left out."""
    request = replace(request, **changes)
    args: dict = {}
    if request.query:
        args["q"] = request.query
    if request.sources:
        args["source"] = list(request.sources)
    if request.date_from:
        args["from"] = request.date_from.isoformat()
    if request.date_to:
        args["to"] = request.date_to.isoformat()
    if request.sort != "relevance":
        args["sort"] = request.sort
    if request.page != 1:
        args["page"] = request.page
    if request.mode != "auto":
        args["mode"] = request.mode
    if request.page_size != SearchRequest.page_size:
        args["limit"] = request.page_size
    return args
