"""The composition root: the library's commands plus ``serve``, which needs the web app; this
group is the ``morgue`` console script."""

from __future__ import annotations

import errno
import socket
import sys
from pathlib import Path

import click

from search.archive import SCHEMA_VERSION, is_archive, read_meta
from search.cli import build_cli, run
from search.cli.options import index_option
from search.config import Settings, load_settings
from search.errors import IndexNotFoundError, MorgueError

SERVER_THREADS = 8
M_ARENA_MAX = -8  # glibc's mallopt parameter number


def limit_malloc_arenas() -> None:
    """Let the server's threads share a few C heaps instead of one each (glibc only).

    glibc gives every thread that allocates its own arena, up to 8 per core; C++ engines (Xapian,
    tantivy) allocate in each of the 8 server threads, and the process kept 65 MB more after
    hostile queries had passed through every thread, where with two arenas it kept 18 MB.
    """
    import ctypes
    import ctypes.util

    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_ARENA_MAX, 2)


PROJECT_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def listen_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on, or None. Checked before anything is printed or
    built, so a busy port is one clear line instead of a banner followed by a traceback."""
    error = _bind_error(host, port)
    if error is None:
        return None
    if isinstance(error, str):
        return error
    if error.errno == errno.EADDRINUSE:
        free = next((p for p in range(port + 1, port + 50) if not _bind_error(host, p)), None)
        return f"port {port} is in use" + (f"; try --port {free}" if free else "")
    if error.errno == errno.EACCES:
        return f"no permission to listen on port {port}; try --port 5000"
    return f"cannot listen on {host}:{port}: {error.strerror or error}"


def _bind_error(host: str, port: int) -> OSError | str | None:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError, OverflowError) as exc:
        return f"cannot listen on {host}:{port}: {getattr(exc, 'strerror', None) or exc}"
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself does
        try:
            sock.bind(address)
        except OSError as exc:
            return exc
    return None


def is_outdated(index_dir: Path) -> bool:
    """Whether the index was built by an earlier version's layout (the default index is made
    from seeds/ alone, so it is simply built again)."""
    if not is_archive(index_dir):
        return False
    try:
        return read_meta(index_dir).get("schema_version") != SCHEMA_VERSION
    except MorgueError:
        return False


def is_default_index(settings: Settings) -> bool:
    """Only the default index (no --index, no MORGUE_INDEX_DIR) is ever built from seeds/: any
    other missing folder is far likelier a typo than a wish for a two-article archive."""
    return settings.index_dir.resolve() == Settings().index_dir.resolve()


def seeds_folder(settings: Settings) -> Path:
    """``seeds/`` where the command runs, else the one beside this package (a checkout)."""
    if settings.seeds_dir.exists() or settings.seeds_dir != Settings().seeds_dir:
        return settings.seeds_dir
    return PROJECT_SEEDS if PROJECT_SEEDS.is_dir() else settings.seeds_dir


@click.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default 5000).")
@index_option
def serve(host, port, index_dir) -> None:
    """Serve the web UI. The default index (./index) is built from seeds/ when it does not exist
    yet; any other --index must exist."""
    settings = load_settings(index_dir=index_dir, host=host, port=port)
    problem = listen_problem(settings.host, settings.port)
    if problem:
        raise click.ClickException(problem)
    index_dir = settings.index_dir
    outdated = is_default_index(settings) and is_outdated(index_dir)
    if outdated or not is_archive(index_dir):
        if not is_default_index(settings):
            raise IndexNotFoundError(str(index_dir))
        from search.indexer import update_index  # only the first run builds: not at start

        seeds = seeds_folder(settings)
        why = "is of an older layout" if outdated else "does not exist yet"
        click.echo(f"The index at {index_dir} {why}; building it from {seeds}/ ...", err=True)
        report = update_index(
            index_dir, [seeds], rebuild=outdated, on_problem=lambda m: click.echo(m, err=True)
        )
        click.echo(f"{index_dir}: {report.summary()}", err=True)
        if report.kept_nothing:
            raise click.ClickException(f"no seed articles in {seeds}/ to build an index from")
    from waitress import create_server

    from webui import create_app

    app = create_app({"MORGUE_OVERRIDES": {"index_dir": index_dir, "host": settings.host}})
    limit_malloc_arenas()
    try:
        server = create_server(
            app, host=settings.host, port=settings.port, threads=SERVER_THREADS, ident="morgue"
        )
    except OSError:  # taken between the check and now
        raise click.ClickException(
            listen_problem(settings.host, settings.port) or "cannot listen"
        ) from None
    click.echo(
        f"Morgue is serving {index_dir} at http://{settings.host}:{settings.port}/", err=True
    )
    server.run()


def build_morgue() -> click.Group:
    """Every command of ``morgue``: the library's, then ``serve``."""
    group = build_cli()
    group.add_command(serve)
    return group


cli = build_morgue()


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(cli, argv))


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
