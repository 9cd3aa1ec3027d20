"""Pages for studying coverage rather than finding articles: attention over time compared across
queries (``/compare``, with SVG and CSV downloads), the concordance (``/kwic``), words that
characterise a result set (``/terms``, also the results page's panel) and what the archive holds
per source (``/coverage``). Their JSON twins are in ``webui.api``; the URL parameters are read
here for both."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from werkzeug.datastructures import MultiDict

from search.attention import MAX_QUERIES, NORMALIZE, UNITS, Attention, AttentionRequest, attention
from search.concordance import DEFAULT_WIDTH, MAX_WIDTH, ORDERS, lines, page
from search.errors import InvalidRequestError, QuerySyntaxError
from search.export import ATTENTION_COLUMNS, KWIC_COLUMNS, attention_rows, chunks
from search.groups.views import open_groups
from search.intervals import AUTO, INTERVALS
from search.searching import parse_day
from search.serialize import attention_to_dict, line_to_dict
from search.significant import significant_terms
from search.types import MAX_QUERY_CHARS, MODES, SearchRequest
from search.volume import gaps_between, volume
from webui.linechart import build_chart
from webui.pagination import page_window
from webui.params import query_args, request_from_args
from webui.state import engine, settings

bp = Blueprint("study", __name__)

KWIC_PAGE = 50


@dataclass(frozen=True)
class ChartView:
    """How a chart is shown, beside what it counts."""

    normalize: str = "share"
    smooth: bool = False


def _bound(args: MultiDict, name: str, end: bool) -> date | None:
    try:
        return parse_day(args.get(name, ""), end)
    except InvalidRequestError:
        raise InvalidRequestError(f"{name} must be a date as YYYY, YYYY-MM or YYYY-MM-DD") from None


def attention_request(args: MultiDict) -> tuple[AttentionRequest, ChartView]:
    """``q`` (repeated, up to 8), ``source``, ``from``, ``to``, ``interval``, ``normalize``,
    ``smooth``, ``unit``, ``mode``: the same on the page and in the API."""
    queries = tuple(q for q in args.getlist("q") if q.strip())
    if any(len(q) > MAX_QUERY_CHARS for q in queries):
        raise InvalidRequestError(f"a query has at most {MAX_QUERY_CHARS:,} characters")
    normalize = args.get("normalize", "share") or "share"
    if normalize not in NORMALIZE:
        raise InvalidRequestError("normalize must be share or count")
    mode = args.get("mode", "auto") or "auto"
    if mode not in MODES:
        raise InvalidRequestError(f"mode must be one of {', '.join(MODES)}")
    found = AttentionRequest(
        queries=queries,
        interval=args.get("interval", AUTO) or AUTO,
        sources=tuple(dict.fromkeys(s.strip() for s in args.getlist("source") if s.strip())),
        date_from=_bound(args, "from", False),
        date_to=_bound(args, "to", True),
        mode=mode,
        unit=args.get("unit", "articles") or "articles",
    )
    if found.date_from and found.date_to and found.date_from > found.date_to:
        raise InvalidRequestError(f"the from date {found.date_from} is after the to date")
    smooth = args.get("smooth", "") or ""
    if smooth not in ("", "0", "1", "on", "true", "false"):
        raise InvalidRequestError("smooth must be 1 (a 7-point rolling mean) or 0")
    return found, ChartView(normalize, smooth in ("1", "on", "true"))


def compare_args(req: AttentionRequest, view: ChartView, **changes) -> dict:
    """The URL parameters of a comparison (defaults left out), for links and downloads."""
    values = {
        "q": list(req.queries),
        "source": list(req.sources),
        "from": req.date_from.isoformat() if req.date_from else None,
        "to": req.date_to.isoformat() if req.date_to else None,
        "interval": req.interval if req.interval != AUTO else None,
        "normalize": view.normalize if view.normalize != "share" else None,
        "smooth": "1" if view.smooth else None,
        "unit": req.unit if req.unit != "articles" else None,
        "mode": req.mode if req.mode != "auto" else None,
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v not in (None, [], "")}


def bucket_search(req: AttentionRequest, query: str, start: date | None, end: date | None) -> str:
    """The search behind one point: its query over its bucket (none: the whole chart), within
    the chart's own dates."""
    if req.date_from:
        start = max(start, req.date_from) if start else req.date_from
    if req.date_to:
        end = min(end, req.date_to) if end else req.date_to
    search = SearchRequest(
        query=query, sources=req.sources, date_from=start, date_to=end, mode=req.mode
    )
    return url_for("pages.search", **query_args(search))


