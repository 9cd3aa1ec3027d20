"""The ``morgue`` command line: a thin layer over the library.

Library errors become one ``morgue: error: ...`` line here and nowhere else; exit status 2 means
bad usage or a bad query, 1 any other failure, 130 an interrupt. A traceback is printed only with
``--traceback`` (accepted anywhere on the command line).
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from datetime import date
from enum import IntEnum
from pathlib import Path

import click

from search.config import load_settings
from search.engines import ENGINE_NAMES, open_engine
from search.errors import InvalidRequestError, MorgueError, QuerySyntaxError
from search.indexer import Progress, update_index
from search.modes import MODES
from search.query import date_bound
from search.searching import search as run_search
from search.serialize import results_to_dict
from search.types import SORTS, SearchRequest, SearchResults


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    INTERRUPTED = 130


def index_option(func):
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Index folder (default: $MORGUE_INDEX_DIR or ./index).",
    )(func)


def resolve_index(index_dir: Path | None) -> Path:
    return load_settings(index_dir=index_dir).index_dir


def parse_day(value: str | None, end: bool, option: str) -> date | None:
    """--from/--to take YYYY, YYYY-MM or YYYY-MM-DD; --to means the end of that period."""
    if not value:
        return None
    try:
        return date_bound(value, end)
    except QuerySyntaxError:
        raise click.UsageError(
            f"{option} {value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"
        ) from None


class TqdmProgress(Progress):
    """A progress bar over input bytes, then a line per commit; draws nothing when disabled.

    While a commit runs (the bulk writer merges segments at the end, which can take longer than
    reading did) the bar says so and keeps its clock moving, so it never sits silent at 100%.
    """

    TICK_SECONDS = 0.5

    def __init__(self, enabled: bool, file=None) -> None:
        self.enabled = enabled
        self.file = file
        self._bar = None
        self._articles = 0
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self, total_bytes: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        self._bar = tqdm(
            total=total_bytes,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc="reading",
            file=self.file or sys.stderr,
            dynamic_ncols=True,
            leave=False,
        )

    def advance(self, done_bytes: int, articles: int) -> None:
        if self._bar is None:
            return
        self._articles = articles
        self._bar.n = min(done_bytes, self._bar.total or done_bytes)
        elapsed = self._bar.format_dict.get("elapsed") or 0
        rate = articles / elapsed if elapsed else 0
        self._bar.set_postfix_str(f"{articles:,} articles read, {rate:,.0f}/s", refresh=False)
        self._bar.refresh()

    def committing(self, articles: int) -> None:
        if self._bar is None:
            return
        self._bar.set_description_str("committing", refresh=False)
        self._bar.set_postfix_str(f"writing {articles:,} articles, merging segments", refresh=False)
        self._bar.refresh()
        self._stop.clear()
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(self.TICK_SECONDS):
            bar = self._bar
            if bar is not None:
                bar.refresh()

    def committed(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._bar is not None:
            self._bar.set_description_str("reading", refresh=False)
            self.advance(self._bar.n, self._articles)

    def clear(self) -> None:
        """Make room for a message line above the bar."""
        if self._bar is not None:
            self._bar.clear()

    def finish(self) -> None:
        self._stop.set()
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="morgue")
def cli() -> None:
    """Morgue: full-text search for news archives.

    Build an index with `morgue reindex PATH...`, then `morgue search QUERY` or `morgue serve`.
    Add --traceback anywhere to see the full error of a failure.
    """


@cli.command()
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
    help="Engine of a new or rebuilt index: whoosh (default, pure Python) or tantivy (fast, "
    "for large archives; pip install -e '.[fast]'). An existing index keeps its own.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no per-record messages.")
@click.option(
    "--verbose", "-v", is_flag=True, help="Also list the files of a folder that were skipped."
)
def reindex(paths, index_dir, default_source, rebuild, engine, quiet, verbose) -> None:
    """Index articles from files and folders: .txt, .jsonl, .json, .csv, RSS/Atom, .html, and .gz.

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
    )
    click.echo(f"{index_dir}: {report.summary()}")
    if report.kept_nothing:
        if report.rejected:
            reason = "every input was rejected (see the messages above)"
        elif report.skipped:
            listed = "listed above" if verbose else "`--verbose` lists them"
            reason = (
                f"no file of an article format was found ({report.skipped:,} skipped; {listed})"
            )
        else:
            reason = "no article was found in the input"
        raise click.ClickException(f"nothing was indexed: {reason}")


@cli.command()
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
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every hit (not a page) to FILE.csv or FILE.jsonl.",
)
@index_option
def search(
    query, sources, date_from, date_to, sort, limit, page, mode, as_json, export_path, index_dir
) -> None:
    """Search the index. QUERY uses the query language (see README): words are AND-ed; OR, NOT,
    -word, (groups), "phrases", "near words"~5, wild*, title:, source:, author:, place:, date:."""
    request = SearchRequest(
        query=query,
        sources=tuple(sources),
        date_from=parse_day(date_from, False, "--from"),
        date_to=parse_day(date_to, True, "--to"),
        sort=sort,
        page=page,
        page_size=limit,
        mode=mode,
    )
    with open_engine(resolve_index(index_dir)) as engine:
        results = run_search(engine, request)
        if export_path is not None:
            export_search(engine, request, export_path)
            return
    if as_json:
        click.echo(json.dumps(results_to_dict(results), ensure_ascii=False, indent=2))
    else:
        print_results(results)


