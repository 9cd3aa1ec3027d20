"""What searching reads of an index's groups.

A read-only connection is opened for each search (about a tenth of a millisecond) and closed
after it, so a search always reads the file now in the folder, also just after a rebuild swapped
a new one in, and no connection outlives the request that needed it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from search.groups.store import GROUPS_FILE, GroupStore


def open_groups(index_dir: Path) -> GroupStore | None:
    """The groups of the index in ``index_dir``, read-only, or None when it has none (an index
    made before grouping existed, until its next reindex)."""
    path = Path(index_dir) / GROUPS_FILE
    if not path.exists():
        return None
    try:
        store = GroupStore(path, readonly=True)
    except sqlite3.Error:
        return None
    try:
        grouped = store.meta("grouped")  # set once grouping has run
    except sqlite3.Error:
        grouped = None
    if grouped is None:
        store.close()
        return None
    return store
