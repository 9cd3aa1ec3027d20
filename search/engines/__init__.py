"""Storage and retrieval engines behind one seam.

Only the modules of this package import an engine library. Everything else hands an engine our own
types (``Article`` in; a parsed query tree and a ``SearchRequest`` in, ``EngineResults`` out) and
so a second engine plugs in by implementing ``Engine`` and registering in ``ENGINES``.
"""

from __future__ import annotations

from search.engines.base import Engine, EngineResults, EngineWriter, MatchedArticle, read_meta

ENGINE_NAMES = ("whoosh",)

__all__ = [
    "ENGINE_NAMES",
    "Engine",
    "EngineResults",
    "EngineWriter",
    "MatchedArticle",
    "create_engine",
    "open_engine",
    "read_meta",
]


def open_engine(path) -> Engine:
    """Open an existing index with the engine recorded in it."""
    from search.engines.whoosh_engine import WhooshEngine

    return WhooshEngine.open(path)


def create_engine(path, engine: str = "whoosh") -> Engine:
    """Create a new, empty index (replacing nothing: the caller clears a folder it rebuilds)."""
    if engine not in ENGINE_NAMES:
        raise ValueError(f"unknown engine {engine!r} (choose from {', '.join(ENGINE_NAMES)})")
    from search.engines.whoosh_engine import WhooshEngine

    return WhooshEngine.create(path)
