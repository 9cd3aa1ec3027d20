"""Reading article files of every supported format into raw records with their locations.

Readers are registered by format name in ``READERS``; ``detect_format`` picks one from the file
name (``.gz`` is looked through) or, failing that, from the first bytes. A reader never raises on
bad input: it yields an ``IngestError`` for the record or file and goes on, so one broken line
costs that line only. Readers know nothing of the index.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from search.errors import IngestError
from search.ingest.base import InputFile, Known, RawRecord, Skipped, Unchanged
from search.ingest.csvfile import read_csv
from search.ingest.feed import read_feed
from search.ingest.html import read_html
from search.ingest.jsonl import read_jsonl
from search.ingest.text import read_text
from search.ingest.warc import read_warc

Reader = Callable[[InputFile], Iterator["RawRecord | IngestError"]]

READERS: dict[str, Reader] = {
    "text": read_text,
    "jsonl": read_jsonl,
    "csv": read_csv,
    "feed": read_feed,
    "html": read_html,
    "warc": read_warc,
}

# Readers that digest raw records and can skip known ones without parsing them.
DIGESTING = frozenset({"jsonl", "text", "html", "warc"})

EXTENSIONS: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
    ".rdf": "feed",
    ".html": "html",
    ".htm": "html",
    ".warc": "warc",
    ".arc": "warc",
}

__all__ = [
    "READERS",
    "EXTENSIONS",
    "InputFile",
    "RawRecord",
    "Skipped",
    "detect_format",
    "iter_input_files",
    "read_records",
]


def detect_format(input_file: InputFile) -> str | None:
    """The reader for a file: by extension first, else by sniffing its first bytes."""
    by_name = EXTENSIONS.get(input_file.inner_suffix)
    if by_name:
        return by_name
    head = input_file.head(2048).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"warc/1.", b"filedesc://")):
        return "warc"
    if head.startswith(b"date ") or head.startswith(b"date\t"):
        return "text"
    if head.startswith((b"{", b"[")):
        return "jsonl"
    if head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
        return "feed"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "html"
    return None


def iter_input_files(
    paths: Iterable[str | os.PathLike],
) -> Iterator[InputFile | IngestError | Skipped]:
    """Expand folders (recursively, in sorted order) into input files.

    Inside a folder only files of a known format are taken; the others (a photo, a note in an
    unknown format, a link to nothing) come out as ``Skipped`` so a run can count and list them.
    Hidden files and folders (``.git``, ``.DS_Store``) are passed over without a word, as most
    tools do. A file named on the command line is always tried.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path)
                if any(part.startswith(".") for part in relative.parts):
                    continue
                if child.is_dir():
                    continue
                if not child.is_file():
                    reason = "a link to nothing" if child.is_symlink() else "not a regular file"
                    yield Skipped(str(child), reason)
                    continue
                candidate = InputFile(child)
                if candidate.inner_suffix in EXTENSIONS:
                    yield candidate
                else:
                    suffix = candidate.inner_suffix or "no extension"
                    yield Skipped(str(child), f"not an article format ({suffix})")
        elif path.is_file():
            yield InputFile(path)
        elif path.exists():
            yield IngestError(str(path), None, "not a regular file")
        elif path.is_symlink():
            yield IngestError(str(path), None, "a link to nothing")
        else:
            yield IngestError(str(path), None, "no such file or folder")


def read_records(
    input_file: InputFile, known: Known | None = None
) -> Iterator[RawRecord | Unchanged | IngestError]:
    """Every record of one file, or errors for those that could not be read.

    With ``known``, records whose raw digest is known come out as ``Unchanged``, unparsed.
    """
    try:
        fmt = detect_format(input_file)
    except OSError as exc:
        yield IngestError(input_file.display, None, f"cannot read: {exc.strerror or exc}")
        return
    if fmt is None:
        yield IngestError(
            input_file.display,
            None,
            "unknown format (expected one of: " + ", ".join(sorted(READERS)) + ")",
        )
        return
    try:
        if known is not None and fmt in DIGESTING:
            yield from READERS[fmt](input_file, known=known)
        else:
            yield from READERS[fmt](input_file)
    except OSError as exc:  # disappearing files, permission changes, truncated gzip streams
        yield IngestError(input_file.display, None, f"cannot read: {exc}")
