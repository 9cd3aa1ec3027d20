"""``morgue saved ...``: save a search, run it, see what is new, export it, keep its history."""

from __future__ import annotations

import json
from pathlib import Path

import click

from search.archive import open_archive
from search.cli.options import day_option, db_option, index_option, resolve_db, resolve_index
from search.export import FORMATS, RowCounter, chunks, export_rows, write_chunks
from search.saved import IndexChangedError, RunReport, RunSummary, SavedQuery, SavedStore
from search.saved.transfer import dump, load
from search.serialize import hit_to_dict
from search.types import MODES, SORTS

GONE_SHOWN = 20


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def open_store(db_path: Path | None) -> SavedStore:
    return SavedStore(resolve_db(db_path))


def run_to_dict(run: RunSummary | None) -> dict | None:
    if run is None:
        return None
    return {
        "run_at": run.run_at.isoformat(),
        "total": run.total,
        "new": run.new,
        "changed": run.changed,
        "gone": run.gone,
        "index": {
            "path": run.index.path if run.index else None,
            "id": run.index.id if run.index else None,
            "articles": run.index_articles,
            "schema_version": run.index_schema,
            "last_indexed": run.index_updated,
            "switched": run.switched_index,
        },
        "query_changed": run.query_changed,
    }


def saved_to_dict(saved: SavedQuery) -> dict:
    return {
        "name": saved.name,
        "slug": saved.slug,
        "query": saved.query,
        "sources": list(saved.sources),
        "from": saved.date_from.isoformat() if saved.date_from else None,
        "to": saved.date_to.isoformat() if saved.date_to else None,
        "sort": saved.sort,
        "mode": saved.mode,
        "request": saved.request.to_dict(),
        "notes": saved.notes,
        "version": saved.version,
        "created_at": saved.created_at.isoformat(),
        "updated_at": saved.updated_at.isoformat(),
        "last_run": run_to_dict(saved.last_run),
    }


def report_to_dict(report: RunReport) -> dict:
    run = report.run
    return {
        "name": report.saved.name,
        "query": report.saved.query,
        "run_at": run.run_at.isoformat(),
        "total": run.total,
        "new": run.new,
        "changed": run.changed,
        "gone": run.gone,
        "first_run": report.first,
        "recorded": report.recorded,
        "query_changed": run.query_changed,
        "warnings": list(report.results.warnings),
        "gone_ids": sorted(report.changes.gone),
        "page": report.results.page,
        "hits": [
            {**hit_to_dict(h), "new": h.id in report.new_ids, "changed": h.id in report.changed_ids}
            for h in report.hits
        ],
        "index": run_to_dict(run)["index"],
    }


def search_options(func):
    func = click.option("--notes", default=None, help="Free-text notes.")(func)
    func = click.option(
        "--mode", type=click.Choice(MODES), default=None, help="all, any or auto (default)."
    )(func)
    func = click.option("--sort", type=click.Choice(SORTS), default=None)(func)
    func = click.option("--to", "date_to", metavar="DATE", default=None)(func)
    func = click.option("--from", "date_from", metavar="DATE", default=None)(func)
    func = click.option(
        "--source", "sources", multiple=True, help="Only this outlet (repeatable)."
    )(func)
    return func


@click.group(short_help="Saved queries: save, re-run, see what is new, export.")
def saved() -> None:
    """Saved queries: save a search, re-run it, see what is new, export every hit."""


@saved.command("add")
@click.argument("name")
@click.argument("query")
@search_options
@db_option
def saved_add(name, query, sources, date_from, date_to, sort, mode, notes, db_path) -> None:
    """Save QUERY under NAME (refused, with the reason, when the query is malformed)."""
    with open_store(db_path) as store:
        item = store.add(
            name,
            query,
            sources=sources,
            date_from=day_option(date_from, False, "--from"),
            date_to=day_option(date_to, True, "--to"),
            sort=sort,
            mode=mode,
            notes=notes or "",
        )
    click.echo(f"saved {item.name!r} ({item.slug}): {item.query}")


