"""Opening and creating archives: an index folder with the engine that built it.

``morgue.json`` in the folder names the engine, the schema (our analyzer's version plus the
engine's own layout) and the archive's id. It is written atomically before the first commit, so
an index is always opened by the engine that built it, and a version change is caught with a
clear "rebuild" message instead of terms that silently stop matching. The id names the archive
for saved-query runs: made once, kept across ``reindex --rebuild`` and a move.

This is the only module outside ``search.engines`` that imports it.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from pathlib import Path

from search.analysis import ANALYZER_VERSION
from search.engines import DEFAULT_ENGINE, ENGINE_NAMES, engine_class
from search.engines.base import META_FILE, fsync_folder
from search.errors import IndexNotFoundError, InvalidRequestError, SchemaMismatchError
from search.types import Engine

# The stored layout both engines share (pre-analysed terms, stored fields); bump on a change.
LAYOUT_VERSION = "schema5"  # 5: the headline in the body field too (catch-all)
SCHEMA_VERSION = f"{ANALYZER_VERSION}+{LAYOUT_VERSION}"

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINE_NAMES",
    "META_FILE",
    "SCHEMA_VERSION",
    "archive_id",
    "create_cluster",
    "is_cluster",
    "shard_status",
    "create_archive",
    "is_archive",
    "open_archive",
    "read_meta",
    "write_meta",
]


def read_meta(path: Path) -> dict:
    meta_path = Path(path) / META_FILE
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexNotFoundError(str(path)) from None
    except (OSError, ValueError) as exc:
        raise SchemaMismatchError(
            str(path), f"unreadable {META_FILE} ({exc})", SCHEMA_VERSION
        ) from None


def write_meta(
    path: Path, engine: str, index_id: str | None = None, extra: dict | None = None
) -> None:
    """Write ``morgue.json`` atomically: a crash leaves the old file or the new, never half.
    ``extra``: the engine's own settings (a cluster's shards)."""
    document = {
        "engine": engine,
        "schema_version": SCHEMA_VERSION,
        "index_id": index_id or uuid.uuid4().hex,
        **(extra or {}),
    }
    fd, tmp = tempfile.mkstemp(dir=path, prefix=".morgue-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(document, indent=2) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, Path(path) / META_FILE)
        fsync_folder(Path(path))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_archive(path: Path) -> bool:
    return (Path(path) / META_FILE).exists()


def archive_id(path: Path) -> str | None:
    """The archive's own id (None for an index made before ids existed, or no index)."""
    try:
        return read_meta(path).get("index_id")
    except (IndexNotFoundError, SchemaMismatchError):
        return None


def open_archive(path) -> Engine:
    """Open an existing index with the engine recorded in its ``morgue.json``."""
    path = Path(path)
    meta = read_meta(path)
    name = meta.get("engine", DEFAULT_ENGINE)
    found = meta.get("schema_version", "unknown")
    if found != SCHEMA_VERSION:
        raise SchemaMismatchError(str(path), f"{name}/{found}", f"{name}/{SCHEMA_VERSION}")
    return engine_class(name).open(path, SCHEMA_VERSION)


def create_archive(path, engine: str = DEFAULT_ENGINE, index_id: str | None = None) -> Engine:
    """Create a new, empty index (replacing nothing: the caller clears a folder it rebuilds);
    ``index_id`` carries an archive's identity over to its rebuild."""
    path = Path(path)
    cls = engine_class(engine)
    path.mkdir(parents=True, exist_ok=True)
    write_meta(path, engine, index_id)
    return cls.create(path, SCHEMA_VERSION)


# ------------------------------------------------------------------------------ clusters


def is_cluster(path: Path) -> bool:
    """Whether the index's articles live on shard servers (``morgue cluster init``)."""
    try:
        return bool(read_meta(path).get("xapian", {}).get("shards"))
    except (IndexNotFoundError, SchemaMismatchError):
        return False


def create_cluster(
    path, shards: list[tuple[str, list[str]]], *, timeout: float, private_network: bool
) -> str:
    """Make ``path`` an index whose articles live on ``shards`` (each primary's ``host:port``
    with its replicas'): each primary must answer and hold nothing of another archive; each is then
    marked as this archive's. An existing cluster index keeps its id; its shard count may not
    change (an article's shard is its id's hash modulo the count). Returns the archive's id."""
    from search.engines.xapian_shards import Layout, Shard, claim_shards, parse_address

    path = Path(path)
    for address in [a for primary, replicas in shards for a in (primary, *replicas)]:
        parse_address(address)
    layout = Layout(tuple(Shard(a, tuple(r)) for a, r in shards), timeout, private_network)
    index_id = None
    if is_archive(path):
        meta = read_meta(path)
        old = meta.get("xapian", {}).get("shards", [])
        if meta.get("engine") != "xapian" or not old:
            raise InvalidRequestError(
                f"{path} is already a {meta.get('engine', 'Morgue')} index kept in its folder; "
                "choose a new folder for the cluster index"
            )
        if len(old) != len(layout.shards):
            raise InvalidRequestError(
                f"{path} has {len(old)} shards; an article's shard depends on their number, so "
                "a cluster of another size is a new index (cluster init NEW, then reindex)"
            )
        index_id = meta.get("index_id")
    index_id = index_id or uuid.uuid4().hex
    claim_shards(layout, index_id)
    path.mkdir(parents=True, exist_ok=True)
    write_meta(path, "xapian", index_id, {"xapian": layout.to_json()})
    return index_id


def shard_status(path) -> list[dict]:
    """Per shard of a cluster index: the address serving reads and a probe of every server."""
    if not is_cluster(path):
        read_meta(path)  # no index at all: say that
        raise InvalidRequestError(
            f"{path} is not a cluster index (`morgue cluster init` makes one)"
        )
    with open_archive(path) as engine:
        return engine.shard_status()
