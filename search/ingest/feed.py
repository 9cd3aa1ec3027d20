"""RSS and Atom feeds, through feedparser. Each item is one article; its source is the item's own
``<source>`` when it names one, else the feed's title."""

from __future__ import annotations

from collections.abc import Iterator

import feedparser
from bs4 import BeautifulSoup

from search.errors import IngestError
from search.ingest.base import InputFile, RawRecord


def _plain(html: str) -> str:
    """Feed text is often HTML; keep its paragraphs, drop its markup."""
    if "<" not in html:
        return html
    soup = BeautifulSoup(html, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    blocks = [p.get_text(" ", strip=True) for p in soup.find_all(["p", "li", "blockquote"])]
    return "\n\n".join(b for b in blocks if b) if blocks else soup.get_text(" ", strip=True)


def read_feed(input_file: InputFile) -> Iterator[RawRecord | IngestError]:
    with input_file.open_binary() as stream:
        data = stream.read()
    parsed = feedparser.parse(data)
    if not parsed.entries:
        reason = "no items"
        if parsed.bozo:
            reason = f"not a valid feed: {parsed.get('bozo_exception')}"
        yield IngestError(input_file.display, None, reason)
        return
    feed_title = parsed.feed.get("title", "")
    for number, entry in enumerate(parsed.entries, start=1):
        content = ""
        if entry.get("content"):
            content = "\n\n".join(c.get("value", "") for c in entry.content)
        content = content or entry.get("summary", "")
        source = ""
        if entry.get("source") and entry.source.get("title"):
            source = entry.source.title
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
        fields = {
            "id": entry.get("id") or "",
            "title": entry.get("title", ""),
            "body": _plain(content),
            "published": entry.get("published") or entry.get("updated") or "",
            "source": source or feed_title,
            "url": entry.get("link", ""),
            "author": authors or entry.get("author", ""),
        }
        yield RawRecord(fields, input_file.display, f"item {number}")
