"""The article on a web page: its text without the page around it, and its metadata.

The text comes from trafilatura, the standard extractor for news pages: on pages with menus,
cookie banners, related and most-read lists, newsletter boxes and comments around the article
(``benchmarks/extraction.py``) it kept every word of the article with 92% of its output the
article's (99% with the cleaning below), where our own rules (the ``<article>`` element's
paragraphs, else the page's) had 70%: every page without an ``<article>`` element came with its
comments and banners. The
metadata comes from our rules first, which read the tags the publisher wrote for machines (Open
Graph, ``article:published_time``, JSON-LD, ``<time>``, ``rel=canonical``) and got every title
and date right where trafilatura's heuristics missed some; trafilatura fills in what they did not
find. Our rules also stand in for the text when trafilatura finds none.

Every article says how it was made: ``_extractor`` names the extractor, ``_date_from`` where its
date came from (the page's metadata, its URL, its text, the capture's date, or nowhere).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from urllib.parse import urlsplit

from search.ingest.base import parse_html

DATE_META = (
    "article:published_time",
    "og:published_time",
    "date",
    "pubdate",
    "dc.date",
    "dc.date.issued",
    "publish-date",
    "sailthru.date",
    "parsely-pub-date",
)
# Fewer words than this, without a headline of the page's own metadata: a section front, a tag
# page, a login wall, not an article (only asked of pages inside web archives).
MIN_ARTICLE_WORDS = 25
# Without metadata that calls the page an article, a text mostly made of link texts is a
# section front's list of headlines.
MAX_LINKED_SHARE = 0.5
# A line of the text that is a pointer to another page, not the article's ("Read more: ...").
_POINTER = re.compile(
    r"^(read more|read also|related|see also|more on this|recommended|advertisement|"
    r"sign up|subscribe)\b[:\s-]*",
    re.IGNORECASE,
)
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|\b)")
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def extractor_name() -> str:
    try:
        import trafilatura
    except ImportError:
        return "morgue html rules"
    return f"trafilatura {trafilatura.__version__}"


def _meta(soup, *names: str) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if tag and tag.get("content"):
            return str(tag["content"]).strip()
    return ""


def _json_ld(soup) -> dict:
    """The first NewsArticle-like object of the page's JSON-LD (a list or an ``@graph`` is
    looked through); {} when there is none or it does not parse."""
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.string or "")
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                kind = item.get("@type")
                kinds = kind if isinstance(kind, list) else [kind]
                if any(isinstance(k, str) and k.endswith("Article") for k in kinds):
                    return item
                stack.extend(v for v in item.get("@graph", []) if isinstance(v, dict))
    return {}


def _names(value) -> str:
    """A JSON-LD author or publisher (a name, an object, or a list of them) as text."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return str(value.get("name") or "").strip()
    if isinstance(value, list):
        return ", ".join(n for n in (_names(v) for v in value) if n)
    return ""


def _rules_text(soup) -> str:
    """Our own rules: the paragraphs of ``<article>`` (else ``<main>``, else the page) without
    scripts, menus, headers, footers, asides and forms."""
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form"]):
        tag.decompose()
    container = soup.find("article") or soup.find("main") or soup.body or soup
    paragraphs = [p.get_text(" ", strip=True) for p in container.find_all("p")]
    return "\n\n".join(p for p in paragraphs if p) or container.get_text("\n", strip=True)


