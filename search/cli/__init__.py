"""The ``morgue`` command line: a thin layer over the library.

``build_cli`` makes the group of every library command (the web app's ``serve`` is added by
``webui.cli``, the composition root); ``run`` turns outcomes into one line and an exit status.
Commands live one family to a module: ``index_commands`` (reindex, stats, check),
``search_command``, ``attention_commands`` (attention, kwic, terms, coverage),
``story_commands`` (story, regroup), ``saved_commands``, ``eval_command``.

A command's module is imported only when that command runs: importing them all took 140 ms of
every start (``morgue search`` paid for the attention charts and the indexer), so the group
knows each command by module and attribute, with its ``short_help`` for ``morgue --help``
(``tests/test_cli.py`` checks these lines against the commands' own).
"""

from __future__ import annotations

import difflib
import importlib

import click

from search.cli.runner import ExitStatus, run

# name -> (module, attribute, the command's ``short_help``, which `morgue --help` shows)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "attention": (
        "search.cli.attention_commands",
        "attention_command",
        "Attention over time for up to 8 queries.",
    ),
    "check": (
        "search.cli.index_commands",
        "check",
        "Verify that the index is whole and reads back.",
    ),
    "cluster": (
        "search.cli.cluster_command",
        "cluster",
        "Shard an archive over Xapian servers: up, init, status, down.",
    ),
    "coverage": (
        "search.cli.attention_commands",
        "coverage",
        "Articles per source over time, and possible gaps.",
    ),
    "eval": (
        "search.cli.eval_command",
        "eval_command",
        "Score the ranking against relevance judgments.",
    ),
    "fetch": (
        "search.cli.fetch_command",
        "fetch_command",
        "Follow news feeds: fetch new and changed articles into the index.",
    ),
    "kwic": (
        "search.cli.attention_commands",
        "kwic",
        "A concordance of a query's words in context.",
    ),
    "regroup": (
        "search.cli.story_commands",
        "regroup",
        "Group every article into copies and stories again.",
    ),
    "reindex": ("search.cli.index_commands", "reindex", "Index articles from files and folders."),
    "saved": (
        "search.cli.saved_commands",
        "saved",
        "Saved queries: save, re-run, see what is new, export.",
    ),
    "search": ("search.cli.search_command", "search", "Search the index."),
    "stats": (
        "search.cli.index_commands",
        "stats",
        "Articles, sources, dates, fields and size of the index.",
    ),
    "story": ("search.cli.story_commands", "story", "The coverage of a story, outlet by outlet."),
    "terms": (
        "search.cli.attention_commands",
        "terms",
        "Words that characterise a query's matches.",
    ),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when run (or asked for their full help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands or name not in COMMANDS:
            return super().get_command(ctx, name)
        module, attribute, _ = COMMANDS[name]
        command = getattr(importlib.import_module(module), attribute)
        self.add_command(command, name)
        return command

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """Click suggests only among the commands it has loaded (none, here): a typo is matched
        against every command's name instead ("serch" -> search)."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError:
            name = args[0] if args else ""
            if not name or name.startswith("-") or name in COMMANDS:
                raise
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=2)
            hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise click.UsageError(f"No such command {name!r}.{hint}", ctx) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from ``COMMANDS``' lines, importing nothing."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                command = self.commands[name]
                if command.hidden:
                    continue
                rows.append((name, command.get_short_help_str(formatter.width)))
            else:
                rows.append((name, COMMANDS[name][2]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def build_cli() -> click.Group:
    @click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(package_name="morgue")
    def group() -> None:
        """Morgue: full-text search for news archives.

        Build an index with `morgue reindex PATH...`, then `morgue search QUERY` or `morgue
        serve`. Add --traceback anywhere to see the full error of a failure.
        """

    return group


def __getattr__(name: str):
    if name == "TqdmProgress":  # the indexer's progress bar, imported when asked for
        from search.cli.progress import TqdmProgress

        return TqdmProgress
    if name == "cli":
        return build_cli()
    raise AttributeError(name)


__all__ = ["COMMANDS", "ExitStatus", "LazyGroup", "TqdmProgress", "build_cli", "cli", "run"]
