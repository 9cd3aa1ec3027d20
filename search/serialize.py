"""Plain-dict forms of our results, shared by ``morgue search --json`` and the web API so the two
can never drift apart. Highlights travel as spans (``[[start, end], ...]`` over the snippet or the
title), never as markup: each client marks them its own way."""

from __future__ import annotations

import typing

from search.types import FACET_FIELDS, Article, Hit, SearchResults

if typing.TYPE_CHECKING:  # only named here: `morgue search --json` need not import them
    from search.attention import Attention
    from search.concordance import Line
    from search.coverage import Story
    from search.significant import SignificantTerms
    from search.volume import Gap, Volume


def hit_to_dict(hit: Hit) -> dict:
    return {
        "id": hit.id,
        "title": hit.title,
        "source": hit.source,
        "date": hit.date,
        "url": hit.url,
        "author": hit.author,
        "place": hit.place,
        "fields": fields_to_dict(hit.metadata),
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
            **{
                name: [
                    {"value": f.value, "count": f.count} for f in results.field_facets.get(name, [])
                ]
                for name in FACET_FIELDS
            },
        },
        "warnings": list(results.warnings),
        "mode_used": results.mode_used,
        "all_words_total": results.all_words_total,
        "without_filters": results.without_filters or None,
        "suggestion": suggestion_to_dict(results.suggestion),
        "variants": results.variants or None,
        "spellings": [{"word": w, "total": n} for w, n in results.spellings] or None,
        "some_words": [hit_to_dict(h) for h in results.some_words_hits] or None,
        "some_words_total": results.some_words_total,
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
        "fields": fields_to_dict(article.metadata),
        "extra": dict(article.extra),
        "provenance": {name.replace(" ", "_"): value for name, value in article.provenance},
        "body": article.body,
    }


def fields_to_dict(metadata: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
    """An article's metadata as ``{"section": ["Politics"], "tags": ["oil", "Iran"]}``: lists
    for every field, since any may hold several values."""
    found: dict[str, list[str]] = {}
    for name, value in metadata:
        found.setdefault(name, []).append(value)
    return found


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


def attention_to_dict(found: Attention, gaps: list[Gap] | None = None) -> dict:
    """``share`` is ``count / all`` exactly (0 when ``all`` is 0); every series has the same
    buckets, empty ones included."""
    document = {
        "interval": found.interval,
        "unit": found.request.unit,
        "from": found.first.isoformat() if found.first else None,
        "to": found.last.isoformat() if found.last else None,
        "series": [
            {
                "query": series.query,
                "total": series.total,
                "undated": series.undated,
                "points": [
                    {
                        "bucket": p.bucket,
                        "start": p.start.isoformat(),
                        "end": p.end.isoformat(),
                        "count": p.count,
                        "all": p.all,
                        "share": p.share,
                        "partial": p.partial,
                    }
                    for p in series.points
                ],
            }
            for series in found.series
        ],
        "warnings": found.warnings,
    }
    if gaps is not None:
        document["gaps"] = [gap_to_dict(g) for g in gaps]
    return document


def gap_to_dict(gap: Gap) -> dict:
    return {
        "source": gap.source,
        "start": gap.start.isoformat(),
        "end": gap.end.isoformat(),
        "days": gap.days,
        "articles": gap.articles,
        "norm": gap.norm,
    }


def volume_to_dict(found: Volume) -> dict:
    return {
        "interval": found.interval,
        "warnings": found.warnings,
        "buckets": [
            {"bucket": label, "start": start.isoformat()} for label, start in found.buckets
        ],
        "sources": [
            {"source": row.source, "total": row.total, "counts": row.counts}
            for row in found.sources
        ],
        "undated": found.undated,
        "gaps": [gap_to_dict(g) for g in found.gaps],
    }


def line_to_dict(line: Line) -> dict:
    return {
        "left": line.left,
        "match": line.match,
        "right": line.right,
        "field": line.field,
        "offset": line.offset,
        "id": line.article_id,
        "source": line.source,
        "date": line.date,
        "title": line.title,
        "url": line.url,
    }


def terms_to_dict(found: SignificantTerms) -> dict:
    return {
        "warnings": found.warnings,
        "total": found.total,
        "read": found.read,
        "sampled": found.sampled,
        "terms": [
            {
                "text": t.text,
                "phrase": t.phrase,
                "query": t.query,
                "matches": t.matches,
                "archive": t.archive,
                "score": t.score,
            }
            for t in found.terms
        ],
    }


def suggestion_to_dict(suggestion: tuple[str, int, int | None] | None) -> dict | None:
    """``{"query", "total"}``, and ``"total_without_filters"`` when the filters leave nothing."""
    if suggestion is None:
        return None
    query, total, unfiltered = suggestion
    found = {"query": query, "total": total}
    if unfiltered is not None:
        found["total_without_filters"] = unfiltered
    return found