def _clean(text: str, headlines: set[str]) -> str:
    """Paragraphs apart, a headline of the page repeated as the first line dropped, and lines
    that point to other pages ("Read more: ...") left out."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and lines[0].casefold() in headlines:
        lines = lines[1:]
    kept = [line for line in lines if not (len(line) < 200 and _POINTER.match(line))]
    return "\n\n".join(kept)


def _trafilatura(markup: str, url: str | None):
    try:
        import trafilatura
    except ImportError:
        return None
    try:
        return trafilatura.bare_extraction(
            markup,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
            date_extraction_params={
                # not the text's dates: a footer's "© 2024" became the date of undated pages
                "extensive_search": False,
                "original_date": True,
                "min_date": "1900-01-01",
            },
        )
    except Exception:  # noqa: BLE001 - a page it cannot read is read by our rules
        return None


def domain_of(url: str | None) -> str:
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.")


def url_date(url: str | None) -> str:
    """A publication day written in the URL (``/2024/03/05/``), as YYYY-MM-DD, or ""."""
    found = _URL_DATE.search(url or "")
    return "-".join(found.groups()) if found else ""


def page_fields(markup: str, url: str | None = None, captured: str | None = None) -> dict:
    """The raw fields of the article on a page. ``url``: where the page was fetched from (a web
    archive's record), the default for its URL and outlet; ``captured``: when, the date of last
    resort. ``_not_article`` says why a page holds no article (a section front, a page without
    text), for readers of archives that hold every page of a site."""
    soup = parse_html(markup)
    found = _json_ld(soup)
    anchors = {a.get_text(" ", strip=True).casefold() for a in soup.find_all("a")}
    h1 = soup.find("h1")
    title = (
        _meta(soup, "og:title", "twitter:title")
        or _names(found.get("headline"))
        or (h1.get_text(" ", strip=True) if h1 else "")
    )
    if not title and soup.title:
        title = soup.title.get_text(" ", strip=True)
    canonical = soup.find("link", attrs={"rel": "canonical"})
    page_url = (
        (canonical.get("href") if canonical else "")
        or _meta(soup, "og:url")
        or _names(found.get("url"))
        or url
        or ""
    )
    published = _meta(soup, *DATE_META) or _names(found.get("datePublished"))
    if not published:
        time_tag = soup.find("time", attrs={"datetime": True})
        published = str(time_tag["datetime"]) if time_tag else ""
    date_from = "page metadata" if published else ""
    fields = {
        "title": title,
        "published": published,
        "source": _meta(soup, "og:site_name", "application-name") or _names(found.get("publisher")),
        "url": page_url,
        "author": _meta(soup, "author", "article:author", "byl") or _names(found.get("author")),
        "section": _meta(soup, "article:section", "section") or _names(found.get("articleSection")),
        # both kinds count, as they do in an export with tags and keywords
        "tags": [
            str(tag["content"])
            for tag in soup.find_all("meta", attrs={"property": "article:tag", "content": True})
        ],
        "keywords": _meta(soup, "keywords", "news_keywords"),
        "language": (soup.html.get("lang") if soup.html else "") or _meta(soup, "og:locale"),
    }
    headlines = {
        h.casefold()
        for h in (title, h1.get_text(" ", strip=True) if h1 else "", _names(found.get("headline")))
        if h
    }
    document = _trafilatura(markup, url or page_url or None)
    text = _clean(document.text or "", headlines) if document is not None else ""
    fields["_extractor"] = extractor_name() if text else "morgue html rules"
    if not text:
        text = _clean(_rules_text(soup), headlines)
    fields["body"] = text
    if document is not None:
        fields["title"] = fields["title"] or (document.title or "")
        fields["author"] = fields["author"] or (document.author or "")
        fields["source"] = fields["source"] or (document.sitename or "")
    fields["source"] = fields["source"] or domain_of(page_url or url)
    if not published and (day := url_date(page_url or url)):
        fields["published"], date_from = day, "URL"
    if not fields["published"] and document is not None and document.date:
        fields["published"], date_from = document.date, "page text"
    if not fields["published"] and captured:
        fields["published"], date_from = captured, "capture date (not the publication's)"
    fields["_date_from"] = date_from or "none"
    if not fields["published"]:
        fields["_missing_date"] = "no date in the page (no article:published_time, no <time>)"
    words = len(_WORD.findall(text))
    declared = bool(found) or _meta(soup, "og:type").lower().startswith("article")
    if words < MIN_ARTICLE_WORDS:
        fields["_not_article"] = f"no article on the page ({words} words of text)"
    elif not declared and _linked_share(text, anchors) >= MAX_LINKED_SHARE:
        fields["_not_article"] = "a page of links (a section front), no article"
    return fields


def _linked_share(text: str, anchors: set[str]) -> float:
    """The share of the text's words in lines that are a link's text: most of a section
    front's, few of an article's (its "Read more" lines are gone already)."""
    total = linked = 0
    for line in text.splitlines():
        count = len(_WORD.findall(line))
        total += count
        if line.strip().casefold() in anchors:
            linked += count
    return linked / total if total else 0.0
