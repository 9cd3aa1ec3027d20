"""``morgue fetch``: follow news feeds into the archive, politely, keeping every answer in web
archive files from which the archive can be rebuilt."""

from __future__ import annotations

import re
import time
from pathlib import Path

import click

from search.cli.options import index_option, resolve_index

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_EVERY_SECONDS = 60


def duration(value: str) -> float:
    """'30m', '2h', '90s', '1d' or plain seconds."""
    found = _DURATION.match(value or "")
    if not found:
        raise click.BadParameter(f"{value!r} is not a duration such as 30m, 2h or 90s")
    return float(found.group(1)) * _SECONDS[found.group(2)]


@click.command(short_help="Follow news feeds: fetch new and changed articles into the index.")
@click.argument("feeds", nargs=-1, required=True)
@index_option
@click.option(
    "--warc-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where every answer is kept as web archive files (default: the index folder's name "
    "with -warcs, beside it). `morgue reindex` of this folder rebuilds the archive.",
)
@click.option("--every", default="30m", show_default=True, help="Time between passes.")
@click.option("--once", is_flag=True, help="One pass, then stop (for cron).")
@click.option(
    "--delay",
    type=click.FloatRange(0),
    default=1.0,
    show_default=True,
    help="Seconds between two requests to one host (longer if its robots.txt asks).",
)
@click.option("--timeout", type=click.FloatRange(0.1), default=15.0, show_default=True)
@click.option(
    "--max-mb", type=click.FloatRange(0.01), default=10.0, show_default=True, help="Per answer."
)
@click.option("--quiet", "-q", is_flag=True, help="Only each pass's summary.")
def fetch_command(feeds, index_dir, warc_dir, every, once, delay, timeout, max_mb, quiet) -> None:
    """Fetch RSS/Atom FEEDS and the article pages they link to, write every answer to web
    archive files, and index new and changed articles.

    One request at a time, DELAY seconds apart per host, robots.txt obeyed, unchanged pages
    asked for conditionally (ETag, Last-Modified). A feed that fails is reported with how many
    passes in a row it has failed; the others go on. Without --once, a pass runs every EVERY
    until interrupted. Exits with 1 when a --once pass could fetch nothing at all.
    """
    from search.fetch.client import PoliteClient
    from search.fetch.crawl import fetch_pass

    pause = duration(every)
    if pause < MIN_EVERY_SECONDS:
        raise click.BadParameter(
            f"{every!r} is too often: at least 1m between passes (a site is asked for every page "
            "of every feed each pass)",
            param_hint="--every",
        )
    for feed in feeds:
        if not feed.startswith(("http://", "https://")):
            raise click.BadParameter(f"{feed!r} is not an http(s) URL", param_hint="FEEDS")
    index_dir = resolve_index(index_dir)
    warc_dir = warc_dir or index_dir.parent / f"{index_dir.name}-warcs"
    client = PoliteClient(delay=delay, timeout=timeout, max_bytes=int(max_mb * 1024 * 1024))

    def on_problem(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    while True:
        report = fetch_pass(list(feeds), index_dir, warc_dir, client, on_problem)
        click.echo(f"{index_dir}: {report.summary()} (answers in {report.warc})")
        if once:
            if not (report.fetched or report.not_modified):
                where = "run without --quiet to see why" if quiet else "see the messages above"
                raise click.ClickException(f"nothing could be fetched ({where})")
            return
        time.sleep(pause)
