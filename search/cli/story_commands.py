"""``morgue story`` (a story's coverage: who published what, when, and what each copy changed)
and ``morgue regroup`` (group every article again)."""

from __future__ import annotations

import json

import click

from search.archive import open_archive
from search.cli.options import index_option, resolve_index
from search.cli.progress import TqdmProgress
from search.coverage import NO_GROUPS, Story, groups_ready, story_by_id, tie_note, when
from search.regroup import regroup_index
from search.serialize import story_to_dict

CHANGES_SHOWN = 6
CHANGE_CHARS = 160


@click.command(short_help="The coverage of a story, outlet by outlet.")
@click.argument("story_id")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@index_option
def story(story_id, as_json, index_dir) -> None:
    """The coverage of a story: its articles in time order, each outlet's first report, and
    what each copy changed. STORY_ID is a story's id (the `story` of a hit) or any of its
    articles' ids."""
    with open_archive(resolve_index(index_dir)) as engine:
        found = story_by_id(engine, story_id)
        ready = found is not None or groups_ready(engine)
    if not ready:
        raise click.ClickException(NO_GROUPS)
    if found is None:
        raise click.ClickException(
            f"no story or article {story_id!r} in this index (`morgue search` shows the story "
            "of each hit)"
        )
    if as_json:
        click.echo(json.dumps(story_to_dict(found), ensure_ascii=False, indent=2))
    else:
        print_story(found)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def print_story(found: Story) -> None:
    first = found.first
    click.echo(
        click.style(f"Story {found.id}", bold=True)
        + f" \u00b7 {_count(len(found.articles), 'article')} from "
        + f"{_count(len(found.outlets), 'outlet')}"
    )
    click.echo(f"First: {when(first)}{tie_note(found)} \u00b7 {first.source} \u00b7 {first.title}")
    click.echo()
    for article in found.articles:
        byline = f" \u00b7 {article.author}" if article.author else ""
        click.echo(f"  {when(article):<20} {article.source}{byline}")
        click.echo(f"  {'':<20} {article.title}  [{article.id}]")
    for group in found.copy_groups:
        click.echo()
        click.echo(
            click.style(f"Copies of [{group.first.id}]", bold=True)
            + f" ({group.first.source}, {when(group.first)}):"
        )
        for copy in group.copies:
            if copy.identical:
                summary = "identical"
            else:
                summary = f"+{copy.added:,} / -{copy.removed:,} words"
            click.echo(
                f"  [{copy.article.id}] {copy.article.source}, {when(copy.article)}: {summary}"
            )
            changes = [c for c in copy.changes if c.op != "equal"]
            for change in changes[:CHANGES_SHOWN]:
                if change.before:
                    click.echo(click.style(f"    - {_cut(change.before)}", fg="red"))
                if change.after:
                    click.echo(click.style(f"    + {_cut(change.after)}", fg="green"))
            if len(changes) > CHANGES_SHOWN:
                click.echo(f"    ... and {len(changes) - CHANGES_SHOWN:,} more changes (--json)")


def _cut(text: str) -> str:
    return text if len(text) <= CHANGE_CHARS else text[: CHANGE_CHARS - 1] + "\u2026"


@click.command(short_help="Group every article into copies and stories again.")
@index_option
def regroup(index_dir) -> None:
    """Group every article of the index into copies and stories again, with the current
    settings ($MORGUE_COPY_THRESHOLD, $MORGUE_COPY_DAYS, $MORGUE_STORY_THRESHOLD,
    $MORGUE_STORY_DAYS) and the archive's current word weights. A reindex after a change of
    settings does the same."""
    path = resolve_index(index_dir)
    report = regroup_index(path, progress=TqdmProgress(enabled=True))
    click.echo(f"{path}: {report.copies:,} articles grouped in {report.seconds:.1f} s")