@saved.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--deleted", is_flag=True, help="List the ones deleted in the last 30 days.")
@db_option
def saved_list(as_json, deleted, db_path) -> None:
    """Every saved query with its last run."""
    with open_store(db_path) as store:
        items = store.deleted() if deleted else store.list()
    if as_json:
        click.echo(json.dumps([saved_to_dict(s) for s in items], indent=2, ensure_ascii=False))
        return
    if not items:
        click.echo(
            "No saved queries deleted in the last 30 days."
            if deleted
            else "No saved queries yet: `morgue saved add NAME QUERY`."
        )
    for item in items:
        last = item.last_run
        state = (
            f"last run {last.run_at:%Y-%m-%d %H:%M}, {plural(last.total, 'hit')}, "
            f"{last.new:,} new, {last.changed:,} changed, {last.gone:,} gone"
            if last
            else "never run"
        )
        where = f"deleted {item.deleted_at:%Y-%m-%d}" if item.deleted_at else item.slug
        click.echo(f"{item.name}  [{where}]  {item.query!r}  ({state})")


@saved.command("show")
@click.argument("name")
@db_option
def saved_show(name, db_path) -> None:
    """A saved query with its versions and run history."""
    with open_store(db_path) as store:
        item = store.get(name)
        versions = store.versions(name)
        runs = store.runs(name)
    click.echo(f"{item.name}  [{item.slug}]")
    click.echo(f"  query:   {item.query}")
    if item.sources:
        click.echo(f"  sources: {', '.join(item.sources)}")
    if item.date_from or item.date_to:
        click.echo(f"  dates:   {item.date_from or '*'} .. {item.date_to or '*'}")
    click.echo(f"  sort:    {item.sort}")
    if item.mode != "auto":
        click.echo(f"  mode:    {item.mode}")
    if item.notes:
        click.echo(f"  notes:   {item.notes}")
    click.echo("  versions:")
    for v in versions:
        click.echo(f"    v{v.version}  {v.created_at:%Y-%m-%d %H:%M}  {v.query}")
    click.echo("  runs:" if runs else "  runs:    none yet")
    for r in runs:
        if r.switched_index:
            click.echo(f"    -- switched to the index at {r.index} --")
        if r.query_changed:
            click.echo(f"    -- the query changed: version {r.version} --")
        click.echo(
            f"    {r.run_at:%Y-%m-%d %H:%M:%S}  v{r.version}  {plural(r.total, 'hit')}  "
            f"+{r.new:,} new  "
            f"{r.changed:,} changed  -{r.gone:,} gone  "
            f"(index: {r.index_articles or 0:,} articles{f' at {r.index}' if r.index else ''})"
        )


@saved.command("run")
@click.argument("name")
@click.option(
    "--new-only",
    is_flag=True,
    help="List every hit that is new or changed since the run before (not one page).",
)
@click.option("--all", "all_hits", is_flag=True, help="List every hit, not one page.")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--index-changed",
    is_flag=True,
    help="Run on another index than the last run's, comparing with it anyway.",
)
@index_option
@db_option
def saved_run(
    name, new_only, all_hits, limit, page, as_json, index_changed, index_dir, db_path
) -> None:
    """Run a saved query and record which hits are new, changed or gone since the last run.

    Runs compare only within one index: a run on another index than the last run's is refused
    unless --index-changed says the switch is intended.
    """
    with open_store(db_path) as store, open_archive(resolve_index(index_dir)) as engine:
        report = store.run(
            name,
            engine,
            page=page,
            page_size=limit,
            new_only=new_only,
            all_hits=all_hits,
            index_changed=index_changed,
        )
    if as_json:
        click.echo(json.dumps(report_to_dict(report), indent=2, ensure_ascii=False))
        return
    run = report.run
    if report.first:
        head = f"{plural(run.total, 'hit')} (first run: the baseline for what is new next time)"
    else:
        head = (
            f"{plural(run.total, 'hit')}: {run.new:,} new, {run.changed:,} changed, "
            f"{run.gone:,} gone since the last run"
        )
    if run.query_changed:
        head += f" (the query changed since then: this is version {run.version})"
    if not report.recorded:
        head += f" (nothing has changed in the index since that run at {run.run_at:%H:%M:%S})"
    if run.switched_index:
        head += f" (on another index: {run.index})"
    click.echo(f"{report.saved.name}: {head}")
    for warning in report.results.warnings:
        click.echo(f"note: {warning}")
    for hit in report.hits:
        flag = (
            "NEW "
            if hit.id in report.new_ids
            else ("UPD " if hit.id in report.changed_ids else "    ")
        )
        click.echo(f"{flag}{hit.date or 'undated'}  {hit.source}  {hit.title}  [{hit.id}]")
    gone = sorted(report.changes.gone)
    if gone:
        more = f" and {len(gone) - GONE_SHOWN:,} more" if len(gone) > GONE_SHOWN else ""
        click.echo(f"gone since the run before: {', '.join(gone[:GONE_SHOWN])}{more}")


