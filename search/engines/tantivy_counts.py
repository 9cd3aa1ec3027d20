"""Counting on the tantivy engine within tantivy's bucket limit.

tantivy refuses an aggregation request whose buckets together pass 65,000. An archive with tens of
thousands of tags or authors, or a hundred outlets over a few years counted day by day, passes it;
a refused request would make every search (or the coverage page) fail. The counts are asked in one
request when they fit, which is the common case and the fast one, and split when they do not.
"""

from __future__ import annotations

import tantivy

from search.engines.tantivy_schema import SECONDS_PER_DAY

MAX_AGG_BUCKETS = 65_000

LABELS_AGG = {"terms": {"field": "labels", "size": MAX_AGG_BUCKETS}}
DAYS_AGG = {"histogram": {"field": "date", "interval": SECONDS_PER_DAY, "min_doc_count": 1}}
SOURCES_AGG = {"terms": {"field": "source_name", "size": MAX_AGG_BUCKETS}}


def _too_many_buckets(error: ValueError) -> bool:
    return "bucket limit" in str(error)


def aggregate_with_labels(searcher, query, aggs: dict) -> dict:
    """``aggs`` and the ``labels`` counts over ``query``; the labels (their 65,000 most common
    values) in a request of their own when the two do not fit in one."""
    try:
        return searcher.aggregate(query, {**aggs, "labels": LABELS_AGG})
    except ValueError as error:
        if not _too_many_buckets(error):
            raise
    found = searcher.aggregate(query, aggs)
    found["labels"] = searcher.aggregate(query, {"labels": LABELS_AGG})["labels"]
    return found


def aggregate_per_source(searcher, schema, query) -> dict:
    """Sources with their day histograms nested, all labels and days: one request when it fits,
    else one request per source for its days (sources times days is what grows past the limit)."""
    nested = {**SOURCES_AGG, "aggs": {"days": DAYS_AGG}}
    try:
        return aggregate_with_labels(searcher, query, {"sources": nested, "days": DAYS_AGG})
    except ValueError as error:
        if not _too_many_buckets(error):
            raise
    found = aggregate_with_labels(searcher, query, {"sources": SOURCES_AGG, "days": DAYS_AGG})
    for bucket in found["sources"]["buckets"]:
        one_source = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, query),
                (
                    tantivy.Occur.Must,
                    tantivy.Query.term_query(schema, "source_name", bucket["key"]),
                ),
            ]
        )
        bucket["days"] = searcher.aggregate(one_source, {"days": DAYS_AGG})["days"]
    return found
