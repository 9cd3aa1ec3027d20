"""Jinja filters and globals: safe highlighting, paragraphs, numbers and URLs that keep the
search's state."""

from __future__ import annotations

import re

from flask import Flask, url_for

from search.facets import field_query
from search.query.parser import ALIASES
from webui.params import query_args
from webui.render import marked, paragraphs, safe_link, snippet_html


def search_url(request, **changes) -> str:
    """A /search URL for ``request`` with ``changes`` applied (page goes back to 1 unless given)."""
    changes.setdefault("page", 1)
    return url_for("pages.search", **query_args(request, **changes))


def state_args(request, **changes) -> dict:
    """The URL parameters of a search's state, for hidden form fields and download links: every
    field (the mode too), so a form built from it cannot drop one."""
    return query_args(request, **changes)


def without_source(request, source: str) -> str:
    return search_url(request, sources=tuple(s for s in request.sources if s != source))


def toggle_source(request, source: str) -> str:
    chosen = {s.casefold() for s in request.sources}
    if source.casefold() in chosen:
        return search_url(
            request, sources=tuple(s for s in request.sources if s.casefold() != source.casefold())
        )
    return search_url(request, sources=(*request.sources, source))


def _clause_pattern(name: str, value: str) -> re.Pattern:
    """A facet value's clause as a whole token of the query, under any name the parser reads as
    that field (``tag:oil`` is ``tags:oil``) and quoted or not: ``tags:oilseed`` is not it."""
    names = [name, *(alias for alias, field in ALIASES.items() if field == name)]
    words = [re.escape(part) for part in value.replace('"', " ").split()]
    plain = r"\s+".join(words)
    spelled = rf'(?:{plain}|"\s*{plain}\s*")' if len(words) == 1 else rf'"\s*{plain}\s*"'
    return re.compile(rf"(?<!\S)(?:{'|'.join(names)}):{spelled}(?!\S)", re.IGNORECASE)


def field_link(request, name: str, value: str) -> tuple[str, bool]:
    """The URL that adds a facet value's clause to the query (``section:Politics``), or takes
    it out when the query already holds it, and whether it does."""
    clause = field_query(name, value)
    words = request.query.split()
    pattern = _clause_pattern(name, value)
    if pattern.search(request.query):
        kept = pattern.sub(" ", request.query)
        return search_url(request, query=" ".join(kept.split())), True
    return search_url(request, query=" ".join([*words, clause]) if words else clause), False


def elide(text: str, keep: int = 8) -> str:
    """Unchanged text between two changes, shortened to its first and last ``keep`` words."""
    words = text.split()
    if len(words) <= 2 * keep + 3:
        return text
    return " ".join(words[:keep]) + " \u2026 " + " ".join(words[-keep:])


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        marked=marked,
        paragraphs=paragraphs,
        snippet=snippet_html,
        safe_link=safe_link,
        elide=elide,
        thousands=lambda n: f"{n:,}",
    )
    app.jinja_env.globals.update(
        search_url=search_url,
        without_source=without_source,
        toggle_source=toggle_source,
        field_link=field_link,
        field_query=field_query,
        state_args=state_args,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
