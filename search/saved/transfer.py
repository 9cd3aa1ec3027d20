"""Moving saved queries between machines: ``morgue saved dump`` writes every saved query with its
versions as JSON, ``morgue saved load`` adds them elsewhere. Runs stay behind: they are tied to
one archive."""

from __future__ import annotations

from datetime import date

from search.saved.model import SavedQueryError
from search.saved.store import SavedStore
from search.types import SearchRequest

FORMAT_VERSION = 2  # 1: the query, sources, dates and sort as separate keys; 2: a whole request


def dump(store: SavedStore) -> dict:
    return {
        "morgue_saved_queries": FORMAT_VERSION,
        "queries": [
            {
                "name": s.name,
                "request": s.request.to_dict(),
                "notes": s.notes,
                "created_at": s.created_at.isoformat(),
                "versions": [
                    {
                        "version": v.version,
                        "request": v.request.to_dict(),
                        "created_at": v.created_at.isoformat(),
                    }
                    for v in store.versions(s.name)
                ],
            }
            for s in store.list()
        ],
    }


def _request_of(item: dict) -> SearchRequest:
    if "request" in item:
        return SearchRequest.from_dict(item["request"])
    return SearchRequest(  # a dump of the first format
        query=item["query"],
        sources=tuple(item.get("sources", ())),
        date_from=date.fromisoformat(item["from"]) if item.get("from") else None,
        date_to=date.fromisoformat(item["to"]) if item.get("to") else None,
        sort=item.get("sort", "relevance"),
    )


def load(store: SavedStore, document: dict) -> tuple[int, int]:
    """Add the queries of a dump; existing names are skipped. Returns (added, skipped)."""
    if not isinstance(document, dict) or document.get("morgue_saved_queries") not in (1, 2):
        raise SavedQueryError("not a Morgue saved-queries file (made by `morgue saved dump`)")
    added = skipped = 0
    for item in document.get("queries", []):
        try:
            store.get(item["name"])
            skipped += 1
            continue
        except SavedQueryError:
            pass
        store.add(item["name"], _request_of(item), notes=item.get("notes", ""))
        added += 1
    return added, skipped
