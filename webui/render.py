"""Turning our data into safe HTML: the only place article text meets markup.

Every piece of text is escaped; the only tags added are our own attribute-free ``<mark>`` around
highlight spans and ``<p>`` between paragraphs. Templates call these as Jinja filters.
"""

from __future__ import annotations

from markupsafe import Markup, escape


def marked(text: str, spans) -> Markup:
    """``text`` escaped, with each (start, end) span wrapped in <mark>."""
    out: list[str] = []
    last = 0
    for start, end in sorted(spans):
        if start < last or end <= start:
            continue
        out.append(str(escape(text[last:start])))
        out.append("<mark>" + str(escape(text[start:end])) + "</mark>")
        last = end
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def paragraphs(text: str, spans=()) -> list[Markup]:
    """The article body as escaped paragraphs, highlight spans clipped to each paragraph."""
    result: list[Markup] = []
    offset = 0
    for block in text.split("\n\n"):
        start, end = offset, offset + len(block)
        local = [
            (max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start
        ]
        if block.strip():
            result.append(marked(block, local))
        offset = end + 2
    return result


def snippet_html(snippet) -> Markup:
    return marked(snippet.text, snippet.spans)


def safe_link(url: str | None) -> str | None:
    """Only http(s) URLs become links; anything else (javascript:, data:) is shown as text."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None
