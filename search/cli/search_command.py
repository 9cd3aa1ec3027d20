"""``morgue search``: one page on the terminal or as JSON, or every hit exported to a file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from search.archive import open_archive
from search.cli.options import day_option, index_option, resolve_index
from search.export import FORMATS, RowCounter, chunks, export_rows, write_chunks
from search.searching import iter_hits, run_search
from search.serialize import hit_to_dict, results_to_dict
from search.types import COLLAPSES, MODES, SORTS, SearchRequest, SearchResults


@click.command(short_help="Search the index.")
@click.argument("query")
@click.option("--source", "sources", multiple=True, help="Only this outlet (repeat for several).")
@click.option(
    "--from", "date_from", metavar="DATE", help="From this day (YYYY, YYYY-MM, YYYY-MM-DD)."
)
@click.option("--to", "date_to", metavar="DATE", help="Up to this day, inclusive.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option(
    "--limit", type=click.IntRange(1, 100), default=10, show_default=True, help="Hits per page."
)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="auto",
    show_default=True,
    help="all: every word; any: any word; auto: all, or any for long plain questions.",
)
@click.option(
    "--collapse",
    type=click.Choice(COLLAPSES),
    default="copies",
    show_default=True,
    help="Show one hit per group of copies or per story (none: every article).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--all",
    "every",
    is_flag=True,
    help="Every hit, streamed (with --json: JSON Lines, one hit a line), not one page.",
)
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every hit (not a page) to FILE.csv or FILE.jsonl.",
)
@index_option
def search(
    query,
    sources,
    date_from,
    date_to,
    sort,
    limit,
    page,
    mode,
    collapse,
    as_json,
    every,
    export_path,
    index_dir,
) -> None:
    """Search the index. QUERY uses the query language (see README): words are AND-ed; OR, NOT,
    -word, (groups), "phrases", "near words"~5, wild*, title:, source:, author:, place:, date:;
    `*` alone lists every article. An export writes every article, with its groups."""
    if not query.strip():  # a variable that came out empty, more often than a wish to list all
        raise click.UsageError(
            "the query is empty: give words to search for, or '*' for every article"
        )
    request = SearchRequest(
        query=query,
        sources=tuple(sources),
        date_from=day_option(date_from, False, "--from"),
        date_to=day_option(date_to, True, "--to"),
        sort=sort,
        page=page,
        page_size=limit,
        mode=mode,
        collapse=collapse,
    )
    if every and export_path is not None:
        raise click.UsageError("choose one of --all (to the terminal) and --export (to a file)")
    if export_path is not None:
        fmt = export_path.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise click.UsageError(
                f"--export takes a .csv or .jsonl file name, not {export_path.name!r}"
            )
    with open_archive(resolve_index(index_dir)) as engine:
        if export_path is not None:
            counter = RowCounter()
            write_chunks(chunks(counter.wrap(export_rows(engine, request)), fmt), export_path)
            folded = " (every article: --collapse stories applies to pages, not exports)"
            note = folded if request.collapse == "stories" else ""
            click.echo(f"wrote {counter.count:,} hits to {export_path}{note}", err=True)
            return
        if every:
            print_every(engine, request, as_json)
            return
        results = run_search(engine, request)
    if as_json:
        click.echo(json.dumps(results_to_dict(results), ensure_ascii=False, indent=2))
    else:
        print_results(results)


def print_every(engine, request: SearchRequest, as_json: bool) -> None:
    """Every hit in the request's order, read lazily: a line each, as JSON or as text."""
    for hit in iter_hits(engine, request):
        if as_json:
            click.echo(json.dumps(hit_to_dict(hit), ensure_ascii=False))
        else:
            click.echo(f"{hit.date or 'undated':<10}  {hit.source}  {hit.title}  [{hit.id}]")


def emphasised(text: str, spans) -> str:
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(click.style(text[start:end], bold=True, fg="yellow"))
        last = end
    out.append(text[last:])
    return "".join(out)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


