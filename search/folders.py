"""The index folder around an index: choosing its engine, keeping its archive id, building a
rebuild beside it and swapping it in, and leaving nothing behind when a first run found nothing.

A rebuild is written to a sibling folder and moved in only when complete, so the old index serves
until the new one is whole; files that belong to the folder rather than to one index (its README,
the writer lock) are kept across the swap.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from search.archive import SCHEMA_VERSION, is_archive, is_cluster, read_meta, write_meta
from search.config import load_settings
from search.errors import MorgueError
from search.locking import LOCK_NAME

# Files that belong to the folder rather than to one index: kept across a rebuild.
FOLDER_FILES = ("README.md", LOCK_NAME)


def staging_for_rebuild(index_dir: Path) -> Path:
    """Where to build a rebuild: a fresh sibling folder, swapped in when the build completes."""
    others = (
        [p for p in index_dir.iterdir() if p.name not in FOLDER_FILES] if index_dir.exists() else []
    )
    if others and not is_archive(index_dir):
        raise MorgueError(
            f"{index_dir} is not a Morgue index and is not empty; refusing to rebuild over it"
        )
    staging = index_dir.with_name(index_dir.name + ".rebuild")
    shutil.rmtree(staging, ignore_errors=True)
    return staging


def swap_in(staging: Path, index_dir: Path) -> None:
    old = index_dir.with_name(index_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if index_dir.exists():
        # Keep files git or the user placed there (index/README.md) by moving only the index.
        keep = [p for p in index_dir.iterdir() if p.name in FOLDER_FILES]
        index_dir.rename(old)
        index_dir.mkdir()
        for item in keep:
            shutil.move(str(old / item.name), index_dir / item.name)
    else:
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        index_dir.mkdir()
    for item in staging.iterdir():
        shutil.move(str(item), index_dir / item.name)
    staging.rmdir()
    shutil.rmtree(old, ignore_errors=True)


def finish_rebuild(staging: Path, index_dir: Path, nothing_found: bool) -> None:
    """Swap a completed rebuild in, unless it found nothing and an index is there to keep."""
    if nothing_found and is_archive(index_dir):
        shutil.rmtree(staging, ignore_errors=True)
        raise MorgueError(f"the rebuild found no article to index; {index_dir} is left as it was")
    swap_in(staging, index_dir)


def remove_empty_index(index_dir: Path, existing: set[str] | None) -> None:
    """A first run that indexed nothing (a mistyped file name) leaves no empty index behind:
    it would be served as an empty archive instead of "no index here"."""
    if existing is None:
        shutil.rmtree(index_dir, ignore_errors=True)
        return
    for name in set(os.listdir(index_dir)) - existing - {LOCK_NAME}:
        path = index_dir / name
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def archive_id_of(index_dir: Path) -> str | None:
    """The archive's id, which a rebuild keeps; an index made before ids existed gets one now
    (saved-query runs tell archives apart by it)."""
    try:
        meta = read_meta(index_dir)
    except MorgueError:
        return None
    current = meta.get("schema_version") == SCHEMA_VERSION
    if not meta.get("index_id") and meta.get("engine") and current:
        write_meta(index_dir, meta["engine"])
        meta = read_meta(index_dir)
    return meta.get("index_id")


def choose_engine(index_dir: Path, asked: str | None, rebuild: bool) -> str:
    if rebuild and is_cluster(index_dir):  # its articles are on the shards, not in the folder
        raise MorgueError(
            f"{index_dir} is a cluster index, which cannot be rebuilt in place (its articles are "
            "on the shards). To rebuild it, start empty shard servers, then "
            "`morgue cluster init NEW --shard ...` and `morgue reindex PATH... --index NEW`"
        )
    try:
        current = read_meta(index_dir).get("engine")
    except MorgueError:
        current = None
    if current and asked and asked != current and not rebuild:
        raise MorgueError(
            f"index {index_dir} uses the {current} engine; to move it to {asked}, rebuild it: "
            f"`morgue reindex --rebuild --engine {asked} PATH... --index {index_dir}`"
        )
    return asked or (current if rebuild and current else None) or load_settings().engine
