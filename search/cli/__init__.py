"""The ``morgue`` command line: a thin layer over the library.

``build_cli`` makes the group and registers every library command explicitly (the web app's
``serve`` is added by ``webui.cli``, the composition root); ``run`` turns outcomes into one line
and an exit status. Commands live one family to a module: ``index_commands`` (reindex, stats,
check), ``search_command``, ``attention_commands`` (attention, kwic, terms, coverage),
``story_commands`` (story, regroup), ``saved_commands``, ``eval_command``.
"""

from __future__ import annotations

import click

from search.cli.attention_commands import attention_command, coverage, kwic, terms
from search.cli.eval_command import eval_command
from search.cli.index_commands import check, reindex, stats
from search.cli.progress import TqdmProgress
from search.cli.runner import ExitStatus, run
from search.cli.saved_commands import saved
from search.cli.search_command import search
from search.cli.story_commands import regroup, story


def build_cli() -> click.Group:
    @click.group(context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(package_name="morgue")
    def group() -> None:
        """Morgue: full-text search for news archives.

        Build an index with `morgue reindex PATH...`, then `morgue search QUERY` or `morgue
        serve`. Add --traceback anywhere to see the full error of a failure.
        """

    for command in (
        reindex,
        search,
        attention_command,
        kwic,
        terms,
        coverage,
        story,
        stats,
        check,
        regroup,
        saved,
        eval_command,
    ):
        group.add_command(command)
    return group


cli = build_cli()  # the library's commands; `morgue` itself is webui.cli's group, with `serve`

__all__ = ["ExitStatus", "TqdmProgress", "build_cli", "cli", "run"]