def export_search(engine, request: SearchRequest, path: Path) -> None:
    from search.export import FORMATS, RowCounter, chunks, export_rows, write_chunks

    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise click.UsageError(f"--export takes a .csv or .jsonl file name, not {path.name!r}")
    counter = RowCounter()
    write_chunks(chunks(counter.wrap(export_rows(engine, request)), fmt), path)
    click.echo(f"wrote {counter.count:,} hits to {path}", err=True)


def emphasised(text: str, spans) -> str:
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(click.style(text[start:end], bold=True, fg="yellow"))
        last = end
    out.append(text[last:])
    return "".join(out)


def print_results(results: SearchResults) -> None:
    shown = f"{results.total:,} result{'s' if results.total != 1 else ''}"
    click.echo(
        f"{shown} for {results.query!r} (page {results.page} of {results.pages}, "
        f"{results.took_ms:.0f} ms)"
    )
    first = (results.page - 1) * results.page_size
    for number, hit in enumerate(results.hits, start=first + 1):
        click.echo()
        meta = " \u00b7 ".join(x for x in (hit.date or "undated", hit.source, hit.author) if x)
        click.echo(f"{number:>3}. " + click.style(hit.title or "(untitled)", bold=True))
        click.echo(f"     {meta}  [{hit.id}]")
        if hit.snippet.text:
            click.echo("     " + emphasised(hit.snippet.text, hit.snippet.spans))
    if results.source_facets:
        click.echo()
        click.echo(
            "Sources: " + " \u00b7 ".join(f"{f.value} {f.count:,}" for f in results.source_facets)
        )
    if results.date_facets:
        buckets = [b for b in results.date_facets if b.count]
        click.echo(
            f"By {results.date_granularity}: "
            + " \u00b7 ".join(f"{b.bucket} {b.count:,}" for b in buckets[:24])
            + (" \u2026" if len(buckets) > 24 else "")
        )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@index_option
def stats(as_json, index_dir) -> None:
    """Article count, sources, date range, size on disk and schema version of the index."""
    with open_engine(resolve_index(index_dir)) as engine:
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
        "schema_version": info.schema_version,
        "last_indexed": info.last_indexed.isoformat(timespec="seconds")
        if info.last_indexed
        else None,
    }
    if as_json:
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    click.echo(f"Index:      {info.path} ({info.engine}, schema {info.schema_version})")
    click.echo(f"Articles:   {info.articles:,} ({info.undated:,} undated)")
    click.echo(f"Dates:      {document['first_date'] or '-'} .. {document['last_date'] or '-'}")
    click.echo(f"Size:       {info.size_bytes / 1_048_576:.1f} MB on disk")
    click.echo(f"Updated:    {document['last_indexed'] or '-'}")
    click.echo(
        "Sources:    " + (", ".join(f"{s.value} {s.count:,}" for s in info.sources[:20]) or "-")
    )


@cli.command()
@index_option
def check(index_dir) -> None:
    """Verify the index: it opens, its counts agree, every stored article reads back."""
    from search.check import check_index

    report = check_index(resolve_index(index_dir))
    if report.ok:
        click.echo(f"{report.path}: ok, {report.articles:,} articles read back")
        return
    for problem in report.problems[:20]:
        click.echo(f"{report.path}: {problem}", err=True)
    raise click.ClickException(f"index {report.path} is damaged; {report.advice}")


def run(group: click.Group, argv: list[str] | None = None) -> int:
    """Run the CLI and map every outcome to an exit status; the one place errors are printed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    show_traceback = "--traceback" in argv
    argv = [a for a in argv if a != "--traceback"]
    try:
        group.main(args=argv, prog_name="morgue", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("morgue: interrupted; the index keeps its last commit", err=True)
        return ExitStatus.INTERRUPTED
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "morgue"
        click.echo(f"morgue: error: {exc.format_message()} (see `{command} --help`)", err=True)
        return ExitStatus.USAGE
    except click.ClickException as exc:
        click.echo(f"morgue: error: {exc.format_message()}", err=True)
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        click.echo("morgue: interrupted; the index keeps its last commit", err=True)
        return ExitStatus.INTERRUPTED
    except (QuerySyntaxError, InvalidRequestError) as exc:
        if show_traceback:
            traceback.print_exc()
        click.echo(f"morgue: error: {exc}", err=True)
        return ExitStatus.USAGE
    except MorgueError as exc:
        if show_traceback:
            traceback.print_exc()
        click.echo(f"morgue: error: {exc}", err=True)
        return ExitStatus.ERROR
    except Exception as exc:  # a bug: say so in one line, the trace on request
        if show_traceback:
            traceback.print_exc()
        click.echo(
            f"morgue: error: unexpected {type(exc).__name__}: {exc} "
            "(run again with --traceback for details)",
            err=True,
        )
        return ExitStatus.ERROR
    return ExitStatus.OK


# The saved-queries and evaluation commands register themselves on `cli`.
from search import eval_cli, saved_cli  # noqa: E402, F401
