"""Saved queries in the browser: save from the results page, list, view with new hits marked,
run, edit, delete, export, and follow as an Atom feed.

Every state-changing request is a POST protected by a CSRF token (Flask-WTF); GET never changes
anything. Exports and feeds are GETs because they only read.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from search.errors import InvalidRequestError, QuerySyntaxError
from search.export import FORMATS, chunks, export_rows
from search.saved import IndexChangedError, RunChanges, SavedQueryError, slugify
from search.searching import run_search
from search.types import MAX_QUERY_CHARS, MODES, SORTS
from webui.pagination import page_window
from webui.params import request_from_args
from webui.state import engine, settings, store

bp = Blueprint("saved", __name__)

FEED_ENTRIES = 50
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def get_saved(slug: str):
    """:raise 404: when no saved query has that name."""
    try:
        return store().get(slug)
    except SavedQueryError:
        abort(404, description=f"No saved query is called {slug!r}.")


def sparkline(totals: list[int], width: int = 160, height: int = 32) -> str | None:
    """SVG polyline points for the run totals (oldest first), or None with fewer than two runs."""
    if len(totals) < 2:
        return None
    peak = max(totals) or 1
    step = width / (len(totals) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (height - 4) * t / peak:.1f}" for i, t in enumerate(totals)
    )


@bp.get("/saved")
def saved_list(error: str | None = None, status: int = 200):
    return render_template(
        "saved/list.html", items=store().list(), deleted=store().deleted(), error=error
    ), status


@bp.post("/saved")
def saved_create():
    form = request.form
    try:
        search_request = request_from_args(form)
        name = form.get("name", "").strip() or search_request.query[:60] or "saved search"
        item = store().add(name, search_request, notes=form.get("notes", "").strip()[:5000])
    except (SavedQueryError, QuerySyntaxError, InvalidRequestError) as exc:
        return saved_list(error=str(exc), status=400)
    return redirect(url_for("saved.saved_detail", slug=item.slug), code=303)


@bp.get("/saved/<slug>")
def saved_detail(slug: str):
    """The saved search's current results, with the hits its latest run found new or changed
    marked: the same run, and the same counts, as /saved, `morgue saved run` and its JSON."""
    item = get_saved(slug)
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) <= 10_000 else 1
    results = run_search(engine(), item.paged(page, settings().page_size))
    elsewhere = store().last_ran_elsewhere(item, engine())
    changes = RunChanges() if elsewhere else store().last_changes(item)
    runs = store().runs(item.slug)
    return render_template(
        "saved/detail.html",
        item=item,
        results=results,
        req=item.paged(page),
        new_ids=changes.new,
        changed_ids=changes.changed,
        gone_ids=sorted(changes.gone),
        archive_changed=store().archive_changed_since_last_run(item, engine()),
        elsewhere=elsewhere,
        runs=runs,
        versions=store().versions(item.slug),
        spark=sparkline([r.total for r in runs]),
        pages=page_window(results.page, results.pages),
    )


@bp.post("/saved/<slug>/run")
def saved_run(slug: str):
    item = get_saved(slug)
    try:
        report = store().run(
            item.slug, engine(), index_changed=request.form.get("index_changed") == "1"
        )
    except IndexChangedError as exc:
        flash(str(exc), "error")
        return redirect(url_for("saved.saved_detail", slug=item.slug), code=303)
    run = report.run
    when = run.run_at.strftime("%Y-%m-%d %H:%M:%S")
    if report.first:
        flash(f"Ran at {when}: {run.total:,} hits, the baseline for what is new next time.")
    elif not report.recorded:
        flash(
            f"Nothing has changed in the archive since the last run ({when}): "
            f"{run.total:,} hits, {run.new:,} new, {run.changed:,} updated, {run.gone:,} gone."
        )
    else:
        flash(
            f"Ran at {when}: {run.total:,} hits, {run.new:,} new, {run.changed:,} updated, "
            f"{run.gone:,} gone since the run before."
        )
    return redirect(url_for("saved.saved_detail", slug=item.slug), code=303)


@bp.route("/saved/<slug>/edit", methods=["GET", "POST"])
def saved_edit(slug: str):
    item = get_saved(slug)
    error = None
    if request.method == "POST":
        form = request.form
        try:
            search_request = request_from_args(form)
            sources = tuple(s.strip() for s in form.get("sources", "").split(",") if s.strip())
            item = store().edit(
                item.slug,
                new_name=form.get("name", item.name),
                notes=form.get("notes", "").strip()[:5000],
                request=replace(search_request, sources=sources),
            )
            return redirect(url_for("saved.saved_detail", slug=item.slug), code=303)
        except (SavedQueryError, QuerySyntaxError, InvalidRequestError) as exc:
            error = str(exc)
    status = 400 if error else 200
    return render_template(
        "saved/edit.html",
        item=item,
        error=error,
        sorts=SORTS,
        modes=MODES,
        max_query_chars=MAX_QUERY_CHARS,
    ), status


@bp.get("/saved/<slug>/delete")
def saved_delete_confirm(slug: str):
    """Deleting asks first, and says how to get it back."""
    item = get_saved(slug)
    return render_template("saved/delete.html", item=item, runs=store().runs(item.slug))


@bp.post("/saved/<slug>/delete")
def saved_delete(slug: str):
    item = get_saved(slug)
    store().delete(item.slug)
    flash(f"Deleted {item.name!r}. It can be restored below for 30 days.")
    return redirect(url_for("saved.saved_list"), code=303)


@bp.post("/saved/restore")
def saved_restore():
    try:
        item = store().restore(request.form.get("name", ""))
    except SavedQueryError as exc:
        return saved_list(error=str(exc), status=400)
    flash(f"Restored {item.name!r} with its history.")
    return redirect(url_for("saved.saved_detail", slug=item.slug), code=303)


def _download(rows, fmt: str, filename: str) -> Response:
    response = Response(stream_with_context(chunks(rows, fmt)), content_type=CONTENT_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/saved/<slug>/export.<fmt>")
def saved_export(slug: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    item = get_saved(slug)
    elsewhere = store().last_ran_elsewhere(item, engine())
    marked = frozenset() if elsewhere else store().last_changes(item).marked
    rows = export_rows(engine(), item.paged(), marked)
    return _download(rows, fmt, f"{item.slug}.{fmt}")


@bp.get("/export.<fmt>")
def search_export(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    try:
        search_request = request_from_args(request.args)
        rows = export_rows(engine(), search_request)
        first = next(rows, None)  # parse errors surface here, before streaming starts
    except (QuerySyntaxError, InvalidRequestError) as exc:
        abort(400, description=str(exc))
    name = slugify(search_request.query)[:40] or "search"

    def all_rows():
        if first is not None:
            yield first
            yield from rows

    return _download(all_rows(), fmt, f"morgue-{name}.{fmt}")


@bp.get("/saved/<slug>/feed.atom")
def saved_feed(slug: str):
    item = get_saved(slug)
    results = run_search(engine(), replace(item.paged(1, FEED_ENTRIES), sort="newest"))
    updated = item.last_run.run_at if item.last_run else item.updated_at
    body = render_template(
        "saved/feed.atom.xml",
        item=item,
        results=results,
        updated=max(updated, item.updated_at).astimezone(timezone.utc),
        now=datetime.now(timezone.utc),
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@bp.get("/opensearch.xml")
def opensearch():
    body = render_template("opensearch.xml")
    return Response(body, content_type="application/opensearchdescription+xml; charset=utf-8")
