"""The composition root: the library's CLI plus ``serve``, which needs the web app."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from search.cli import cli, index_option, resolve_index, run
from search.config import load_settings
from search.engines.base import META_FILE
from search.indexer import update_index


@cli.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 5000).")
@index_option
def serve(host, port, index_dir) -> None:
    """Serve the web UI. With no index yet, one is built from seeds/ first."""
    settings = load_settings(index_dir=index_dir, host=host, port=port)
    index_dir = resolve_index(index_dir)
    if not (index_dir / META_FILE).exists():
        seeds = settings.seeds_dir
        click.echo(f"No index at {index_dir} yet; building one from {seeds}/ ...", err=True)
        report = update_index(index_dir, [seeds], on_problem=lambda m: click.echo(m, err=True))
        click.echo(f"{index_dir}: {report.summary()}", err=True)
    from waitress import serve as waitress_serve

    from webui import create_app

    app = create_app({"MORGUE_OVERRIDES": {"index_dir": index_dir, "host": settings.host}})
    click.echo(
        f"Morgue is serving {index_dir} at http://{settings.host}:{settings.port}/", err=True
    )
    waitress_serve(app, host=settings.host, port=settings.port, threads=8, ident="morgue")


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(cli, argv))


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])


__all__ = ["main", "Path"]