def print_results(results: SearchResults) -> None:
    shown = plural(results.total, "article")
    if results.stories is not None:
        shown += f" \u00b7 {plural(results.stories, 'story', 'stories')}"
    click.echo(
        f"{shown} for {results.query!r} (page {results.page} of {results.pages}, "
        f"{results.took_ms:.0f} ms)"
    )
    if results.suggestion:
        query, total, unfiltered = results.suggestion
        found = (
            plural(total, "article")
            if unfiltered is None
            else (f"none with your filters, {unfiltered:,} without")
        )
        click.echo(f"did you mean: {query}  ({found})")
    if results.without_filters.get("all"):
        without = results.without_filters
        parts = [f"{without['all']:,} without any"]
        parts += [f"{without[k]:,} without the {k}" for k in ("sources", "dates") if k in without]
        click.echo(f"note: nothing with your filters; {', '.join(parts)}")
    if results.spellings:
        shown = ", ".join(f"{word} ({total:,})" for word, total in results.spellings)
        click.echo(f"note: also written {shown}: add ~ to the word to find every spelling")
    for loose, forms in results.variants.items():
        click.echo(f"note: {loose} also matched: {', '.join(forms) or 'no word of the archive'}")
    if results.mode_used == "any" and results.all_words_total is not None:
        click.echo(
            f"note: articles with any of your {results.words} words, best first; "
            + (
                f"{results.all_words_total:,} contain all of them (--mode all shows only those)"
                if results.all_words_total
                else "none contains all of them"
            )
        )
    for warning in results.warnings:
        click.echo(f"note: {warning}")
    first = (results.page - 1) * results.page_size
    for number, hit in enumerate([*results.hits, *results.some_words_hits], start=first + 1):
        click.echo()
        if number - first - 1 == len(results.hits) and results.some_words_hits:
            click.echo(
                click.style("--- articles with some of your words", bold=True)
                + f" ({results.some_words_total:,}, not in the total; --mode any lists them all)"
            )
            click.echo()
        meta = " \u00b7 ".join(x for x in (hit.date or "undated", hit.source, hit.author) if x)
        click.echo(f"{number:>3}. " + click.style(hit.title or "(untitled)", bold=True))
        click.echo(f"     {meta}  [{hit.id}]")
        if hit.snippet.text:
            click.echo("     " + emphasised(hit.snippet.text, hit.snippet.spans))
        groups = group_line(hit, results.collapse)
        if groups:
            click.echo("     " + click.style(groups, dim=True))
    if results.source_facets:
        click.echo()
        click.echo(
            "Sources: " + " \u00b7 ".join(f"{f.value} {f.count:,}" for f in results.source_facets)
        )
    for name, facets in results.field_facets.items():  # the top five; --json has up to 50
        top = " \u00b7 ".join(f"{f.value} {f.count:,}" for f in facets[:5])
        click.echo(f"{name.capitalize()}: {top}" + (" \u2026" if len(facets) > 5 else ""))
    if results.date_facets:
        buckets = [b for b in results.date_facets if b.count]
        click.echo(
            f"By {results.date_granularity}: "
            + " \u00b7 ".join(f"{b.bucket} {b.count:,}" for b in buckets[:24])
            + (" \u2026" if len(buckets) > 24 else "")
        )


def group_line(hit, collapse: str) -> str:
    """What a hit folds and the story it belongs to, in one line ("" when alone)."""
    parts = []
    if hit.collapsed and collapse == "copies":
        parts.append(f"+{plural(hit.collapsed, 'copy', 'copies')}")
    elif hit.collapsed and collapse == "stories":
        parts.append(
            f"+{plural(hit.collapsed, 'more article')} from "
            f"{plural(hit.collapsed_outlets, 'outlet')}"
        )
    elif hit.copies > 1:
        parts.append(f"{plural(hit.copies, 'copy', 'copies')} in the archive")
    if hit.story_size > 1:
        parts.append(f"story of {plural(hit.story_size, 'article')}: morgue story {hit.story}")
    return " \u00b7 ".join(parts)
