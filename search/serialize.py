"""Plain-dict forms of our results, shared by ``morgue search --json`` and the web API so the two
can never drift apart. Highlights travel as spans (``[[start, end], ...]`` over the snippet or the
title), never as markup: each client marks them its own way."""

from __future__ import annotations

from search.types import Article, Hit, SearchResults


def hit_to_dict(hit: Hit) -> dict:
    return {
        "id": hit.id,
        "title": hit.title,
        "source": hit.source,
        "date": hit.date,
        "url": hit.url,
        "author": hit.author,
        "score": hit.score,
        "snippet": hit.snippet.text,
        "snippet_spans": [list(span) for span in hit.snippet.spans],
        "title_spans": [list(span) for span in hit.title_spans],
    }


def results_to_dict(results: SearchResults) -> dict:
    return {
        "query": results.query,
        "total": results.total,
        "page": results.page,
        "hits": [hit_to_dict(h) for h in results.hits],
        "facets": {
            "source": [{"value": f.value, "count": f.count} for f in results.source_facets],
            "date": [{"bucket": b.bucket, "count": b.count} for b in results.date_facets],
        },
        "warnings": list(results.warnings),
    }


def article_to_dict(article: Article) -> dict:
    return {
        "id": article.id,
        "title": article.title,
        "source": article.source,
        "date": article.date_text,
        "published": article.published.isoformat() if article.published else None,
        "url": article.url,
        "author": article.author,
        "place": article.place,
        "content_hash": article.content_hash,
        "body": article.body,
    }
