"""Settings: code defaults < ``MORGUE_*`` environment < explicit arguments. Nothing is read at
import time; call ``load_settings`` where a command or the app starts."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from search.errors import MorgueError

ENV_PREFIX = "MORGUE_"


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("index")
    seeds_dir: Path = Path("seeds")
    db: Path | None = None  # saved queries; default: in the web app's instance folder
    instance_path: Path | None = None  # the web app's own files (secret key, saved queries)
    host: str = "127.0.0.1"
    port: int = 5000
    page_size: int = 10
    engine: str = "whoosh"  # for new indexes; an existing index names its own in morgue.json
    # Host names the web app answers to (comma-separated); empty: the loopback names when bound
    # to loopback, any name otherwise. A foreign Host header is refused (DNS rebinding).
    trusted_hosts: str = ""
    # Grouping (see search.groups): copies reach this estimated Jaccard similarity of their
    # word shingles and are published at most copy_days apart; a story takes articles this
    # alike (cosine of title and lead) for story_days after its first. A change regroups the
    # index at its next reindex.
    copy_threshold: float = 0.6
    copy_days: int = 2
    story_threshold: float = 0.4
    story_days: int = 3


def load_settings(environ: dict[str, str] | None = None, **overrides) -> Settings:
    """Build settings from the environment (``MORGUE_INDEX_DIR`` ...) and explicit overrides."""
    environ = os.environ if environ is None else environ
    values: dict = {}
    for f in fields(Settings):
        raw = environ.get(ENV_PREFIX + f.name.upper())
        if raw:
            values[f.name] = _convert(f.name, raw)
    values.update(
        {
            k: _convert(k, v) if isinstance(v, str) else v
            for k, v in overrides.items()
            if v is not None
        }
    )
    return replace(Settings(), **values)


def _convert(name: str, raw: str):
    if name in ("index_dir", "seeds_dir", "db", "instance_path"):
        return Path(raw).expanduser()
    if name in ("port", "page_size", "copy_days", "story_days"):
        try:
            value = int(raw)
        except ValueError:
            value = -1
        if value < 0:
            raise MorgueError(
                f"{ENV_PREFIX}{name.upper()} must be a whole number (0 or more), not {raw!r}"
            ) from None
        return value
    if name in ("copy_threshold", "story_threshold"):
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not 0 < value <= 1:
            raise MorgueError(
                f"{ENV_PREFIX}{name.upper()} must be a number above 0 and at most 1, not {raw!r}"
            )
        return value
    return raw
