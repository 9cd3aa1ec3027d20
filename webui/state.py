"""What a request reads of the app it runs in: the settings, the archive (opened on first use
and shared by every thread), and the saved-queries store (one per request). Blueprints import
this, never ``webui.app``, so the factory can import them without a cycle."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app, g

from search.archive import open_archive
from search.config import Settings
from search.saved import SavedStore
from search.types import Engine

ENGINE_KEY = "morgue_engine"
CURSORS_KEY = "morgue_cursors"


class EngineHolder:
    """Opens the index on first use; a missing index is retried on the next request."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def get(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = open_archive(self.index_dir)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None


def engine() -> Engine:
    """The engine of the current app (raises IndexNotFoundError while there is no index)."""
    return current_app.extensions[ENGINE_KEY].get()


def cursors():
    """The app's pinned orders for deep paging (``webui.cursors``)."""
    return current_app.extensions[CURSORS_KEY]


def settings() -> Settings:
    return current_app.config["MORGUE_SETTINGS"]


def store() -> SavedStore:
    """This request's saved-queries store (closed when the request ends)."""
    if "saved_store" not in g:
        path = settings().db or Path(current_app.instance_path) / "morgue.sqlite3"
        g.saved_store = SavedStore(path)
    return g.saved_store


def close_store(_exc=None) -> None:
    saved_store = g.pop("saved_store", None)
    if saved_store is not None:
        saved_store.close()
