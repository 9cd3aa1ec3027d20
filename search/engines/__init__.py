"""Storage and retrieval engines behind one seam.

Only the modules of this package import an engine library. Everything else hands an engine our own
types (``Article`` in; a parsed query tree and a ``SearchRequest`` in, ``EngineResults`` out) and
so a second engine plugs in by implementing ``Engine`` and registering in ``ENGINES``.
"""

from __future__ import annotations

from search.engines.base import Engine, EngineResults, EngineWriter, MatchedArticle, read_meta
from search.errors import EngineUnavailableError

ENGINE_NAMES = ("whoosh", "tantivy")
DEFAULT_ENGINE = "whoosh"

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINE_NAMES",
    "Engine",
    "EngineResults",
    "EngineWriter",
    "MatchedArticle",
    "create_engine",
    "open_engine",
    "read_meta",
]


def _engine_class(name: str):
    if name == "whoosh":
        from search.engines.whoosh_engine import WhooshEngine

        return WhooshEngine
    if name == "tantivy":
        try:
            from search.engines.tantivy_engine import TantivyEngine
        except ImportError:
            raise EngineUnavailableError(
                "the tantivy engine is not installed; install it with: pip install -e '.[fast]'"
            ) from None
        return TantivyEngine
    raise EngineUnavailableError(f"unknown engine {name!r} (choose from {', '.join(ENGINE_NAMES)})")


def open_engine(path) -> Engine:
    """Open an existing index with the engine recorded in its ``morgue.json``."""
    meta = read_meta(path)
    return _engine_class(meta.get("engine", DEFAULT_ENGINE)).open(path)


def create_engine(path, engine: str = DEFAULT_ENGINE, index_id: str | None = None) -> Engine:
    """Create a new, empty index (replacing nothing: the caller clears a folder it rebuilds);
    ``index_id`` carries an archive's identity over to its rebuild."""
    return _engine_class(engine).create(path, index_id=index_id)