@saved.command("edit")
@click.argument("name")
@click.option("--name", "new_name", default=None, help="Rename.")
@click.option("--query", default=None, help="New query text (kept as a new version).")
@click.option("--clear-sources", is_flag=True, help="Remove the source filter.")
@search_options
@db_option
def saved_edit(
    name, new_name, query, clear_sources, sources, date_from, date_to, sort, mode, notes, db_path
) -> None:
    """Change a saved query; a change to what it searches adds a version."""
    changes: dict = {}
    if new_name:
        changes["new_name"] = new_name
    if query is not None:
        changes["query"] = query
    if sources or clear_sources:
        changes["sources"] = tuple(sources)
    if date_from is not None:
        changes["date_from"] = day_option(date_from, False, "--from")
    if date_to is not None:
        changes["date_to"] = day_option(date_to, True, "--to")
    if sort:
        changes["sort"] = sort
    if mode:
        changes["mode"] = mode
    if notes is not None:
        changes["notes"] = notes
    if not changes:
        raise click.UsageError(
            "nothing to change: give --name, --query, --source, --clear-sources, --from, --to, "
            "--sort, --mode or --notes"
        )
    with open_store(db_path) as store:
        item = store.edit(name, **changes)
    click.echo(f"updated {item.name!r} (version {item.version}): {item.query}")


@saved.command("delete")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@db_option
def saved_delete(name, yes, db_path) -> None:
    """Delete a saved query; it and its history can be restored for 30 days."""
    with open_store(db_path) as store:
        item = store.get(name)
        count = len(store.runs(item.name))
        if not yes:
            question = (
                f"Delete the saved query {item.name!r} and its {plural(count, 'run')}? "
                "`morgue saved restore` brings it back for 30 days"
            )
            try:
                confirmed = click.confirm(question, err=True)
            except (click.Abort, OSError):  # no answer to read: a script, say
                raise click.UsageError(
                    f"add --yes to delete {item.name!r} without being asked"
                ) from None
            if not confirmed:
                click.echo(f"kept {item.name!r}: nothing was deleted")
                return
        store.delete(item.name)
    click.echo(f"deleted {item.name!r}; `morgue saved restore {item.slug}` brings it back")


@saved.command("restore")
@click.argument("name")
@db_option
def saved_restore(name, db_path) -> None:
    """Bring back a saved query deleted in the last 30 days, with its history."""
    with open_store(db_path) as store:
        item = store.restore(name)
    click.echo(f"restored {item.name!r}")


@saved.command("export")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@click.option(
    "--index-changed",
    is_flag=True,
    help="Export from another index than the last run's (nothing is then marked new).",
)
@index_option
@db_option
def saved_export(name, fmt, output, index_changed, index_dir, db_path) -> None:
    """Every hit (not a page), in the saved sort order, with a `new` flag: new or changed in the
    last run."""
    with open_store(db_path) as store, open_archive(resolve_index(index_dir)) as engine:
        item = store.get(name)
        elsewhere = store.last_ran_elsewhere(item, engine)
        if elsewhere is not None and not index_changed:
            raise IndexChangedError(item.name, elsewhere.path, str(Path(engine.path).resolve()))
        marked = frozenset() if elsewhere else store.last_changes(item).marked
        counter = RowCounter()
        rows = counter.wrap(export_rows(engine, item.paged(), marked))
        write_chunks(chunks(rows, fmt), output)
    if output:
        click.echo(f"wrote {counter.count:,} hits to {output}", err=True)


@saved.command("dump")
@db_option
def saved_dump(db_path) -> None:
    """Print every saved query (with versions) as JSON, for `morgue saved load` elsewhere."""
    with open_store(db_path) as store:
        click.echo(json.dumps(dump(store), indent=2, ensure_ascii=False))


@saved.command("load")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@db_option
def saved_load(file, db_path) -> None:
    """Add the saved queries of a `morgue saved dump` file (names that exist are skipped)."""
    try:
        document = json.load(file)
    except json.JSONDecodeError as exc:
        raise click.UsageError(f"{file.name}: not JSON ({exc})") from None
    with open_store(db_path) as store:
        added, skipped = load(store, document)
    click.echo(f"loaded {added} saved queries, skipped {skipped} whose names exist")
