"""JSON Lines (one article object a line), and plain JSON holding an array of article objects."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator

from search.errors import IngestError
from search.ingest.base import InputFile, Known, RawRecord, Unchanged, repair_line


def read_jsonl(
    input_file: InputFile, known: Known | None = None
) -> Iterator[RawRecord | Unchanged | IngestError]:
    head = input_file.head(4096)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        yield from _read_json_array(input_file)
        return
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        yield IngestError(input_file.display, None, "binary data (NUL bytes), not JSON Lines")
        return
    if not head and input_file.size == 0:
        yield IngestError(input_file.display, None, "empty file")
        return
    lineno = 0
    try:
        with input_file.open_lines() as lines:
            for lineno, line in enumerate(lines, start=1):  # noqa: B007 - used after the loop
                line = repair_line(line).strip()
                if not line:
                    continue
                where = f"line {lineno}"
                if known is None:
                    record = _record(line, input_file, where)
                    line = ""
                    yield record
                    continue
                digest = known.digest(line)
                if digest in known.digests:
                    yield Unchanged(digest, input_file.display, where)
                    continue
                record = _record(line, input_file, where)
                line = ""  # a 50 MB line is not held while its record is indexed
                if isinstance(record, RawRecord):
                    record.digest = digest
                yield record
    except EOFError as exc:
        yield IngestError(input_file.display, f"after line {lineno}", f"file cut short ({exc})")
    except OSError as exc:
        yield IngestError(input_file.display, f"after line {lineno}", f"unreadable ({exc})")


def _record(line: str, input_file: InputFile, where: str) -> RawRecord | IngestError:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return IngestError(
            input_file.display, where, f"invalid JSON: {exc.msg} at column {exc.colno}"
        )
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number; arrays nested 100k deep
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        if "digits" in reason:  # Python's int-size guard against slow number parsing
            reason = "a number with more than 4,300 digits"
        return IngestError(input_file.display, where, f"invalid JSON: {reason}")
    if not isinstance(value, dict):
        return IngestError(
            input_file.display, where, f"expected a JSON object, got {type(value).__name__}"
        )
    return RawRecord(value, input_file.display, where)


def _read_json_array(input_file: InputFile) -> Iterator[RawRecord | IngestError]:
    try:
        items = json.loads(input_file.read_text())
    except (ValueError, RecursionError) as exc:
        yield IngestError(input_file.display, None, f"invalid JSON: {exc}")
        return
    for number, item in enumerate(items, start=1):
        where = f"item {number}"
        if isinstance(item, dict):
            yield RawRecord(item, input_file.display, where)
        else:
            yield IngestError(
                input_file.display, where, f"expected a JSON object, got {type(item).__name__}"
            )
