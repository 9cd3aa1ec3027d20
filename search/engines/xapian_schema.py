"""The Xapian document layout: prefixed terms with positions, value slots, and the stored article.

* Text is indexed as our own analyzer's terms (``IndexDocument``), one posting per term at its
  position, under a field prefix (``B:`` body, ``T:`` title...): the terms, not Xapian's
  analysis, decide what matches, exactly as on the other engines.
* Exact values (source, section...) and the id are boolean terms (no weight, no length).
* Counting is done by ``ValueCountMatchSpy`` on value slots, which Xapian runs on every shard and
  merges: the source, the day, source and day together, and every faceted label of the article
  joined in one value (a spy counts one value per document, so the joined combinations are
  counted and split back into labels: exact, and still done by the shards).
* Sorting by date uses fixed-width keys that end with the id, so ties break by id on one
  database or on many (document numbers differ between layouts, ids do not).
* ``KEYS`` (id, content hash, raw digest) is also the collapse key of whole-result reads: Xapian
  hands a collapse key back with each hit, so ids come without fetching documents.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

import xapian

from search.engines.base import (
    LABEL_SEPARATOR,
    article_from_stored,
    joined_keys,
    labels,
    stored_record,
)
from search.keys import HEADLINE_GAP, body_field_terms, value_key
from search.types import METADATA_FIELDS, Article, IndexDocument

# value slots
SOURCE, DAY, SOURCE_DAY, LABELS, KEYS, ID, NEWEST, OLDEST, DATE = range(9)

SOURCE_DAY_SEPARATOR = "\x1f"  # between the source and the day in ``SOURCE_DAY``
LABELS_SEPARATOR = "\x1e"  # between the labels joined in ``LABELS``
MAX_TERM_BYTES = 240  # Xapian refuses terms over 245 bytes; longer ones are indexed by digest
EPOCH = date(1970, 1, 1)
SECONDS_PER_DAY = 86_400
_DATE_OFFSET = 2**62  # seconds shifted to unsigned, so big-endian bytes sort as numbers
_UNDATED = b"\xff" * 8  # sorts after every date, newest-first and oldest-first alike

ID_PREFIX = "Q"  # Xapian's convention for the unique id term
_TEXT = {"title": "T:", "body": "B:", "author": "A:", "place": "P:"}
_EXACT = {"source": "S:", **{name: f"X{name.upper()}:" for name in METADATA_FIELDS}}
_FIELDS = {
    None: ("T:", "B:"),
    **{name: (prefix,) for name, prefix in _TEXT.items()},
    **{name: (prefix,) for name, prefix in _EXACT.items()},
}
TITLE_PREFIX = _TEXT["title"]


def prefixes(field: str | None) -> tuple[str, ...]:
    """The term prefixes a query-language field searches."""
    return _FIELDS[field]


def term(prefix: str, text: str) -> str:
    """The indexed term: a word too long for Xapian is indexed (and asked) by its digest."""
    whole = prefix + text
    # at most 4 bytes a character: only a long term is encoded to measure it (2M terms a build)
    if len(whole) * 4 <= MAX_TERM_BYTES or len(whole.encode("utf-8")) <= MAX_TERM_BYTES:
        return whole
    return f"{prefix}#{hashlib.sha1(text.encode('utf-8')).hexdigest()}"


def id_term(article_id: str) -> str:
    return term(ID_PREFIX, article_id)


def _sort_keys(seconds: int | None, article_id: str) -> tuple[bytes, bytes]:
    """(newest-first key, oldest-first key), each ending with the id."""
    tail = b"\x00" + article_id.encode("utf-8")
    if seconds is None:
        return _UNDATED + tail, _UNDATED + tail
    oldest = (seconds + _DATE_OFFSET).to_bytes(8, "big")
    newest = (2**63 - 1 - seconds - _DATE_OFFSET).to_bytes(8, "big")
    return newest + tail, oldest + tail


def day_of(seconds: int) -> date:
    return EPOCH + timedelta(days=seconds // SECONDS_PER_DAY)


def _add_text(doc, prefix: str, terms: str) -> None:
    """One posting per term at its position; the headline gap keeps its position unindexed."""
    for position, word in enumerate(terms.split(), start=1):
        if word != HEADLINE_GAP:
            doc.add_posting(term(prefix, word), position)


def document(doc: IndexDocument, indexed_at: str):
    article = doc.article
    built = xapian.Document()
    built.add_boolean_term(id_term(article.id))
    built.add_boolean_term(term("S:", article.source.lower()))
    _add_text(built, "T:", doc.title_terms)
    _add_text(built, "B:", body_field_terms(doc.title_terms, doc.body_terms))
    if article.author:
        _add_text(built, "A:", doc.author_terms)
    if article.place:
        _add_text(built, "P:", doc.place_terms)
    for name in METADATA_FIELDS:
        for value in article.values(name):
            built.add_boolean_term(term(_EXACT[name], value_key(value)))
    if faceted := labels(article):
        built.add_value(LABELS, LABELS_SEPARATOR.join(sorted(set(faceted))))
    built.add_value(SOURCE, article.source)
    built.add_value(KEYS, joined_keys(doc))
    built.add_value(ID, article.id)
    seconds = int(article.published.timestamp()) if article.published else None
    newest, oldest = _sort_keys(seconds, article.id)
    built.add_value(NEWEST, newest)
    built.add_value(OLDEST, oldest)
    if seconds is not None:
        day = day_of(seconds).isoformat()
        built.add_value(DATE, xapian.sortable_serialise(seconds))
        built.add_value(DAY, day)
        built.add_value(SOURCE_DAY, f"{article.source}{SOURCE_DAY_SEPARATOR}{day}")
    stored = stored_record(article, indexed_at)
    built.set_data(json.dumps(stored, ensure_ascii=False).encode("utf-8"))
    return built


def stored_fields(doc) -> dict:
    return json.loads(doc.get_data())


def stored_article(doc) -> Article:
    return article_from_stored(stored_fields(doc))


def spy_counts(spy) -> dict[str, int]:
    return {item.term.decode("utf-8"): item.termfreq for item in spy.values()}


def label_counts(spy) -> dict[str, dict[str, int]]:
    """The ``LABELS`` spy's joined combinations, split back into counts per field and value."""
    counts: dict[str, dict[str, int]] = {}
    for joined, count in spy_counts(spy).items():
        for label in joined.split(LABELS_SEPARATOR):
            name, value = label.split(LABEL_SEPARATOR, 1)
            per_field = counts.setdefault(name, {})
            per_field[value] = per_field.get(value, 0) + count
    return counts


def day_counts(spy) -> dict[date, int]:
    return {date.fromisoformat(day): count for day, count in spy_counts(spy).items()}


def source_day_counts(spy) -> dict[str, dict[date, int]]:
    counts: dict[str, dict[date, int]] = {}
    for joined, count in spy_counts(spy).items():
        source, day = joined.rsplit(SOURCE_DAY_SEPARATOR, 1)
        counts.setdefault(source, {})[date.fromisoformat(day)] = count
    return counts


def date_bound(day: date, end: bool = False) -> str:
    """A day's first (or last) second as the ``DATE`` slot holds it."""
    seconds = (day - EPOCH).days * SECONDS_PER_DAY + (SECONDS_PER_DAY - 1 if end else 0)
    return xapian.sortable_serialise(seconds)
