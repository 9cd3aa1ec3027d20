"""Articles written in every input format Morgue reads, for tests of whole reindex sequences.

An ``Item`` is logical story ``k`` in version ``v``; its body carries the words ``tokK`` and
``markerverV`` so a search can find each version. Ids: JSON Lines, CSV, TSV, RSS (``<guid>``) and
Atom (``<id>``) carry ``art-K``; a web page's id is its canonical URL; a plain-text file has none,
so each text version is an article of its own.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

FORMATS = ("text", "jsonl", "csv", "tsv", "rss", "atom", "html")
WITH_IDS = ("jsonl", "csv", "tsv", "rss", "atom")  # formats that carry the id art-K
SUFFIX = {
    "text": ".txt",
    "jsonl": ".jsonl",
    "csv": ".csv",
    "tsv": ".tsv",
    "rss": ".rss",
    "atom": ".atom",
    "html": ".html",
}


@dataclass(frozen=True)
class Item:
    """One article as the test writes it: logical story ``k`` in version ``v``."""

    k: int
    v: int

    @property
    def title(self) -> str:
        return f"Story {self.k} edition {self.v}"

    @property
    def body(self) -> str:
        return f"Report tok{self.k} with marker ver{self.v} about the harbour and a tanker."

    @property
    def dated(self) -> bool:
        return self.k % 4 != 3  # every fourth story is undated, in every format

    @property
    def day(self) -> date:
        return date(2025, 1, 1) + timedelta(days=self.k % 20 + self.v)

    @property
    def moment(self) -> datetime:
        return datetime.combine(self.day, datetime.min.time(), tzinfo=timezone.utc)


def model_key(fmt: str, item: Item) -> str:
    if fmt in WITH_IDS:
        return f"art-{item.k}"
    if fmt == "html":
        return f"https://example.com/news/art-{item.k}"
    return f"text:{item.k}:{item.v}"  # no id: the text itself is the identity


# ------------------------------------------------------------------------------------- writers


def jsonl_text(items: list[Item]) -> str:
    return "".join(
        json.dumps(
            {
                "id": f"art-{i.k}",
                "title": i.title,
                "body": i.body,
                **({"date": i.day.isoformat()} if i.dated else {}),
                "source": "Wire",
            }
        )
        + "\n"
        for i in items
    )


def table_text(items: list[Item], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["id", "title", "body", "date", "source"])
    for i in items:
        writer.writerow(
            [f"art-{i.k}", i.title, i.body, i.day.isoformat() if i.dated else "", "Wire"]
        )
    return out.getvalue()


def _rss(items: list[Item]) -> str:
    entries = "".join(
        f"<item><guid isPermaLink='false'>art-{i.k}</guid><title>{escape(i.title)}</title>"
        f"<description>{escape(i.body)}</description>"
        + (f"<pubDate>{format_datetime(i.moment)}</pubDate>" if i.dated else "")
        + "</item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Wire Feed</title><link>https://example.com/</link>"
        f"<description>news</description>{entries}</channel></rss>"
    )


def _atom(items: list[Item]) -> str:
    entries = "".join(
        f"<entry><id>art-{i.k}</id><title>{escape(i.title)}</title>"
        + (f"<updated>{i.moment.isoformat()}</updated>" if i.dated else "")
        + f'<content type="text">{escape(i.body)}</content></entry>'
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Wire Atom</title><id>urn:feed:wire</id>"
        f"<updated>2025-02-01T00:00:00Z</updated>{entries}</feed>"
    )


def _html(item: Item) -> str:
    return (
        f"<!doctype html><html><head><title>{escape(item.title)}</title>"
        f'<link rel="canonical" href="https://example.com/news/art-{item.k}">'
        + (
            f'<meta property="article:published_time" content="{item.moment.isoformat()}">'
            if item.dated
            else ""
        )
        + '<meta property="og:site_name" content="Example Times"></head>'
        f"<body><article><h1>{escape(item.title)}</h1><p>{escape(item.body)}</p>"
        "</article></body></html>"
    )


def _text(item: Item) -> str:
    header = f"date {item.day.isoformat()}\n" if item.dated else ""
    return f"{header}{item.title}. {item.body}\n"


def write_input(folder: Path, name: str, fmt: str, items: list[Item], gz: bool) -> list[Path]:
    """Files holding ``items`` in ``fmt``: one file for record formats, one a page/text file."""
    folder.mkdir(parents=True, exist_ok=True)
    if fmt in ("html", "text"):
        contents = [
            (f"{name}-{n:02d}{SUFFIX[fmt]}", _html(i) if fmt == "html" else _text(i))
            for n, i in enumerate(items)
        ]
    else:
        maker = {
            "jsonl": jsonl_text,
            "csv": lambda x: table_text(x, ","),
            "tsv": lambda x: table_text(x, "\t"),
            "rss": _rss,
            "atom": _atom,
        }[fmt]
        contents = [(f"{name}{SUFFIX[fmt]}", maker(items))]
    paths = []
    for filename, text in contents:
        path = folder / (filename + (".gz" if gz else ""))
        data = text.encode("utf-8")
        path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
        paths.append(path)
    return paths
