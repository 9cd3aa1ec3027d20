"""Options several commands share, and turning their values into library arguments."""

from __future__ import annotations

from pathlib import Path

import click

from search.config import load_settings
from search.errors import InvalidRequestError

DEFAULT_DB = Path("instance") / "morgue.sqlite3"


def index_option(func):
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Index folder (default: $MORGUE_INDEX_DIR or ./index).",
    )(func)


def db_option(func):
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Saved-queries database (default: $MORGUE_DB or ./instance/morgue.sqlite3).",
    )(func)


def resolve_index(index_dir: Path | None) -> Path:
    return load_settings(index_dir=index_dir).index_dir


def resolve_db(db_path: Path | None) -> Path:
    return db_path or load_settings().db or DEFAULT_DB


def day_option(value: str | None, end: bool, option: str):
    """--from/--to take YYYY, YYYY-MM or YYYY-MM-DD; --to means the end of that period."""
    try:
        from search.searching import parse_day  # the search pipeline, when a date is given

        return parse_day(value, end)
    except InvalidRequestError:
        raise click.UsageError(
            f"{option} {value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"
        ) from None