def _chart(found: Attention, view: ChartView):
    gaps = []
    if found.first is not None:
        gaps = gaps_between(engine(), found.first, found.last, found.request.sources)
    return build_chart(found, view.normalize, view.smooth, gaps), gaps


def _compare_page(req, view, found=None, error=None, status=200):
    chart, gaps = _chart(found, view) if found is not None else (None, [])
    rows = max(len(req.queries) + 1, 3)
    slots = list(req.queries) + [""] * (min(rows, MAX_QUERIES) - len(req.queries))
    return (
        render_template(
            "compare.html",
            creq=req,
            view=view,
            found=found,
            chart=chart,
            gaps=gaps,
            slots=slots,
            error=error,
            intervals=(AUTO, *INTERVALS),
            units=UNITS,
            has_groups=_has_groups(),
            compare_args=compare_args,
            bucket_search=bucket_search,
            max_queries=MAX_QUERIES,
        ),
        status,
    )


def _has_groups() -> bool:
    store = open_groups(engine().path)
    if store is None:
        return False
    store.close()
    return True


@bp.get("/compare")
def compare():
    try:
        req, view = attention_request(request.args)
    except InvalidRequestError as exc:
        return _compare_page(AttentionRequest(()), ChartView(), error=str(exc), status=400)
    if not req.queries:
        return _compare_page(req, view)
    try:
        found = attention(engine(), req)
    except (QuerySyntaxError, InvalidRequestError) as exc:
        return _compare_page(req, view, error=str(exc), status=400)
    return _compare_page(req, view, found)


def _chart_or_400(args: MultiDict):
    req, view = attention_request(args)
    return req, view, attention(engine(), req)


