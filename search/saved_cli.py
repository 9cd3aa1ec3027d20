"""``morgue saved ...``: the saved-queries commands, on the CLI's one error path."""

from __future__ import annotations

import json
from pathlib import Path

import click

from search.cli import cli, index_option, parse_day, resolve_index
from search.config import load_settings
from search.engines import open_engine
from search.export import FORMATS, RowCounter, chunks, export_rows, write_chunks
from search.saved import RunReport, SavedQuery, SavedStore
from search.serialize import hit_to_dict
from search.types import SORTS

DEFAULT_DB = Path("instance") / "morgue.sqlite3"


def db_option(func):
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Saved-queries database (default: $MORGUE_DB or ./instance/morgue.sqlite3).",
    )(func)


def open_store(db_path: Path | None) -> SavedStore:
    return SavedStore(db_path or load_settings().db or DEFAULT_DB)


def saved_to_dict(saved: SavedQuery) -> dict:
    last = saved.last_run
    return {
        "name": saved.name,
        "slug": saved.slug,
        "query": saved.query,
        "sources": list(saved.sources),
        "from": saved.date_from.isoformat() if saved.date_from else None,
        "to": saved.date_to.isoformat() if saved.date_to else None,
        "sort": saved.sort,
        "notes": saved.notes,
        "version": saved.version,
        "created_at": saved.created_at.isoformat(),
        "updated_at": saved.updated_at.isoformat(),
        "last_run": None
        if last is None
        else {
            "run_at": last.run_at.isoformat(),
            "total": last.total,
            "new": last.new,
            "changed": last.changed,
            "gone": last.gone,
        },
    }


def report_to_dict(report: RunReport) -> dict:
    return {
        "name": report.saved.name,
        "query": report.saved.query,
        "run_at": report.run.run_at.isoformat(),
        "total": report.run.total,
        "new": report.run.new,
        "changed": report.run.changed,
        "gone": report.run.gone,
        "first_run": report.first,
        "page": report.results.page,
        "hits": [
            {**hit_to_dict(h), "new": h.id in report.new_ids, "changed": h.id in report.changed_ids}
            for h in report.hits
        ],
        "index": {
            "articles": report.run.index_articles,
            "schema_version": report.run.index_schema,
            "last_indexed": report.run.index_updated,
        },
    }


def search_options(func):
    func = click.option("--notes", default=None, help="Free-text notes.")(func)
    func = click.option("--sort", type=click.Choice(SORTS), default=None)(func)
    func = click.option("--to", "date_to", metavar="DATE", default=None)(func)
    func = click.option("--from", "date_from", metavar="DATE", default=None)(func)
    func = click.option(
        "--source", "sources", multiple=True, help="Only this outlet (repeatable)."
    )(func)
    return func


@cli.group()
def saved() -> None:
    """Saved queries: save a search, re-run it, see what is new, export every hit."""


@saved.command("add")
@click.argument("name")
@click.argument("query")
@search_options
@db_option
def saved_add(name, query, sources, date_from, date_to, sort, notes, db_path) -> None:
    """Save QUERY under NAME (refused, with the reason, when the query is malformed)."""
    with open_store(db_path) as store:
        item = store.add(
            name,
            query,
            sources=sources,
            date_from=parse_day(date_from, False, "--from"),
            date_to=parse_day(date_to, True, "--to"),
            sort=sort or "relevance",
            notes=notes or "",
        )
    click.echo(f"saved {item.name!r} ({item.slug}): {item.query}")


