"""The plain-text article format of ``seeds/``: `` date YYYY-MM-DD`` and then the article text.

The header may be followed by text on the same line or on the next ones. A file without the header
is still read as one undated article (with a warning from normalisation), because plain text is the
commonest way people keep clippings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from search.errors import IngestError
from search.ingest.base import InputFile, Known, RawRecord, Unchanged, read_document

_HEADER = re.compile(r"^\s*date[ \t]+(?P<date>\S+)[ \t]*\n?", re.IGNORECASE)


def read_text(
    input_file: InputFile, known: Known | None = None
) -> Iterator[RawRecord | Unchanged | IngestError]:
    loaded = read_document(input_file, known, "text")
    if not isinstance(loaded, tuple):
        yield loaded
        return
    text, digest = loaded
    if not text.strip():
        yield IngestError(input_file.display, None, "empty file")
        return
    fields: dict = {}
    match = _HEADER.match(text)
    if match:
        fields["date"] = match.group("date")
        text = text[match.end() :]
    else:
        fields["_missing_date"] = True
    fields["body"] = text
    yield RawRecord(fields, input_file.display, None, digest)
