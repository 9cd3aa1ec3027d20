"""What every reader shares: the input file (gzip looked through, bytes counted for progress) and
the raw record with its location."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from charset_normalizer import from_bytes

from search.errors import IngestError

MAX_TEXT_FILE_BYTES = 64 * 1024 * 1024
DIGEST_BYTES = 12  # of a raw record's BLAKE2b digest: written in hex, 24 characters
_DIGEST_CHUNK = 1 << 20
# Bytes that were not UTF-8 survive decoding as lone surrogates (errors="surrogateescape").
# Checked with a regex, not a per-character loop: the loop was most of a no-op reindex's time.
_SURROGATE = re.compile("[\udc80-\udcff]")


@dataclass
class RawRecord:
    """One article's fields as the file gave them, plus where it came from ("line 17")."""

    fields: dict
    path: str
    where: str | None
    digest: str | None = None  # of the raw bytes, when the format can tell them apart cheaply


@dataclass
class Skipped:
    """A file in a folder that is not read: not an article format, or a link to nothing."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: skipped: {self.reason}"


@dataclass
class Unchanged:
    """A record whose raw bytes were indexed before: not parsed again (see ``Known``)."""

    digest: str
    path: str
    where: str | None


@dataclass
class Known:
    """Digests of raw records already in the index, and what else the result depended on.

    A no-op reindex must not parse and normalise every record again just to find its content
    hash unchanged: for JSON Lines (a digest a line) and one-article files (a digest a file) the
    raw bytes are hashed and, when the digest is known, the record is skipped unread. The salt
    holds what else shaped the stored article (the normaliser's version, ``--source``).
    """

    digests: set[str] | frozenset[str] = frozenset()
    salt: str = ""

    def digest(self, raw: str) -> str:
        """BLAKE2b of the salt, a separator and the record's UTF-8 bytes, fed a megabyte at a
        time: a 50 MB record is hashed without a second and third 50 MB copy of it."""
        digest = hashlib.blake2b(digest_size=DIGEST_BYTES)
        digest.update((self.salt + "\x1f").encode("utf-8", "surrogateescape"))
        for start in range(0, len(raw), _DIGEST_CHUNK):
            digest.update(raw[start : start + _DIGEST_CHUNK].encode("utf-8", "surrogateescape"))
        return digest.hexdigest()


class InputFile:
    """A file to read, transparently gunzipped, that can tell how far reading has got."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.display = str(path)
        self.compressed = self.path.suffix.lower() == ".gz"
        self._raw: IO[bytes] | None = None

    @property
    def inner_suffix(self) -> str:
        """The extension that says the format: ``a.jsonl.gz`` -> ``.jsonl``."""
        name = self.path.name.lower()
        if self.compressed:
            name = name[: -len(".gz")]
        return Path(name).suffix

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def consumed(self) -> int:
        """Bytes of the file on disk read so far (compressed bytes for .gz): drives progress."""
        raw = self._raw
        if raw is None or raw.closed:
            return 0
        try:
            return raw.tell()
        except (OSError, ValueError):
            return 0

    def head(self, n: int) -> bytes:
        """Up to ``n`` first bytes; b"" when the file cannot be read (a cut or false gzip is
        reported by the reader that reads it, with its location)."""
        try:
            with self.open_binary() as stream:
                return stream.read(n)
        except (EOFError, OSError):
            return b""

    def open_binary(self) -> IO[bytes]:
        if self.compressed:
            stream = gzip.open(self.path, "rb")  # noqa: SIM115 - the caller closes it
            self._raw = stream.fileobj
            return stream
        stream = open(self.path, "rb")  # noqa: SIM115 - the caller closes it
        self._raw = stream
        return stream

    def read_text(self) -> str:
        """The whole file decoded (for formats that are one document per file)."""
        with self.open_binary() as stream:
            data = stream.read(MAX_TEXT_FILE_BYTES + 1)
        if len(data) > MAX_TEXT_FILE_BYTES:
            raise ValueError(f"file larger than {MAX_TEXT_FILE_BYTES // (1024 * 1024)} MB")
        return decode_bytes(data)

    def open_lines(self) -> IO[str]:
        """Text lines, decoded as UTF-8; bytes that are not UTF-8 survive for ``repair_line``.
        A file that starts with a UTF-16 byte order mark is read as UTF-16."""
        head = self.head(2)
        if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return io.TextIOWrapper(
                self.open_binary(), encoding="utf-16", errors="replace", newline=""
            )
        return io.TextIOWrapper(
            self.open_binary(), encoding="utf-8-sig", errors="surrogateescape", newline=""
        )


def repair_line(line: str) -> str:
    """A line that is not valid UTF-8 is re-read as cp1252 instead of failing."""
    if line.isascii() or not _SURROGATE.search(line):
        return line
    return line.encode("utf-8", "surrogateescape").decode("cp1252", errors="replace")


def decode_bytes(data: bytes) -> str:
    """Decode a whole document: BOM first, then UTF-8, then charset-normalizer's best guess."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data)
    best = matches.best()
    if best is not None:
        # Several single-byte code pages often read a Western text equally well (cp1250 turns
        # "naïve" into "naďve" with the same score): on a tie, windows-1252 wins, the code page
        # of most English-language and Western European news.
        for match in matches:
            if (
                match.encoding == "cp1252"
                and match.chaos <= best.chaos + 0.01
                and match.coherence >= best.coherence - 0.05
            ):
                return str(match)
        return str(best)
    return data.decode("cp1252", errors="replace")


def parse_html(markup: str):
    """A BeautifulSoup tree of ``markup``, which is always a document's text: Beautiful Soup's
    warning that a short text "looks like a file name" (a page holding only ``.XML``) is about
    a mistake this code cannot make, and is silenced. bs4 is imported here, when a page or a
    feed is read, not when a command starts."""
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(markup, "html.parser")


def looks_binary(text: str) -> bool:
    return "\x00" in text


def read_document(
    input_file: InputFile, known: Known | None, kind: str
) -> tuple[str, str | None] | IngestError | Unchanged:
    """The whole text of a one-article file and its digest, or what to yield instead of it."""
    try:
        text = input_file.read_text()
    except ValueError as exc:
        return IngestError(input_file.display, None, str(exc))
    digest = known.digest(text) if known is not None else None
    if known is not None and digest in known.digests:
        return Unchanged(digest, input_file.display, None)
    if looks_binary(text):
        return IngestError(input_file.display, None, f"binary data (NUL bytes), not {kind}")
    return text, digest
