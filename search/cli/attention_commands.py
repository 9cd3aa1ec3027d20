"""``morgue attention`` (several queries over time, as counts and shares of all articles),
``morgue kwic`` (a concordance), ``morgue terms`` (words that characterise the matches) and
``morgue coverage`` (articles per source over time, with possible gaps in the archive)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from search.archive import open_archive
from search.attention import MAX_QUERIES, UNITS, AttentionRequest, attention
from search.cli.options import day_option, index_option, resolve_index
from search.concordance import DEFAULT_WIDTH, MAX_WIDTH, lines, notes
from search.export import (
    ATTENTION_COLUMNS,
    KWIC_COLUMNS,
    RowCounter,
    attention_rows,
    chunks,
    write_chunks,
)
from search.intervals import AUTO, INTERVALS
from search.serialize import attention_to_dict, line_to_dict, terms_to_dict, volume_to_dict
from search.significant import significant_terms
from search.types import MODES, SearchRequest
from search.volume import gaps_between, volume

SPARKS = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"

interval_option = click.option(
    "--interval",
    type=click.Choice((AUTO, *INTERVALS)),
    default=AUTO,
    show_default=True,
    help="Bucket size (weeks are ISO weeks, from Monday); auto gives 20-120 points.",
)


def sparkline(values: list[float], width: int = 120) -> str:
    """One block a point, scaled to the series' own peak; an empty bucket is a space. Past
    ``width`` points, neighbouring points are averaged so a line stays on a screen."""
    if len(values) > width:
        size = -(-len(values) // width)
        values = [
            sum(values[i : i + size]) / len(values[i : i + size])
            for i in range(0, len(values), size)
        ]
    peak = max(values, default=0) or 1
    return "".join(
        " " if not v else SPARKS[min(len(SPARKS) - 1, int(v / peak * (len(SPARKS) - 1) + 0.5))]
        for v in values
    )


@click.command(name="attention", short_help="Attention over time for up to 8 queries.")
@click.argument("queries", nargs=-1, required=True)
@interval_option
@click.option("--share", is_flag=True, help="Show each bucket's share of all articles.")
@click.option("--unit", type=click.Choice(UNITS), default="articles", show_default=True)
@click.option("--source", "sources", multiple=True, help="Only this outlet (repeat for several).")
@click.option("--from", "date_from", metavar="DATE", help="From this day (YYYY[-MM[-DD]]).")
@click.option("--to", "date_to", metavar="DATE", help="Up to this day, inclusive.")
@click.option("--mode", type=click.Choice(MODES), default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, one row per query and bucket.")
@index_option
def attention_command(
    queries, interval, share, unit, sources, date_from, date_to, mode, as_json, as_csv, index_dir
) -> None:
    """Attention over time: how many articles each QUERY matched per bucket, and their share
    of all articles in that bucket (the same filters, without the words). Up to 8 queries, each
    its own argument: morgue attention "oil prices" opec "source:reuters wheat"."""
    if len(queries) > MAX_QUERIES:
        raise click.UsageError(f"at most {MAX_QUERIES} queries can be compared at once")
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    request = AttentionRequest(
        queries=tuple(queries),
        interval=interval,
        sources=tuple(sources),
        date_from=day_option(date_from, False, "--from"),
        date_to=day_option(date_to, True, "--to"),
        mode=mode,
        unit=unit,
    )
    with open_archive(resolve_index(index_dir)) as engine:
        found = attention(engine, request)
        gaps = gaps_between(engine, found.first, found.last, request.sources) if found.first else []
    document = attention_to_dict(found, gaps)
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    if as_csv:
        write_chunks(chunks(attention_rows(document), "csv", ATTENTION_COLUMNS), None)
        return
    print_attention(document, share)


def print_attention(document: dict, share: bool) -> None:
    for warning in document["warnings"]:
        click.echo(f"note: {warning}")
    if document["from"] is None:
        click.echo("no dated articles match these filters: nothing to chart")
        return
    measure = "share of all articles" if share else f"{document['unit']} per {document['interval']}"
    buckets = len(document["series"][0]["points"])
    click.echo(
        f"{document['unit'].capitalize()} by {document['interval']}, {document['from']} to "
        f"{document['to']} ({buckets:,} bucket{'' if buckets == 1 else 's'}; {measure})"
    )
    width = max(len(s["query"]) for s in document["series"])
    width = min(max(width, 5), 40)
    click.echo(f"{'query':<{width}}  {'total':>8}  {'peak':>18}  over time")
    for series in document["series"]:
        values = [p["share"] if share else p["count"] for p in series["points"]]
        top = max(range(len(values)), key=values.__getitem__) if values else None
        peak = ""
        if top is not None and values[top]:
            shown = f"{values[top]:.1%}" if share else f"{values[top]:,}"
            peak = f"{shown} {series['points'][top]['bucket']}"
        name = (
            series["query"]
            if len(series["query"]) <= width
            else series["query"][: width - 1] + "\u2026"
        )
        click.echo(f"{name:<{width}}  {series['total']:>8,}  {peak:>18}  {sparkline(values)}")
    for series in document["series"]:
        if series["undated"]:
            click.echo(
                f"note: {series['undated']:,} undated match{'es' if series['undated'] != 1 else ''}"
                f" of {series['query']!r} {'are' if series['undated'] != 1 else 'is'} in no bucket"
            )
    points = document["series"][0]["points"]
    cut = [p["bucket"] for p in (points[0], points[-1]) if p["partial"]]
    if cut:
        click.echo(f"note: the dates cover only part of {' and '.join(dict.fromkeys(cut))}")
    for gap in document.get("gaps", []):
        span = gap["start"] if gap["days"] == 1 else f"{gap['start']} to {gap['end']}"
        click.echo(f"note: possible gap in the archive for {gap['source']}: {span}")


@click.command(short_help="A concordance of a query's words in context.")
@click.argument("query")
@click.option(
    "--width",
    type=click.IntRange(10, MAX_WIDTH),
    default=DEFAULT_WIDTH,
    show_default=True,
    help="Characters of context on each side.",
)
@click.option("--source", "sources", multiple=True, help="Only this outlet (repeat for several).")
@click.option("--from", "date_from", metavar="DATE", help="From this day (YYYY[-MM[-DD]]).")
@click.option("--to", "date_to", metavar="DATE", help="Up to this day, inclusive.")
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every line to FILE.csv or FILE.jsonl.",
)
@click.option("--limit", type=click.IntRange(1), default=None, help="Print at most N lines.")
@index_option
def kwic(query, width, sources, date_from, date_to, export_path, limit, index_dir) -> None:
    """A concordance: every occurrence of QUERY's words and phrases in every matching article,
    one line each (left context, match, right context, date, source), oldest first."""
    request = SearchRequest(
        query=query,
        sources=tuple(sources),
        date_from=day_option(date_from, False, "--from"),
        date_to=day_option(date_to, True, "--to"),
        sort="oldest",
    )
    if export_path is not None and export_path.suffix.lower() not in (".csv", ".jsonl"):
        raise click.UsageError(
            f"--export takes a .csv or .jsonl file name, not {export_path.name!r}"
        )
    with open_archive(resolve_index(index_dir)) as engine:
        for note in notes(engine, request):
            click.echo(f"note: {note}", err=True)
        found = lines(engine, request, width)
        if export_path is not None:
            counter = RowCounter()
            rows = counter.wrap(line_to_dict(line) for line in found)
            fmt = export_path.suffix.lower().lstrip(".")
            write_chunks(chunks(rows, fmt, KWIC_COLUMNS), export_path)
            click.echo(f"wrote {counter.count:,} lines to {export_path}", err=True)
            return
        shown = 0
        for line in found:
            if limit is not None and shown >= limit:
                click.echo(f"(stopped after {limit:,} lines: --export writes them all)")
                break
            left = line.left[-width:]
            where = " (title)" if line.field == "title" else ""
            click.echo(
                f"{left:>{width}} {click.style(line.match, bold=True, fg='yellow')} "
                f"{line.right[:width]:<{width}}  {line.date or 'undated'} \u00b7 {line.source}"
                f"{where}"
            )
            shown += 1
    if not shown and export_path is None:
        click.echo(f"no occurrences of {query!r}")


@click.command(short_help="Words that characterise a query's matches.")
@click.argument("query")
@click.option("--size", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@index_option
def terms(query, size, as_json, index_dir) -> None:
    """Words and two-word phrases that characterise QUERY's matches: the most over-represented
    compared with the whole archive (log-likelihood)."""
    with open_archive(resolve_index(index_dir)) as engine:
        found = significant_terms(engine, SearchRequest(query=query), size)
    if as_json:
        click.echo(json.dumps(terms_to_dict(found), ensure_ascii=False, indent=2))
        return
    for warning in found.warnings:
        click.echo(f"note: {warning}")
    if not found.total:
        return
    read = f"a sample of {found.read:,}" if found.sampled else f"all {found.read:,}"
    click.echo(f"{found.total:,} articles match {query!r}; words counted in {read}")
    for term in found.terms:
        click.echo(
            f"  {term.text:<30} {term.matches:>6,} of {found.read:,}  archive {term.archive:,}"
        )


@click.command(short_help="Articles per source over time, and possible gaps.")
@interval_option
@click.option("--source", "sources", multiple=True, help="Only this outlet (repeat for several).")
@click.option("--from", "date_from", metavar="DATE", help="From this day (YYYY[-MM[-DD]]).")
@click.option("--to", "date_to", metavar="DATE", help="Up to this day, inclusive.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@index_option
def coverage(interval, sources, date_from, date_to, as_json, index_dir) -> None:
    """What the archive holds: articles per source over time, and the spans where a source's
    volume falls under 20% of its own 28-day norm (possible gaps in the archive)."""
    start = day_option(date_from, False, "--from")
    end = day_option(date_to, True, "--to")
    if start and end and start > end:
        raise click.UsageError(f"--from {start} is after --to {end}")
    with open_archive(resolve_index(index_dir)) as engine:
        found = volume(engine, interval, tuple(sources), start, end)
    document = volume_to_dict(found)
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    for warning in found.warnings:
        click.echo(f"note: {warning}")
    if not found.buckets:
        click.echo(
            "no dated articles in these dates and sources"
            if start or end or sources
            else "no dated articles in this index"
        )
        return
    first, last = found.buckets[0][0], found.buckets[-1][0]
    click.echo(f"Articles per {found.interval}, {first} to {last}")
    width = min(max([len(r.source) for r in found.sources] + [6]), 30)
    for row in found.sources:
        click.echo(f"{row.source[:width]:<{width}}  {row.total:>9,}  {sparkline(row.counts)}")
    if found.undated:
        click.echo(f"({found.undated:,} undated articles are in no bucket)")
    for gap in found.gaps:
        span = gap.start.isoformat() if gap.days == 1 else f"{gap.start} to {gap.end}"
        click.echo(
            f"possible gap for {gap.source}: {span} ({gap.articles:,} articles; "
            f"usually {gap.norm:g} a day)"
        )
    if not found.gaps:
        click.echo("no possible gaps: no source falls under 20% of its own 28-day norm")
