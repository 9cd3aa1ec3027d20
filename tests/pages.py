"""News pages as sites publish them, around a known article: menus, cookie banners, share bars,
"related" and "most read" lists, newsletter boxes, comments and footers, in the layouts sites use
(semantic ``<article>``, nested ``<div>``s, JSON-LD metadata only, links written as paragraphs).
Every clutter word is one no article holds ("menuword", "relatedword", ...), so a test or a
benchmark can tell what an extractor kept that it should not have.

Used by the extraction tests and by ``benchmarks/extraction.py``.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

CLUTTER_WORDS = {
    "menu": "menuword",
    "cookie": "cookieword",
    "related": "relatedword",
    "popular": "popularword",
    "comment": "commentword",
    "newsletter": "newsletterword",
    "footer": "footerword",
    "share": "shareword",
    "ad": "advertword",
}


@dataclass(frozen=True)
class Story:
    title: str
    paragraphs: tuple[str, ...]
    author: str
    published: str  # ISO date
    site: str
    url: str


def _menu() -> str:
    items = "".join(
        f'<li><a href="/{s}">{s.title()} {CLUTTER_WORDS["menu"]}</a></li>'
        for s in ("world", "business", "politics", "sport", "culture", "opinion")
    )
    return f'<nav class="site-nav" aria-label="Sections"><ul>{items}</ul></nav>'


def _cookie() -> str:
    word = CLUTTER_WORDS["cookie"]
    return (
        '<div id="cookie-banner" class="consent"><p>We use cookies to improve your experience '
        f"and to show you personalised advertising {word}. By continuing to browse you agree "
        "to our use of cookies.</p><button>Accept all</button><button>Manage</button></div>"
    )


def _related(as_paragraphs: bool = False) -> str:
    word = CLUTTER_WORDS["related"]
    titles = [
        f"Markets rally as investors weigh central bank outlook {word}",
        f"Five things to know before the opening bell {word}",
        f"Opinion: why the harbour strike matters more than you think {word}",
    ]
    if as_paragraphs:
        return "".join(
            f'<p class="related-link"><a href="/r{n}">{t}</a></p>' for n, t in enumerate(titles)
        )
    items = "".join(f'<li><a href="/r{n}">{t}</a></li>' for n, t in enumerate(titles))
    return f'<section class="related"><h2>Related stories</h2><ul>{items}</ul></section>'


def _popular() -> str:
    word = CLUTTER_WORDS["popular"]
    items = "".join(
        f'<li><a href="/p{n}">Most read story number {n} about celebrities {word}</a></li>'
        for n in range(1, 6)
    )
    return f'<div class="most-popular"><h3>Most read</h3><ol>{items}</ol></div>'


def _comments() -> str:
    word = CLUTTER_WORDS["comment"]
    posts = "".join(
        f'<div class="comment"><p class="comment-author">reader{n}</p><p>I completely '
        f"disagree with this take, the writer has no idea what is going on {word}.</p></div>"
        for n in range(3)
    )
    return f'<section id="comments" class="comments"><h2>Comments (3)</h2>{posts}</section>'


def _newsletter() -> str:
    word = CLUTTER_WORDS["newsletter"]
    return (
        '<div class="newsletter-signup"><p>Sign up for our morning briefing and get the day\'s '
        f"top stories in your inbox {word}.</p><form><input type=email><button>Sign up</button>"
        "</form></div>"
    )


def _footer() -> str:
    word = CLUTTER_WORDS["footer"]
    return (
        f'<footer class="site-footer"><p>Copyright 2025 Example Media Group {word}. All rights '
        'reserved.</p><p><a href="/terms">Terms</a> <a href="/privacy">Privacy</a> '
        '<a href="/contact">Contact us</a></p></footer>'
    )


def _share() -> str:
    word = CLUTTER_WORDS["share"]
    return (
        f'<div class="share-bar"><a href="#">Share on Facebook {word}</a> '
        f'<a href="#">Share on X {word}</a> <a href="#">Email</a></div>'
    )


def _ad() -> str:
    return f'<div class="ad-slot"><p>Advertisement {CLUTTER_WORDS["ad"]}</p></div>'


def _paragraphs(story: Story, ad_after: int | None = None) -> str:
    out = []
    for n, text in enumerate(story.paragraphs):
        out.append(f"<p>{html.escape(text)}</p>")
        if ad_after is not None and n == ad_after:
            out.append(_ad())
    return "".join(out)


def _head(story: Story, og: bool = True, jsonld: bool = False) -> str:
    title = html.escape(story.title)
    parts = [f"<title>{title} | {html.escape(story.site)}</title>", '<meta charset="utf-8">']
    if og:
        parts += [
            f'<meta property="og:title" content="{title}">',
            f'<meta property="og:site_name" content="{html.escape(story.site)}">',
            f'<meta property="article:published_time" content="{story.published}T08:00:00Z">',
            f'<meta name="author" content="{html.escape(story.author)}">',
            f'<link rel="canonical" href="{story.url}">',
        ]
    if jsonld:
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": story.title,
            "datePublished": f"{story.published}T08:00:00Z",
            "author": {"@type": "Person", "name": story.author},
            "publisher": {"@type": "Organization", "name": story.site},
            "mainEntityOfPage": story.url,
        }
        parts.append(f'<script type="application/ld+json">{json.dumps(data)}</script>')
    return "<head>" + "".join(parts) + "</head>"


def semantic(story: Story) -> str:
    """HTML5 with ``<article>``, and related links and a share bar inside it."""
    return (
        f"<!DOCTYPE html><html lang=en>{_head(story)}<body><header>{_menu()}</header>"
        f"{_cookie()}<main><article><h1>{html.escape(story.title)}</h1>"
        f'<p class="byline">By {html.escape(story.author)}</p>{_share()}'
        f'<time datetime="{story.published}">{story.published}</time>'
        f"{_paragraphs(story, ad_after=1)}{_related()}</article>{_comments()}</main>"
        f"<aside>{_popular()}{_newsletter()}</aside>{_footer()}</body></html>"
    )


def div_soup(story: Story) -> str:
    """No semantic tags: everything in ``<div>``s named by class, the menu a list of links."""
    return (
        f"<!DOCTYPE html><html>{_head(story)}<body><div class=wrapper>"
        f'<div class="top-bar">{_menu()}</div>{_cookie()}<div class="content">'
        f'<div class="story-header"><h1 class="headline">{html.escape(story.title)}</h1>'
        f'<div class="author">By {html.escape(story.author)}</div></div>'
        f'<div class="story-body">{_paragraphs(story, ad_after=0)}</div>'
        f"{_newsletter()}{_related()}{_comments()}</div>"
        f'<div class="sidebar">{_popular()}</div>{_footer()}</div></body></html>'
    )


def links_as_paragraphs(story: Story) -> str:
    """Related links and teasers written as paragraphs inside the article, as many CMSs do."""
    word = CLUTTER_WORDS["related"]
    paragraphs = list(story.paragraphs)
    middle = len(paragraphs) // 2
    body = (
        "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs[:middle])
        + "<p><strong>Read more:</strong> "
        + f'<a href="/x">Port workers vote on new contract {word}</a></p>'
        + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs[middle:])
        + _related(as_paragraphs=True)
    )
    return (
        f"<!DOCTYPE html><html lang=en>{_head(story)}<body>{_menu()}{_cookie()}"
        f"<article><h1>{html.escape(story.title)}</h1>{body}</article>"
        f"{_popular()}{_footer()}</body></html>"
    )


def jsonld_only(story: Story) -> str:
    """Metadata only in JSON-LD (no Open Graph tags), the text in a ``<div>``."""
    return (
        f"<!DOCTYPE html><html lang=en>{_head(story, og=False, jsonld=True)}<body>"
        f"{_menu()}{_cookie()}<div id=main><h1>{html.escape(story.title)}</h1>"
        f'<span class="byline">{html.escape(story.author)}</span>'
        f'<div class="article-text">{_paragraphs(story, ad_after=2)}</div>'
        f"{_share()}{_comments()}</div>{_newsletter()}{_footer()}</body></html>"
    )


LAYOUTS = {
    "semantic": semantic,
    "div_soup": div_soup,
    "links_as_paragraphs": links_as_paragraphs,
    "jsonld_only": jsonld_only,
}


def index_page(site: str, stories: list[Story]) -> str:
    """A section front: teasers linking to articles, no article of its own."""
    teasers = "".join(
        f'<li><a href="{s.url}">{html.escape(s.title)}</a> '
        f"<span>{html.escape(s.paragraphs[0][:90])}</span></li>"
        for s in stories
    )
    return (
        f"<!DOCTYPE html><html><head><title>{html.escape(site)}: latest news</title>"
        f'<meta property="og:type" content="website"></head><body>{_menu()}'
        f"<main><h1>Latest news</h1><ul class=teasers>{teasers}</ul></main>{_footer()}"
        "</body></html>"
    )
