"""``morgue reindex``, ``stats`` and ``check``: building an index and looking after it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from search.archive import ENGINE_NAMES, open_archive
from search.check import check_index
from search.cli.options import index_option, resolve_index
from search.cli.progress import TqdmProgress
from search.facets import field_facets, merged
from search.indexer import update_index

STATS_TOP_VALUES = 5  # per field in `morgue stats`


@click.command(short_help="Index articles from files and folders.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@click.option(
    "--source", "default_source", help="Outlet for articles that name none and give no clue."
)
@click.option("--rebuild", is_flag=True, help="Build the index afresh (swapped in when complete).")
@click.option(
    "--engine",
    type=click.Choice(ENGINE_NAMES),
    default=None,
    help="Engine of a new or rebuilt index: whoosh (default, pure Python), tantivy (fast, "
    "for large archives; pip install -e '.[fast]') or xapian (a local Xapian database; "
    "pip install -e '.[cluster]'; `morgue cluster` shards it over servers). An existing index "
    "keeps its own.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no per-record messages.")
@click.option(
    "--verbose", "-v", is_flag=True, help="Also list the files of a folder that were skipped."
)
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=0,
    show_default=True,
    help="Worker processes that normalise and analyse articles beside the writer (0: none). "
    "The index holds the same articles, ids and groups; whether it is faster depends on the "
    "machine (see RESULTS.md).",
)
def reindex(paths, index_dir, default_source, rebuild, engine, quiet, verbose, workers) -> None:
    """Index articles from files and folders: .txt, .jsonl, .json, .csv, RSS/Atom, .html, web
    archives (.warc, .arc), and .gz.

    Only new and changed articles are written; a second run over the same files writes nothing.
    A bad record is reported on one line and skipped; the rest is indexed. Exits with 1 when
    nothing could be indexed (every input missing or rejected), 0 otherwise.
    """
    index_dir = resolve_index(index_dir)
    progress = TqdmProgress(enabled=not quiet and sys.stderr.isatty())

    def on_problem(message: str) -> None:
        if not quiet:
            progress.clear()
            click.echo(message, err=True)

    def on_skip(message: str) -> None:
        if verbose:
            progress.clear()
            click.echo(message, err=True)

    report = update_index(
        index_dir,
        paths,
        default_source=default_source,
        rebuild=rebuild,
        on_problem=on_problem,
        on_skip=on_skip,
        progress=progress,
        engine=engine,
        workers=workers,
    )
    click.echo(f"{index_dir}: {report.summary()}")
    if report.kept_nothing:
        if report.rejected:
            reason = "every input was rejected (see the messages above)"
        elif report.skipped:
            listed = "listed above" if verbose else "`--verbose` lists them"
            found = f"{report.skipped:,} skipped; {listed}"
            reason = f"no file of an article format was found ({found})"
        else:
            reason = "no article was found in the input"
        raise click.ClickException(f"nothing was indexed: {reason}")


@click.command(short_help="Articles, sources, dates, fields and size of the index.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@index_option
def stats(as_json, index_dir) -> None:
    """Article count, sources, date range, size on disk and schema version of the index."""
    with open_archive(resolve_index(index_dir)) as engine:
        info = engine.stats()
    document = {
        "path": info.path,
        "engine": info.engine,
        "articles": info.articles,
        "sources": [{"value": s.value, "count": s.count} for s in info.sources],
        "first_date": info.first_date.isoformat() if info.first_date else None,
        "last_date": info.last_date.isoformat() if info.last_date else None,
        "undated": info.undated,
        "size_bytes": info.size_bytes,
        "shards": info.shards,
        "schema_version": info.schema_version,
        "last_indexed": info.last_indexed.isoformat(timespec="seconds")
        if info.last_indexed
        else None,
        "fields": fields_summary(info.field_counts),
    }
    if as_json:
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    click.echo(f"Index:      {info.path} ({info.engine}, schema {info.schema_version})")
    click.echo(f"Articles:   {info.articles:,} ({info.undated:,} undated)")
    click.echo(f"Dates:      {document['first_date'] or '-'} .. {document['last_date'] or '-'}")
    if info.shards:
        click.echo(f"Size:       on {info.shards} shard servers (`morgue cluster status`)")
    else:
        click.echo(f"Size:       {info.size_bytes / 1_048_576:.1f} MB on disk")
    click.echo(f"Updated:    {document['last_indexed'] or '-'}")
    click.echo(
        "Sources:    " + (", ".join(f"{s.value} {s.count:,}" for s in info.sources[:20]) or "-")
    )
    click.echo(
        "Fields:     "
        + (
            "distinct values; the most common"
            if document["fields"]
            else "- (no author, place or metadata)"
        )
    )
    for name, field in document["fields"].items():
        top = ", ".join(f"{v['value']} {v['count']:,}" for v in field["top"])
        click.echo(f"  {name:<10} {field['values']:,} values; top: {top}")


def fields_summary(field_counts: dict[str, dict[str, int]]) -> dict:
    """Per faceted field any article has: how many distinct values, and the most common."""
    return {
        name: {
            "values": len(merged(field_counts[name], name)),
            "top": [{"value": f.value, "count": f.count} for f in top],
        }
        for name, top in field_facets(field_counts, STATS_TOP_VALUES).items()
    }


@click.command(short_help="Verify that the index is whole and reads back.")
@index_option
def check(index_dir) -> None:
    """Verify the index: it opens, its counts agree, every stored article reads back."""
    report = check_index(resolve_index(index_dir))
    if report.missing:
        raise click.ClickException(report.problems[0])
    if report.ok:
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        click.echo(f"{report.path}: ok, {report.articles:,} articles read back")
        return
    for problem in report.problems[:20]:
        click.echo(f"{report.path}: {problem}", err=True)
    raise click.ClickException(f"index {report.path} is damaged; {report.advice}")
