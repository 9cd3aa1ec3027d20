"""Plain-dict forms of our results, shared by ``morgue search --json`` and the web API so the two
can never drift apart. Highlights travel as spans (``[[start, end], ...]`` over the snippet or the
title), never as markup: each client marks them its own way."""

from __future__ import annotations

from search.coverage import Story
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
        "copy_group": hit.copy_group,
        "copies": hit.copies,
        "story": hit.story,
        "story_size": hit.story_size,
        "collapsed": hit.collapsed,
        "collapsed_outlets": hit.collapsed_outlets,
    }


def results_to_dict(results: SearchResults) -> dict:
    return {
        "query": results.query,
        "total": results.total,
        "stories": results.stories,
        "copy_groups": results.copy_groups,
        "collapse": results.collapse,
        "page": results.page,
        "pages": results.pages,
        "hits": [hit_to_dict(h) for h in results.hits],
        "facets": {
            "source": [{"value": f.value, "count": f.count} for f in results.source_facets],
            "source_stories": [
                {"value": f.value, "count": f.count} for f in results.source_story_facets
            ],
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


BRIEF_FIELDS = ("id", "source", "date", "published", "title", "author", "url")


def brief(article: Article) -> dict:
    """An article as a group lists it: ``article_to_dict`` without its text."""
    document = article_to_dict(article)
    return {key: document[key] for key in BRIEF_FIELDS}


def story_to_dict(story: Story) -> dict:
    return {
        "id": story.id,
        "first": story.first.id,
        "tied_with_first": [a.id for a in story.tied_with_first],
        "articles": [brief(a) for a in story.articles],
        "outlets": [
            {"source": o.source, "first": o.first.id, "articles": o.articles} for o in story.outlets
        ],
        "copy_groups": [
            {
                "id": group.id,
                "first": group.first.id,
                "copies": [
                    {
                        "id": copy.article.id,
                        "source": copy.article.source,
                        "added_words": copy.added,
                        "removed_words": copy.removed,
                        "changes": [
                            {"op": c.op, "before": c.before, "after": c.after}
                            for c in copy.changes
                            if c.op != "equal"
                        ],
                    }
                    for copy in group.copies
                ],
            }
            for group in story.copy_groups
        ],
    }
