"""Saved web pages: one article per file, its metadata from the page's own tags (Open Graph,
``article:published_time``, ``<time>``, ``rel=canonical``) and its text from ``<article>`` or the
page's paragraphs."""

from __future__ import annotations

from collections.abc import Iterator

from search.errors import IngestError
from search.ingest.base import InputFile, Known, RawRecord, Unchanged, parse_html, read_document

_DATE_META = (
    "article:published_time",
    "og:published_time",
    "date",
    "pubdate",
    "dc.date",
    "publish-date",
    "sailthru.date",
    "parsely-pub-date",
)


def _meta(soup, *names: str) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if tag and tag.get("content"):
            return str(tag["content"]).strip()
    return ""


def read_html(
    input_file: InputFile, known: Known | None = None
) -> Iterator[RawRecord | Unchanged | IngestError]:
    loaded = read_document(input_file, known, "HTML")
    if not isinstance(loaded, tuple):
        yield loaded
        return
    text, digest = loaded
    soup = parse_html(text)
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form"]):
        tag.decompose()
    container = soup.find("article") or soup.find("main") or soup.body or soup
    paragraphs = [p.get_text(" ", strip=True) for p in container.find_all("p")]
    body = "\n\n".join(p for p in paragraphs if p) or container.get_text("\n", strip=True)
    h1 = soup.find("h1")
    title = _meta(soup, "og:title") or (h1.get_text(" ", strip=True) if h1 else "")
    if not title and soup.title:
        title = soup.title.get_text(" ", strip=True)
    published = _meta(soup, *_DATE_META)
    if not published:
        time_tag = soup.find("time", attrs={"datetime": True})
        published = str(time_tag["datetime"]) if time_tag else ""
    canonical = soup.find("link", attrs={"rel": "canonical"})
    url = (canonical.get("href") if canonical else "") or _meta(soup, "og:url")
    fields = {
        "title": title,
        "body": body,
        "published": published,
        "source": _meta(soup, "og:site_name", "application-name"),
        "url": url,
        "author": _meta(soup, "author", "article:author", "byl"),
        "section": _meta(soup, "article:section", "section"),
        # both kinds count, as they do in an export with tags and keywords
        "tags": [
            str(tag["content"])
            for tag in soup.find_all("meta", attrs={"property": "article:tag", "content": True})
        ],
        "keywords": _meta(soup, "keywords", "news_keywords"),
        "language": (soup.html.get("lang") if soup.html else "") or _meta(soup, "og:locale"),
    }
    if not published:
        fields["_missing_date"] = "no date in the page (no article:published_time, no <time>)"
    yield RawRecord(fields, input_file.display, None, digest)
