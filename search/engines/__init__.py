"""Storage and retrieval engines behind one seam (``search.types.Engine``).

Only the modules of this package import an engine library, and they import nothing from the rest
of Morgue but the shared types, the errors and the query tree. ``search.archive`` is the one place
that opens or creates an engine; it finds the class here by the name ``morgue.json`` records.
"""

from __future__ import annotations

from search.errors import EngineUnavailableError

ENGINE_NAMES = ("whoosh", "tantivy", "xapian")
DEFAULT_ENGINE = "whoosh"


def engine_class(name: str):
    """The engine class registered under ``name`` (imported on demand: tantivy is optional)."""
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
    if name == "xapian":
        try:
            from search.engines.xapian_engine import XapianEngine
        except ImportError:
            raise EngineUnavailableError(
                "the xapian engine needs Xapian's Python client; install it with: "
                "pip install -e '.[cluster]' (wheels: xapian-bindings-binary)"
            ) from None
        return XapianEngine
    raise EngineUnavailableError(f"unknown engine {name!r} (choose from {', '.join(ENGINE_NAMES)})")