@bp.get("/compare.csv")
def compare_csv():
    try:
        req, view, found = _chart_or_400(request.args)
    except (QuerySyntaxError, InvalidRequestError) as exc:
        return Response(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")
    rows = attention_rows(attention_to_dict(found))
    response = Response(
        "".join(chunks(rows, "csv", ATTENTION_COLUMNS)), content_type="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="attention.csv"'
    return response


@bp.get("/compare.svg")
def compare_svg():
    try:
        req, view, found = _chart_or_400(request.args)
    except (QuerySyntaxError, InvalidRequestError) as exc:
        return Response(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")
    chart, gaps = _chart(found, view)
    if chart is None:
        message = "nothing to chart: no dated article passes these filters"
        notes = "".join(f"; {w}" for w in found.warnings)
        return Response(f"{message}{notes}\n", status=404, content_type="text/plain; charset=utf-8")
    body = render_template(
        "_linechart.html", chart=chart, creq=req, standalone=True, bucket_search=bucket_search
    )
    response = Response(body, content_type="image/svg+xml; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="attention.svg"'
    return response


# ---------------------------------------------------------------------------------------- kwic


def kwic_options(args: MultiDict) -> tuple[str, int, int]:
    order = args.get("order", "article") or "article"
    if order not in ORDERS:
        raise InvalidRequestError(f"order must be one of {', '.join(ORDERS)}")
    raw_width = args.get("width", "") or str(DEFAULT_WIDTH)
    raw_page = args.get("page", "1") or "1"
    if not raw_width.isdigit() or not 10 <= int(raw_width) <= MAX_WIDTH:
        raise InvalidRequestError(f"width must be a whole number from 10 to {MAX_WIDTH}")
    if not raw_page.isdigit() or int(raw_page) < 1:
        raise InvalidRequestError("page must be a whole number from 1")
    return order, int(raw_width), int(raw_page)


def kwic_request(args: MultiDict) -> SearchRequest:
    """The search whose matches a concordance reads, oldest first unless ``sort`` says (its
    ``page`` is the concordance's own, and it has no ``limit``)."""
    own = MultiDict([(k, v) for k, v in args.items(multi=True) if k not in ("page", "limit")])
    sort = args.get("sort", "") or "oldest"
    return replace(request_from_args(own, settings().page_size, collapse="none"), sort=sort)


def read_kwic(args: MultiDict) -> tuple[SearchRequest, str, int, int]:
    """A concordance page's search, order, context width and page number, from the URL."""
    order, width, number = kwic_options(args)
    return kwic_request(args), order, width, number


def kwic_page(search_request: SearchRequest, order: str, width: int, number: int):
    first = (number - 1) * KWIC_PAGE
    return page(engine(), search_request, order=order, first=first, count=KWIC_PAGE, width=width)


@bp.get("/kwic")
def kwic():
    search_request = SearchRequest(query=request.args.get("q", "")[:MAX_QUERY_CHARS])
    order, width, number = "article", DEFAULT_WIDTH, 1
    found = error = None
    status = 200
    try:
        search_request, order, width, number = read_kwic(request.args)
        if search_request.query.strip():
            found = kwic_page(search_request, order, width, number)
    except (QuerySyntaxError, InvalidRequestError) as exc:
        error, status = str(exc), 400
    pages = max(1, -(-found.total // KWIC_PAGE)) if found else 1
    return (
        render_template(
            "kwic.html",
            req=search_request,
            found=found,
            error=error,
            order=order,
            orders=ORDERS,
            width=width,
            number=number,
            pages=pages,
            window=page_window(number, pages) if found else [],
            first=(number - 1) * KWIC_PAGE,
        ),
        status,
    )


@bp.get("/kwic.csv")
def kwic_csv():
    try:
        args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k != "page"])
        order, width, _ = kwic_options(args)
        search_request = kwic_request(args)
        found = lines(engine(), search_request, width)
        if order != "article":  # sorting needs every line first; the lines are small
            found = iter(sorted(found, key=lambda line: line.sort_key(order)))
        rows = (line_to_dict(line) for line in found)
        first = next(rows, None)  # parse errors surface here, before the response starts
    except (QuerySyntaxError, InvalidRequestError) as exc:
        return Response(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")

    def everything():
        if first is not None:
            yield first
            yield from rows

    response = Response(
        stream_with_context(chunks(everything(), "csv", KWIC_COLUMNS)),
        content_type="text/csv; charset=utf-8",
    )
    response.headers["Content-Disposition"] = 'attachment; filename="concordance.csv"'
    return response


# ---------------------------------------------------------------------------------------- terms


@bp.get("/terms")
def terms():
    """The words panel: the whole page, or (``fragment=1``) the panel alone for the results
    page, which loads it when opened."""
    error, found = None, None
    search_request = SearchRequest(query=request.args.get("q", "")[:MAX_QUERY_CHARS])
    try:
        search_request = request_from_args(request.args, settings().page_size)
        found = significant_terms(engine(), search_request, terms_size(request.args))
    except (QuerySyntaxError, InvalidRequestError) as exc:
        error = str(exc)
    template = "_terms.html" if request.args.get("fragment") == "1" else "terms.html"
    return render_template(
        template, req=search_request, found=found, error=error, with_term=with_term
    ), (400 if error else 200)


def terms_size(args: MultiDict) -> int:
    raw = args.get("size", "") or "20"
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise InvalidRequestError("size must be a whole number from 1 to 100")
    return int(raw)


def with_term(query: str, term: str) -> str:
    """``query`` narrowed to articles that also hold ``term``: an OR, which binds looser than
    the implied AND, is put in parentheses first so the word narrows all of it."""
    query = query.strip()
    if re.search(r"(^|\s)(OR|\|)(\s|$)", query) or query.startswith("-"):
        query = f"({query})"
    return f"{query} {term}".strip()


# ---------------------------------------------------------------------------------------- coverage


@bp.get("/coverage")
def coverage():
    interval = request.args.get("interval", AUTO) or AUTO
    if interval not in (AUTO, *INTERVALS):
        interval, error = AUTO, f"interval must be one of {AUTO}, {', '.join(INTERVALS)}"
    else:
        error = None
    sources = tuple(s for s in request.args.getlist("source") if s.strip())
    try:
        date_from, date_to = _bound(request.args, "from", False), _bound(request.args, "to", True)
        if date_from and date_to and date_from > date_to:
            raise InvalidRequestError(f"the from date {date_from} is after the to date")
        found = volume(engine(), interval, sources, date_from, date_to)
    except InvalidRequestError as exc:
        date_from = date_to = None
        interval, error = AUTO, str(exc)
        found = volume(engine(), AUTO, sources)
    flagged = {
        (row.source, index): days
        for row in found.sources
        for index in range(len(found.buckets))
        if (days := found.gap_days(row.source, index))
    }
    return render_template(
        "coverage.html",
        found=found,
        error=error,
        interval=interval,
        intervals=(AUTO, *INTERVALS),
        sources=sources,
        flagged=flagged,
        date_from=date_from,
        date_to=date_to,
        around=lambda gap: (gap.start - timedelta(days=7), gap.end + timedelta(days=7)),
    ), (400 if error else 200)


@bp.app_template_global()
def study_url(endpoint: str, req: SearchRequest, **extra) -> str:
    """A URL of one of these pages (``kwic``, ``terms``, ``compare``...) for a search's query
    and filters, with ``extra`` parameters (None values left out)."""
    args = query_args(replace(req, page=1, sort="relevance", collapse="copies"))
    if endpoint == "study.compare":
        args.pop("sort", None)
    args.update({k: v for k, v in extra.items() if v is not None})
    return url_for(endpoint, **args)
