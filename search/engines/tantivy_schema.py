"""The tantivy schema and what it stores: fields, and conversions between documents and ``Article``.

* Text is indexed as our own analyzer's terms (``IndexDocument``) through tantivy's whitespace
  tokenizer, in ``*_terms`` fields: the terms, not tantivy's analysis, decide what matches,
  exactly as in the Whoosh index.
* The article itself is stored once, as compact JSON in one bytes field: one stored value to
  write and read instead of ten.
* ``keys`` is one raw fast field holding id, content hash and raw digest together: the id/hash
  pairs a reindex or a saved-query run needs come from one column read, never from stored
  documents (tantivy returns a text column only as a sort key, and each such read costs a sort,
  so one column instead of three).
* Metadata (``section``...) is indexed as case-folded exact values, one ``*_key`` field each;
  ``labels`` holds every faceted value as written, for the facets' terms aggregation.
* ``date`` is epoch seconds (indexed for ranges, fast for the histogram); ``newest`` and
  ``oldest`` are sort keys where an undated article has the largest value, so it sorts last both
  ways.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import tantivy

from search.engines.base import (
    LABEL_SEPARATOR,
    article_from_stored,
    joined_keys,
    labels,
    stored_record,
)
from search.keys import body_field_terms, id_hash, value_key
from search.types import METADATA_FIELDS, Article, IndexDocument

SECONDS_PER_DAY = 86_400
EPOCH = date(1970, 1, 1)
TANTIVY_META = "meta.json"  # tantivy's own commit point, replaced atomically by each commit
UNDATED_KEY = 2**63 - 1
TERMS_TOKENIZER = "whitespace"


_FIELDS = {
    None: ("title_terms", "body_terms"),
    "title": ("title_terms",),
    "body": ("body_terms",),
    "author": ("author_terms",),
    "place": ("place_terms",),
    "source": ("source_key",),
    **{name: (f"{name}_key",) for name in METADATA_FIELDS},
}


def text_fields(field: str | None) -> tuple[str, ...]:
    """The tantivy fields a query-language field searches."""
    return _FIELDS[field]


def build_schema():
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("keys", fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("source_name", fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("source_key", tokenizer_name="raw", index_option="basic")
    for name in ("title_terms", "body_terms", "author_terms", "place_terms"):
        builder.add_text_field(name, tokenizer_name=TERMS_TOKENIZER, index_option="position")
    for name in METADATA_FIELDS:  # exact values, case-folded as the query is
        builder.add_text_field(f"{name}_key", tokenizer_name="raw", index_option="basic")
    # Every faceted value, "field\x1fvalue" as written: one terms aggregation counts them all.
    builder.add_text_field("labels", fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("idhash", fast=True)  # the id's ``id_hash``: groups join on it
    builder.add_integer_field("date", indexed=True, fast=True)
    builder.add_integer_field("newest", fast=True)
    builder.add_integer_field("oldest", fast=True)
    builder.add_bytes_field("stored", stored=True)
    return builder.build()


def document(doc: IndexDocument, indexed_at: str):
    article = doc.article
    fields = {
        "id": article.id,
        "keys": joined_keys(doc),
        "source_name": article.source,
        "source_key": article.source.lower(),
        "title_terms": doc.title_terms,
        "body_terms": body_field_terms(doc.title_terms, doc.body_terms),
    }
    if article.author:
        fields["author_terms"] = doc.author_terms
    if article.place:
        fields["place_terms"] = doc.place_terms
    for name in METADATA_FIELDS:
        if values := article.values(name):
            fields[f"{name}_key"] = [value_key(v) for v in values]
    if faceted := labels(article):
        fields["labels"] = faceted
    built = tantivy.Document(**fields)
    built.add_integer("idhash", id_hash(article.id))
    if article.published:
        seconds = int(article.published.timestamp())
        built.add_integer("date", seconds)
        built.add_integer("newest", -seconds)
        built.add_integer("oldest", seconds)
    else:
        built.add_integer("newest", UNDATED_KEY)
        built.add_integer("oldest", UNDATED_KEY)
    stored = stored_record(article, indexed_at)
    built.add_bytes("stored", json.dumps(stored, ensure_ascii=False).encode("utf-8"))
    return built


def stored_fields(doc) -> dict:
    return json.loads(doc.get_first("stored"))


def stored_article(doc) -> Article:
    return article_from_stored(stored_fields(doc))


def field_counts(aggregation: dict) -> dict[str, dict[str, int]]:
    """The ``labels`` terms aggregation as counts per field and value."""
    counts: dict[str, dict[str, int]] = {}
    for bucket in aggregation["buckets"]:
        name, value = bucket["key"].split(LABEL_SEPARATOR, 1)
        counts.setdefault(name, {})[value] = bucket["doc_count"]
    return counts


def day_counts(histogram: dict) -> dict[date, int]:
    return {epoch_day(b["key"]): b["doc_count"] for b in histogram["buckets"] if b["doc_count"]}


def epoch_day(seconds: float) -> date:
    return EPOCH + timedelta(days=int(seconds) // SECONDS_PER_DAY)
