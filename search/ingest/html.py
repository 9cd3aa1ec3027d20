"""Saved web pages: one article per file, extracted by ``search.ingest.extract`` (the article's
text without the page around it, its metadata from the page's own tags)."""

from __future__ import annotations

from collections.abc import Iterator

from search.errors import IngestError
from search.ingest.base import InputFile, Known, RawRecord, Unchanged, read_document
from search.ingest.extract import page_fields


def read_html(
    input_file: InputFile, known: Known | None = None
) -> Iterator[RawRecord | Unchanged | IngestError]:
    loaded = read_document(input_file, known, "HTML")
    if not isinstance(loaded, tuple):
        yield loaded
        return
    text, digest = loaded
    fields = page_fields(text)
    fields.pop("_not_article", None)  # a page saved on its own is read whatever it holds
    yield RawRecord(fields, input_file.display, None, digest)
