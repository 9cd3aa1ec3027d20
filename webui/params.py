"""Reading a search from the URL: every state of the search page lives in its query string.

``q``, ``source`` (repeatable), ``from``, ``to``, ``sort``, ``mode``, ``collapse``, ``page`` and
``limit`` (hits per page, at most 100) mean the same on the HTML pages and in the JSON API, but for
one default: the pages collapse copies unless told otherwise (``PAGE_COLLAPSE``), the API
collapses nothing, as it did before groups existed. Bad values raise ``InvalidRequestError`` with
a message for the user.
"""

from __future__ import annotations

from dataclasses import replace

from werkzeug.datastructures import MultiDict

from search.errors import InvalidRequestError
from search.searching import parse_day, validate
from search.types import MAX_PAGE, MAX_PAGE_SIZE, SearchRequest

PAGE_COLLAPSE = "copies"  # what the HTML pages collapse when the URL does not say


def request_from_args(
    args: MultiDict, page_size: int = 10, collapse: str = PAGE_COLLAPSE
) -> SearchRequest:
    """The request a query string describes, validated by the pipeline's own ``validate``."""
    raw_page = args.get("page", "1") or "1"
    if not raw_page.isdigit():
        raise InvalidRequestError(f"page must be a whole number from 1 to {MAX_PAGE:,}")
    raw_limit = args.get("limit", "") or str(page_size)
    if not raw_limit.isdigit():
        raise InvalidRequestError(
            f"limit must be a whole number from 1 to {MAX_PAGE_SIZE} (hits per page)"
        )
    request = SearchRequest(
        query=args.get("q", ""),
        sources=tuple(dict.fromkeys(s.strip() for s in args.getlist("source") if s.strip())),
        date_from=_bound(args.get("from", ""), False, "from"),
        date_to=_bound(args.get("to", ""), True, "to"),
        sort=args.get("sort", "relevance") or "relevance",
        page=int(raw_page),
        page_size=int(raw_limit),
        mode=args.get("mode", "auto") or "auto",
        collapse=args.get("collapse", "") or collapse,
    )
    validate(request)
    return request


def _bound(value: str, end: bool, name: str):
    try:
        return parse_day(value, end)
    except InvalidRequestError:
        raise InvalidRequestError(f"{name} must be a date as YYYY, YYYY-MM or YYYY-MM-DD") from None


def query_args(request: SearchRequest, **changes) -> dict:
    """The page URL parameters of ``request`` with ``changes`` applied; the pages' defaults are
    left out."""
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
    if request.collapse != PAGE_COLLAPSE:
        args["collapse"] = request.collapse
    if request.page_size != SearchRequest.page_size:
        args["limit"] = request.page_size
    return args
