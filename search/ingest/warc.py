"""Web archives (WARC, and the older ARC), through warcio: every captured page that holds an
article becomes one.

A web archive holds whatever a crawler fetched: article pages, but also section fronts, images,
style sheets, robots.txt, redirects, error pages, the crawler's requests and its notes. Only
``response`` (and ``resource``) records of a page or a feed with a 200 status are read; the rest
are skipped, and the run counts them with the reason (``--verbose`` lists them). A page without
an article (``extract.page_fields``: too few words of text) is skipped too. A ``revisit`` record
says the page was unchanged at a later capture: it holds no page, and is skipped.

A page's record gives the defaults its own metadata may override: the URL it was fetched from
(``WARC-Target-URI``) and, as the date of last resort, when it was captured (``WARC-Date``).
Every message names the record: ``file: record N (offset B)``, B the byte where it starts in
the file as stored (compressed for ``.warc.gz``), which is what ``warcio extract`` and CDX
indexes use. A record that cannot be read is one error, and reading goes on at the next record
the file holds, found by its header.

Feeds captured beside their pages would give each article twice, once as the feed's summary:
a feed's items are read at the end of the file, and only those whose page the file did not
capture (asked for and answered, whatever the answer: an unchanged page's 304 counts).
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
from typing import IO

from search.errors import IngestError
from search.ingest.base import InputFile, Known, RawRecord, Skipped, Unchanged, decode_bytes
from search.ingest.extract import page_fields
from search.ingest.feed import feed_items

PAGE_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
XML_TYPES = ("application/xml", "text/xml")
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024  # a page larger than this is no article
MAX_RECORD_BYTES = 64 * 1024 * 1024  # a record is inflated up to this much, no further
CHUNK_BYTES = 1 << 16
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
_GZIP_MEMBER = b"\x1f\x8b\x08"
_RECORD_LINE = re.compile(rb"(?:^|\r?\n)(WARC/1\.[01]\r?\n|(?:https?|dns|filedesc)://\S+ )")
_RECORD_HEAD = re.compile(rb"WARC/1\.[01]\r?\n|(?:https?|dns|filedesc)://\S+ ")


def _payload_text(data: bytes, content_type: str) -> str:
    found = _CHARSET.search(content_type)
    if found:
        try:
            return data.decode(found.group(1))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data)


def _kind(content_type: str, data: bytes) -> str | None:
    mime = content_type.split(";")[0].strip().lower()
    if mime in PAGE_TYPES:
        return "page"
    if mime in FEED_TYPES:
        return "feed"
    if mime in XML_TYPES or not mime:
        head = data[:2048].lstrip().lower()
        if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
            return "feed"
        if b"<html" in head or head.startswith(b"<!doctype html"):
            return "page"
    return None


def _one_member(raw: IO[bytes], offset: int, head: bytes = b"") -> tuple:
    """The gzip member starting at ``offset`` (``head``: its first bytes, read already): (its
    bytes, where the next begins, the next one's first bytes, None), or (None, where to go on
    or 0, b"", why it cannot be read). The file is read forward only, a block at a time."""
    if not head:
        raw.seek(offset)
    inflate = zlib.decompressobj(31)
    out = bytearray()
    fed = 0
    chunk = head
    while not inflate.eof:
        if not chunk:
            chunk = raw.read(CHUNK_BYTES)
            if not chunk:
                return None, 0, b"", "the file ends inside this record (cut short)"
        fed += len(chunk)
        try:
            if len(out) <= MAX_RECORD_BYTES:
                out += inflate.decompress(chunk)
            else:  # read on to its end, keep nothing
                inflate.decompress(chunk, CHUNK_BYTES)
                while inflate.unconsumed_tail and not inflate.eof:
                    inflate.decompress(inflate.unconsumed_tail, CHUNK_BYTES)
        except zlib.error as exc:
            return None, 0, b"", f"damaged compressed data ({exc})"
        chunk = b""
    rest = inflate.unused_data
    end = offset + fed - len(rest)
    if len(out) > MAX_RECORD_BYTES:
        return None, end, rest, "a record over 64 MB"
    return bytes(out), end, rest, None


def _resync(raw: IO[bytes], after: int) -> int | None:
    """Where the next readable record begins after damage: the next gzip member that
    inflates to a record header (the magic bytes alone also occur inside compressed data)."""
    position = after
    while True:
        raw.seek(position)
        block = raw.read(1 << 20)
        if not block:
            return None
        found = block.find(_GZIP_MEMBER)
        if found < 0:
            position += max(1, len(block) - 2)
            continue
        candidate = position + found
        data, _end, _rest, error = _one_member(raw, candidate)
        if error is None and data is not None and _RECORD_HEAD.match(data):
            return candidate
        position = candidate + 1


def _gzip_records(raw: IO[bytes]):
    """(offset, record or why it cannot be read) for each record of a ``.warc.gz``/``.arc.gz``:
    one gzip member a record, as the formats ask, inflated here so a damaged member is known
    exactly and skipped to the next good one."""
    from warcio.archiveiterator import ArchiveIterator

    offset: int | None = 0
    head = raw.read(CHUNK_BYTES)
    while offset is not None and head:
        data, end, rest, error = _one_member(raw, offset, head)
        if error is not None:
            yield offset, error
            offset = end or _resync(raw, offset + 1)
            if offset is not None:
                raw.seek(offset)
                head = raw.read(CHUNK_BYTES)
            continue
        try:
            for record in ArchiveIterator(io.BytesIO(data), arc2warc=True, check_digests=True):
                record.payload = record.content_stream().read(MAX_RECORD_BYTES + 1)
                yield offset, record
        except Exception as exc:  # noqa: BLE001 - warcio's errors have no common base
            yield offset, _reason(exc)
        offset, head = end, rest or raw.read(CHUNK_BYTES)


def _plain_records(raw: IO[bytes]):
    """The same for an uncompressed archive, read by warcio as it stands; after damage,
    reading goes on at the next line that starts a record."""
    from warcio.archiveiterator import ArchiveIterator

    start: int | None = 0
    while start is not None:
        raw.seek(start)
        records = ArchiveIterator(raw, arc2warc=True, check_digests=True)
        offset = start
        try:
            for record in records:
                record.payload = record.content_stream().read(MAX_RECORD_BYTES + 1)
                offset = start + records.get_record_offset()  # (reads past the payload)
                yield offset, record
            return
        except Exception as exc:  # noqa: BLE001 - warcio's errors have no common base
            yield offset, _reason(exc)
            start = _next_header(raw, offset + 1)


def _next_header(raw: IO[bytes], after: int) -> int | None:
    raw.seek(after)
    carry, position = b"", after
    while block := raw.read(1 << 20):
        data = carry + block
        match = _RECORD_LINE.search(data)
        if match:
            return position - len(carry) + match.start(1)
        carry = data[-64:]
        position += len(block)
    return None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def read_warc(
    input_file: InputFile, known: Known | None = None
) -> Iterator[RawRecord | Unchanged | IngestError | Skipped]:
    try:
        import warcio  # noqa: F401
    except ImportError:
        yield IngestError(input_file.display, None, "reading web archives needs warcio")
        return
    with open(input_file.path, "rb") as raw:
        input_file._raw = raw  # progress counts the bytes read from disk
        gzipped = raw.read(2) == _GZIP_MEMBER[:2]
        raw.seek(0)
        feeds: list[tuple[str, bytes]] = []
        pages: set[str] = set()
        records = _gzip_records(raw) if gzipped else _plain_records(raw)
        for number, (offset, record) in enumerate(records, start=1):
            where = f"record {number} (offset {offset})"
            if isinstance(record, str):
                yield IngestError(input_file.display, where, f"unreadable: {record}")
                continue
            data = record.payload  # read by the record's reader, the digest checked with it
            checked = getattr(record, "digest_checker", None)
            if checked is not None and checked.passed is False:  # the crawler's own digest
                reason = checked.problems[0] if checked.problems else "digest failed"
                yield IngestError(input_file.display, where, f"damaged: {reason}")
                continue
            yield from _read_record(record, data, input_file, where, known, feeds, pages)
        for where, data in feeds:
            yield from _feed_records(input_file, where, data, pages)


def _read_record(record, data: bytes, input_file, where, known, feeds, pages):
    kind = record.rec_type
    display = f"{input_file.display}: {where}"
    if kind == "revisit":
        yield Skipped(display, "a revisit (the page unchanged since an earlier capture)")
        return
    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
    if kind not in ("request", "response", "resource"):
        return  # the crawler's notes: not captures of a page
    # asked for or captured, whatever came back (a request's answer follows under the address
    # it moved to): a feed item pointing here is not the page
    pages.add(uri)
    if kind == "request":
        return
    if kind == "response" and record.http_headers is not None:
        status = record.http_headers.get_statuscode() or ""
        if status != "200":
            yield Skipped(display, f"HTTP status {status or 'missing'} for {uri}")
            return
        content_type = record.http_headers.get_header("Content-Type") or ""
    else:
        content_type = record.rec_headers.get_header("Content-Type") or ""
    if len(data) > MAX_PAYLOAD_BYTES:
        yield Skipped(display, f"a payload over {MAX_PAYLOAD_BYTES // (1024 * 1024)} MB ({uri})")
        return
    what = _kind(content_type, data)
    if what is None:
        mime = content_type.split(";")[0].strip() or "no content type"
        yield Skipped(display, f"not a page ({mime}): {uri}")
        return
    if what == "feed":
        feeds.append((where, data))
        return
    text = _payload_text(data, content_type)
    digest = known.digest(f"{uri}\n{text}") if known is not None else None
    if known is not None and digest in known.digests:
        yield Unchanged(digest, input_file.display, where)
        return
    captured = record.rec_headers.get_header("WARC-Date") or ""
    fields = page_fields(text, url=uri or None, captured=captured or None)
    reason = fields.pop("_not_article", None)
    if reason:
        yield Skipped(display, f"{reason}: {uri}")
        return
    pages.add(fields.get("url") or uri)  # its canonical address too
    yield RawRecord(fields, input_file.display, where, digest)


def _feed_records(input_file, where, data, pages):
    try:
        for fields, item in feed_items(data, empty_ok=True):
            if fields.get("url") in pages:
                yield Skipped(
                    f"{input_file.display}: {where}, item {item}",
                    "a feed item whose page the archive holds",
                )
                continue
            yield RawRecord(fields, input_file.display, f"{where}, item {item}")
    except ValueError as exc:
        yield IngestError(input_file.display, where, str(exc))
