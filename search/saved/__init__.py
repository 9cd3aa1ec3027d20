"""Saved queries: save a search, re-run it, see what is new, keep its history (SQLite).

``model`` holds the plain data, ``schema`` the numbered migrations, ``db`` the connection and
transactions, ``store`` the saved queries and their versions, ``runs`` what a run records and
what "new since the last run" means, ``transfer`` dump and load.
"""

from search.saved.model import (
    IndexChangedError,
    IndexIdentity,
    QueryVersion,
    RunChanges,
    RunReport,
    RunSummary,
    SavedQuery,
    SavedQueryError,
    slugify,
)
from search.saved.runs import HASH_PREFIX, decode_keys, diff_keys, encode_keys
from search.saved.store import SavedStore

__all__ = [
    "HASH_PREFIX",
    "IndexChangedError",
    "IndexIdentity",
    "QueryVersion",
    "RunChanges",
    "RunReport",
    "RunSummary",
    "SavedQuery",
    "SavedQueryError",
    "SavedStore",
    "decode_keys",
    "diff_keys",
    "encode_keys",
    "slugify",
]