@saved.command("list")
@click.option("--json", "as_json", is_flag=True)
@db_option
def saved_list(as_json, db_path) -> None:
    """Every saved query with its last run."""
    with open_store(db_path) as store:
        items = store.list()
    if as_json:
        click.echo(json.dumps([saved_to_dict(s) for s in items], indent=2, ensure_ascii=False))
        return
    if not items:
        click.echo("No saved queries yet: `morgue saved add NAME QUERY`.")
    for item in items:
        last = item.last_run
        state = (
            f"last run {last.run_at:%Y-%m-%d %H:%M}, {last.total:,} hits, {last.new:,} new"
            if last
            else "never run"
        )
        click.echo(f"{item.name}  [{item.slug}]  {item.query!r}  ({state})")


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
    if item.notes:
        click.echo(f"  notes:   {item.notes}")
    click.echo("  versions:")
    for v in versions:
        click.echo(f"    v{v.version}  {v.created_at:%Y-%m-%d %H:%M}  {v.query}")
    click.echo("  runs:" if runs else "  runs:    none yet")
    for r in runs:
        click.echo(
            f"    {r.run_at:%Y-%m-%d %H:%M:%S}  v{r.version}  {r.total:,} hits  +{r.new:,} new  "
            f"{r.changed:,} changed  -{r.gone:,} gone  (index: {r.index_articles:,} articles)"
        )


@saved.command("run")
@click.argument("name")
@click.option(
    "--new-only", is_flag=True, help="List only the hits that are new since the last run."
)
@click.option("--all", "all_hits", is_flag=True, help="List every hit, not one page.")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@index_option
@db_option
def saved_run(name, new_only, all_hits, limit, page, as_json, index_dir, db_path) -> None:
    """Run a saved query and record which hits are new, changed or gone since the last run."""
    with open_store(db_path) as store, open_engine(resolve_index(index_dir)) as engine:
        report = store.run(
            name, engine, page=page, page_size=limit, new_only=new_only, all_hits=all_hits
        )
    if as_json:
        click.echo(json.dumps(report_to_dict(report), indent=2, ensure_ascii=False))
        return
    run = report.run
    if report.first:
        head = f"{run.total:,} hits (first run: the baseline for what is new next time)"
    else:
        head = (
            f"{run.total:,} hits: {run.new:,} new, {run.changed:,} changed, {run.gone:,} gone "
            "since the last run"
        )
    click.echo(f"{report.saved.name}: {head}")
    for hit in report.hits:
        flag = (
            "NEW "
            if hit.id in report.new_ids
            else ("UPD " if hit.id in report.changed_ids else "    ")
        )
        click.echo(f"{flag}{hit.date or 'undated'}  {hit.source}  {hit.title}  [{hit.id}]")


@saved.command("edit")
@click.argument("name")
@click.option("--name", "new_name", default=None, help="Rename.")
@click.option("--query", default=None, help="New query text (kept as a new version).")
@click.option("--clear-sources", is_flag=True, help="Remove the source filter.")
@search_options
@db_option
def saved_edit(
    name, new_name, query, clear_sources, sources, date_from, date_to, sort, notes, db_path
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
        changes["date_from"] = parse_day(date_from, False, "--from")
    if date_to is not None:
        changes["date_to"] = parse_day(date_to, True, "--to")
    if sort:
        changes["sort"] = sort
    if notes is not None:
        changes["notes"] = notes
    with open_store(db_path) as store:
        item = store.edit(name, **changes)
    click.echo(f"updated {item.name!r} (version {item.version}): {item.query}")


@saved.command("delete")
@click.argument("name")
@db_option
def saved_delete(name, db_path) -> None:
    """Delete a saved query with its history."""
    with open_store(db_path) as store:
        store.delete(name)
    click.echo(f"deleted {name!r}")


@saved.command("export")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@index_option
@db_option
def saved_export(name, fmt, output, index_dir, db_path) -> None:
    """Every hit (not a page), in the saved sort order, with a `new` flag against the last run."""
    with open_store(db_path) as store, open_engine(resolve_index(index_dir)) as engine:
        item = store.get(name)
        new_ids, changed_ids = store.changes_now(item, engine)
        counter = RowCounter()
        rows = counter.wrap(export_rows(engine, item.request(), new_ids | changed_ids))
        write_chunks(chunks(rows, fmt), output)
    if output:
        click.echo(f"wrote {counter.count:,} hits to {output}", err=True)


@saved.command("dump")
@db_option
def saved_dump(db_path) -> None:
    """Print every saved query (with versions) as JSON, for `morgue saved load` elsewhere."""
    with open_store(db_path) as store:
        click.echo(json.dumps(store.dump(), indent=2, ensure_ascii=False))


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
        added, skipped = store.load(document)
    click.echo(f"loaded {added} saved queries, skipped {skipped} whose names exist")
