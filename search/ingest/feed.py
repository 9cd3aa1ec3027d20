"""RSS and Atom feeds, through feedparser. Each item is one article; its source is the item's own
``<source>`` when it names one, else the feed's title."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

from search.errors import IngestError
from search.ingest.base import InputFile, RawRecord, parse_html


def _plain(html: str) -> str:
    """Feed text is HTML (feedparser hands even a plain description back escaped: "AT&amp;T");
    keep its paragraphs, drop its markup, decode its entities."""
    if "<" not in html:
        return unescape(html)
    soup = parse_html(html)
    for br in soup.find_all("br"):
        br.replace_with("\n")
    blocks = [p.get_text(" ", strip=True) for p in soup.find_all(["p", "li", "blockquote"])]
    return "\n\n".join(b for b in blocks if b) if blocks else soup.get_text(" ", strip=True)


_EMAIL_THEN_NAME = re.compile(r"^\s*\S+@\S+\s+\((?P<name>[^)]+)\)\s*$")
_NAME_THEN_EMAIL = re.compile(r"^\s*(?P<name>[^<(@]+?)\s*[<(]\s*\S+@\S+\s*[>)]\s*$")


def _authors(entry) -> list[str]:
    """The author names of an item. RSS writes ``jane@wire.example (Jane Roe)``, which
    feedparser splits with an address pattern that does not know newer domain endings ("ple
    (Jane Roe"); such a byline is read here, the name kept and the address dropped."""
    raw = entry.get("author") or ""
    for pattern in (_EMAIL_THEN_NAME, _NAME_THEN_EMAIL):
        match = pattern.match(raw)
        if match:
            return [match.group("name").strip()]
    if "@" in raw:  # an address alone: no byline to keep (and feedparser's split is unreliable)
        return []
    names = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
    return names or ([raw] if raw else [])


def feed_items(data: bytes, empty_ok: bool = False) -> Iterator[tuple[dict, int]]:
    """The raw fields of every item of a feed, with its number; ``ValueError`` with the reason
    when the data holds no item (a feed without items is fine with ``empty_ok``, not a page
    that is no feed)."""
    import feedparser  # imported when a feed is read, not when a command starts

    parsed = feedparser.parse(data)
    if not parsed.entries and empty_ok and not parsed.bozo and parsed.version:
        return
    if not parsed.entries:
        reason = "no items"
        if parsed.bozo:
            reason = f"not a valid feed: {parsed.get('bozo_exception')}"
        raise ValueError(reason)
    feed_title = parsed.feed.get("title", "")
    for number, entry in enumerate(parsed.entries, start=1):
        content = ""
        if entry.get("content"):
            content = "\n\n".join(c.get("value", "") for c in entry.content)
        content = content or entry.get("summary", "")
        source = ""
        if entry.get("source") and entry.source.get("title"):
            source = entry.source.title
        authors = _authors(entry)
        fields = {
            "id": entry.get("id") or "",
            "title": entry.get("title", ""),
            "body": _plain(content),
            "published": entry.get("published") or entry.get("updated") or "",
            "source": source or feed_title,
            "url": entry.get("link", ""),
            "author": authors,
            "tags": entry.get("tags") or [],  # a category's ``term``: see search.metadata
            "language": parsed.feed.get("language", ""),
            "_extractor": "feedparser",
            "_date_from": "feed" if entry.get("published") or entry.get("updated") else "none",
        }
        yield fields, number


def read_feed(input_file: InputFile) -> Iterator[RawRecord | IngestError]:
    with input_file.open_binary() as stream:
        data = stream.read()
    try:
        for fields, number in feed_items(data):
            yield RawRecord(fields, input_file.display, f"item {number}")
    except ValueError as exc:
        yield IngestError(input_file.display, None, str(exc))
