"""Running the command line: every outcome becomes one line and an exit status, here only.

Library errors become one ``morgue: error: ...`` line; exit status 2 means bad usage or a bad
query, 1 any other failure, 130 an interrupt. A traceback is printed only with ``--traceback``
(accepted anywhere on the command line). The commands themselves have no error handling.
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
import traceback
import zlib
from enum import IntEnum

import click

from search.errors import InvalidRequestError, MorgueError, QuerySyntaxError


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    INTERRUPTED = 130


def run(group: click.Group, argv: list[str] | None = None) -> int:
    """Run the CLI and map every outcome to an exit status; the one place errors are printed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    show_traceback = "--traceback" in argv
    argv = [a for a in argv if a != "--traceback"]
    try:
        group.main(args=argv, prog_name="morgue", standalone_mode=False)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, EOFError):  # click turns an EOFError into Abort
            if show_traceback:
                traceback.print_exception(exc.__cause__)
            click.echo(
                "morgue: error: a file of the index ended early; the index may be damaged "
                "(`morgue check` says, and how to rebuild it)",
                err=True,
            )
            return ExitStatus.ERROR
        click.echo("morgue: interrupted; the index keeps its last commit", err=True)
        return ExitStatus.INTERRUPTED
    except KeyboardInterrupt:
        click.echo("morgue: interrupted; the index keeps its last commit", err=True)
        return ExitStatus.INTERRUPTED
    except click.exceptions.NoArgsIsHelpError as exc:  # `morgue`, `morgue saved`: their help
        click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        return ExitStatus.OK
    except (struct.error, zlib.error) as exc:  # read from a file the index holds, cut or garbled
        if show_traceback:
            traceback.print_exc()
        click.echo(
            f"morgue: error: a file of the index could not be read ({exc}); the index may be "
            "damaged (`morgue check` says, and how to rebuild it)",
            err=True,
        )
        return ExitStatus.ERROR
    except click.NoSuchOption as exc:
        hint = ""
        if exc.option_name.startswith("-") and not exc.option_name.startswith("--"):
            command = exc.ctx.command_path if exc.ctx else "morgue search"
            hint = " (to search for a word to leave out, put -- before the query: "
            hint += f"{command} -- '-word')"
        click.echo(f"morgue: error: {exc.format_message()}{hint}", err=True)
        return ExitStatus.USAGE
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "morgue"
        click.echo(f"morgue: error: {exc.format_message()} (see `{command} --help`)", err=True)
        return ExitStatus.USAGE
    except click.ClickException as exc:
        click.echo(f"morgue: error: {exc.format_message()}", err=True)
        return ExitStatus.ERROR
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
    except SystemExit as exc:  # click exits 1 when its output's pipe closes
        if not _pipe_closed():
            raise
        del exc
        return ExitStatus.OK
    except BrokenPipeError:  # `morgue search --all | head`: the reader has all it wanted
        _pipe_closed()
        return ExitStatus.OK
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


def _pipe_closed() -> bool:
    """Whether standard output's reader has gone (``... | head``): not a failure of ours, so
    the run ends quietly with 0, its output pointed at nothing for what is left to flush."""
    if "PacifyFlushWrapper" not in type(sys.stdout).__name__:  # click's sign of a closed pipe
        try:
            sys.stdout.flush()
            return False
        except BrokenPipeError:
            pass
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.__stdout__.fileno())
    return True
