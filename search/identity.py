"""An article's two identities, computed here so that one rule holds everywhere:

* the id is stable across runs (given id, else canonical URL, else a hash of source + date + text),
  which is what makes a re-run incremental;
* the content hash covers every stored field, so any change a user would see counts as an update.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(
    *,
    title: str,
    body: str,
    source: str,
    published: datetime | None,
    url: str | None,
    author: str | None,
    place: str | None,
    metadata: tuple = (),
    extra: tuple = (),
) -> str:
    """Hash of every field a reader can see, as sorted-key JSON so field order never matters.
    Metadata joins the hash only when there is some, so an article without any keeps the hash
    it had before metadata was read."""
    payload = {
        "title": title,
        "body": body,
        "source": source,
        "published": published.isoformat() if published else None,
        "url": url,
        "author": author,
        "place": place,
    }
    if metadata:
        payload["metadata"] = [list(pair) for pair in metadata]
    if extra:
        payload["extra"] = [list(pair) for pair in extra]
    return _digest(json.dumps(payload, sort_keys=True, ensure_ascii=False))[:32]


def derived_id(source: str, published: datetime | None, body: str, title: str) -> str:
    """An id for an article that brought neither an id nor a URL: same text, same id, every run."""
    day = published.date().isoformat() if published else ""
    return "h-" + _digest("\x1f".join([source.casefold(), day, title, body]))[:20]
