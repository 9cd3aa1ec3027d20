"""The Whoosh schema and what it stores: the fields, conversions between documents and our
``Article``, and the per-commit snapshot of the columns every search counts over.

Text is indexed as the terms our analyzer made (``IndexDocument``), split on spaces by Whoosh's
stock ``SpaceSeparatedTokenizer``: the terms, not a Whoosh analyzer, decide what matches, exactly
as in the tantivy index, and no class of ours is pickled into the index. The text people read is
stored beside them. Dates are epoch seconds in a NUMERIC field (indexed with ``shift_step=16``:
four tiers a date, not sixteen), plus a negated copy in a bare column for "newest first", so a
missing value sorts last in both orders and undated articles stay findable without a fake date.
``source`` is an ID field lower-cased for matching whose column keeps the display spelling.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

from whoosh.analysis import IDTokenizer, LowercaseFilter, RegexTokenizer, SpaceSeparatedTokenizer
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, NUMERIC, STORED, TEXT, Schema

from search.engines.base import LABEL_SEPARATOR, article_from_stored, labels, stored_extras
from search.keys import HEADLINE_GAP, body_field_terms, id_hash, value_key
from search.types import METADATA_FIELDS, EngineResults, IndexDocument

UNDATED = 2**63 - 1  # what a NUMERIC column holds for a document without the field
UNDATED_DAY = -(2**31)
SECONDS_PER_DAY = 86_400
EPOCH = date(1970, 1, 1)

# Query-language field (None: title and body) -> the Whoosh fields holding its terms.
TERM_FIELDS: dict[str | None, tuple[str, ...]] = {
    None: ("title_terms", "body_terms"),
    "title": ("title_terms",),
    "body": ("body_terms",),
    "author": ("author_terms",),
    "place": ("place_terms",),
    "source": ("source",),
    **{name: (name,) for name in METADATA_FIELDS},
}
VALUE_SEPARATOR = "\x1e"  # between the values of a multi-valued field (tags), and of ``labels``


def build_schema() -> Schema:
    def terms() -> TEXT:
        return TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True)

    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        url=STORED(),
        title=STORED(),
        body=STORED(),
        author=STORED(),
        place=STORED(),
        title_terms=terms(),
        body_terms=terms(),
        author_terms=terms(),
        place_terms=terms(),
        # shift_step=16 indexes 4 tiers per date instead of 16: range queries stay fast, and
        # indexing got measurably cheaper (NUMERIC tiers were ~10% of add_document).
        date=NUMERIC(int, bits=64, signed=True, sortable=True, shift_step=16),
        date_desc=COLUMN(NumericColumn("q", default=UNDATED)),
        published=STORED(),
        source=ID(stored=True, sortable=True, analyzer=IDTokenizer() | LowercaseFilter()),
        content_hash=ID(stored=True, sortable=True),
        raw_digest=COLUMN(VarBytesColumn()),  # of the raw record: lets a no-op reindex skip parsing
        indexed_at=STORED(),
        metadata=STORED(),
        extra=STORED(),
        provenance=STORED(),
        # Every faceted value, "field\x1fvalue" as written, for counting (see ``_Columns``).
        labels=COLUMN(VarBytesColumn()),
        # Metadata as exact values, case-folded before they reach Whoosh (as the query is).
        **{
            name: TEXT(analyzer=RegexTokenizer(f"[^{VALUE_SEPARATOR}]+"), phrase=False)
            for name in METADATA_FIELDS
        },
    )


def epoch_seconds(day: date, end: bool = False) -> int:
    moment = datetime.combine(day, time.max if end else time.min, tzinfo=timezone.utc)
    return int(moment.timestamp())


def document_fields(document: IndexDocument, indexed_at: str) -> dict:
    article = document.article
    fields = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "title_terms": document.title_terms,
        "body_terms": body_field_terms(document.title_terms, document.body_terms),
        "source": article.source,
        "content_hash": article.content_hash,
        "indexed_at": indexed_at,
    }
    if document.raw_digest:
        fields["raw_digest"] = document.raw_digest.encode("ascii")
    if article.url:
        fields["url"] = article.url
    if article.author:
        fields["author"] = article.author
        fields["author_terms"] = document.author_terms
    if article.place:
        fields["place"] = article.place
        fields["place_terms"] = document.place_terms
    for name in METADATA_FIELDS:
        if values := article.values(name):
            fields[name] = VALUE_SEPARATOR.join(value_key(v) for v in values)
    if faceted := labels(article):
        fields["labels"] = VALUE_SEPARATOR.join(faceted).encode("utf-8")
    fields.update(stored_extras(article))
    if article.published:
        seconds = int(article.published.timestamp())
        fields["date"] = seconds
        fields["date_desc"] = -seconds
        fields["published"] = article.published.isoformat()
    return fields


stored_article = article_from_stored  # Whoosh hands back the stored fields as a dict


class ColumnDamageError(Exception):
    """A per-document column that does not hold one readable value for every document."""


def read_column(reader, name: str) -> list:
    """Every document's value of column ``name``, segment by segment, in document order.

    Not Whoosh's ``MultiReader.column_reader``: it leaves out the segments that have no file for
    the column (a segment whose articles all lack the value: feed items have no raw digest, a
    batch of undated articles no date), so the values of later segments slid onto earlier
    documents and the list came out shorter than the index. A segment's own reader stands in the
    column's default for a missing file, which is what every document of it holds.
    """
    values: list = []
    for segment, offset in reader.leaf_readers():
        if offset != len(values):
            raise ColumnDamageError(
                f"column {name} has {len(values):,} values before document {offset:,}"
            )
        values.extend(segment.column_reader(name))
        expected = offset + segment.doc_count_all()
        if len(values) != expected:
            raise ColumnDamageError(
                f"column {name} holds {len(values) - offset:,} values for the "
                f"{segment.doc_count_all():,} documents of segment {segment.segment().segment_id()}"
            )
    return values


class _Columns:
    """The per-document values every search counts over, read once per commit into lists.

    Reading Whoosh columns document by document cost ~10 µs a value (and re-reading their offsets
    for every query was 10% of query time); iterating a whole column costs under 1 µs a value, so a
    snapshot is built once per index generation and shared by every thread's searcher.
    """

    def __init__(self, reader) -> None:
        self.ids: list[str] = read_column(reader, "id")
        self.digests: list[bytes] = read_column(reader, "raw_digest")
        self.hashes: list[str] = read_column(reader, "content_hash")
        names: dict[str, int] = {}
        self.source_codes = [names.setdefault(v, len(names)) for v in read_column(reader, "source")]
        self.source_names = list(names)
        self.days = [
            UNDATED_DAY if v == UNDATED else v // SECONDS_PER_DAY
            for v in read_column(reader, "date")
        ]
        self.live = set(reader.all_doc_ids())
        dated = sorted(
            (day, n) for n, day in enumerate(self.days) if day != UNDATED_DAY and n in self.live
        )
        self.days_sorted = [day for day, _ in dated]
        self.docs_by_day = [n for _, n in dated]
        self._read_labels(reader)
        self._by_source: dict[str, set[int]] | None = None
        self._id_hashes: list[int] | None = None

    def hashes_by_id(self) -> dict[str, str]:
        """Id -> content hash of every live document: what a reindex compares against."""
        return {self.ids[n]: self.hashes[n] for n in self.live}

    def ids_by_digest(self) -> dict[str, str]:
        """Raw-record digest -> id of every live document that has one."""
        digests, ids = self.digests, self.ids
        return {digests[n].decode("ascii", "replace"): ids[n] for n in self.live if digests[n]}

    @property
    def id_hashes(self) -> list[int]:
        """Every document's ``id_hash``, made on first use (10 ms for 21,578 articles)."""
        if self._id_hashes is None:
            self._id_hashes = [id_hash(i) for i in self.ids]
        return self._id_hashes

    def source_docs(self, name: str) -> set[int]:
        """The live documents of a source (any case): a source filter reads this instead of
        decoding the source's whole posting list on every search (most of a filtered search's
        time when one outlet is most of the archive)."""
        if self._by_source is None:
            by_source: dict[str, set[int]] = {}
            names = [n.lower() for n in self.source_names]  # as the source field indexes them
            for n, code in enumerate(self.source_codes):
                if n in self.live:
                    by_source.setdefault(names[code], set()).add(n)
            self._by_source = by_source
        return self._by_source.get(name.casefold(), set())

    def _read_labels(self, reader) -> None:
        """Each document's faceted values as codes into ``label_names``; documents with the
        same values share one tuple, so the snapshot stays small."""
        codes: dict[str, int] = {}
        shared: dict[bytes, tuple[int, ...]] = {}
        self.label_codes: list[tuple[int, ...]] = []
        for raw in read_column(reader, "labels"):
            found = shared.get(raw)
            if found is None:
                values = raw.decode("utf-8").split(VALUE_SEPARATOR) if raw else []
                found = shared[raw] = tuple(codes.setdefault(v, len(codes)) for v in values)
            self.label_codes.append(found)
        self.label_names = [tuple(v.split(LABEL_SEPARATOR, 1)) for v in codes]

    def counted(self, docnums, hits: list, per_source: bool = False) -> EngineResults:
        """The total and the counts per source and per day (and per source per day) of
        ``docnums``, undated documents in no day."""
        source_counts = Counter(self.source_codes[d] for d in docnums)
        day_counts = Counter(self.days[d] for d in docnums)
        day_counts.pop(UNDATED_DAY, None)
        sources = {self.source_names[code]: n for code, n in source_counts.items()}
        days = {EPOCH + timedelta(days=day): n for day, n in day_counts.items()}
        found = EngineResults(len(docnums), hits, sources, days)
        if self.label_names:
            codes = self.label_codes
            for code, n in Counter(c for d in docnums for c in codes[d]).items():
                name, value = self.label_names[code]
                found.field_counts.setdefault(name, {})[value] = n
        if per_source:
            pairs = Counter((self.source_codes[d], self.days[d]) for d in docnums)
            for (code, day), n in pairs.items():
                if day != UNDATED_DAY:
                    by_day = found.source_day_counts.setdefault(self.source_names[code], {})
                    by_day[EPOCH + timedelta(days=day)] = n
        return found


def lexicon(reader, field: str, prefix: str):
    """The terms of a Whoosh field starting with ``prefix``, as text."""
    candidates = reader.expand_prefix(field, prefix) if prefix else reader.lexicon(field)
    for raw in candidates:
        term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if term != HEADLINE_GAP:
            yield term
