"""CSV (and TSV) exports with a header row naming the article fields."""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator

from search.errors import IngestError
from search.ingest.base import InputFile, RawRecord, repair_line

# Article bodies are long; the csv module's default cap (131,072 characters) is too small.
FIELD_SIZE_LIMIT = 16 * 1024 * 1024


REPLAY_LIMIT_CHARS = 64 * 1024 * 1024  # what a bad record may hold back for a re-read


class _Lines:
    """The file's lines, remembering those of the record being read.

    An unbalanced quote makes the csv module read on to the end of the file looking for the
    closing quote, swallowing every good record after it. When a record fails, its lines but the
    first are handed back and read again, so only the bad record is lost.
    """

    def __init__(self, lines) -> None:
        self._lines = lines
        self._pending: deque[str] = deque()
        self._held: list[str] = []
        self._held_chars = 0
        self.number = 0  # lines read so far

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self._pending.popleft() if self._pending else next(self._lines)
        self.number += 1
        if self._held_chars <= REPLAY_LIMIT_CHARS:
            self._held.append(line)
            self._held_chars += len(line)
        return line

    def start_record(self) -> None:
        self._held, self._held_chars = [], 0

    def replay_all_but_first(self) -> None:
        if self._held_chars > REPLAY_LIMIT_CHARS:
            return  # too much to hold: the rest of this record is lost with it
        again = self._held[1:]
        self._pending.extendleft(reversed(again))
        self.number -= len(again)
        self.start_record()


DELIMITERS = (",", ";", "\t", "|")


def _delimiter(input_file: InputFile) -> str:
    """Tab for .tsv; else the separator the header row uses most: a comma, or the semicolon of
    spreadsheets saved in much of Europe (a tab or a bar, sometimes)."""
    if input_file.inner_suffix == ".tsv":
        return "\t"
    first = input_file.head(8192).decode("utf-8", "replace").split("\n", 1)[0]
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _names(header: list[str]) -> list[str]:
    """Column names as fields: lower case; a blank one is ``column N`` and a repeated one gets
    `` (2)``, so no cell is lost to another of the same name and none is shown unnamed."""
    names: list[str] = []
    taken: set[str] = set()
    copies: dict[str, int] = {}  # the last copy number given to each name: linear, not cubic
    for number, raw in enumerate(header, start=1):
        name = unique = raw.strip().lower() or f"column {number}"
        while unique in taken:
            copies[name] = copies.get(name, 1) + 1
            unique = f"{name} ({copies[name]})"
        taken.add(unique)
        names.append(unique)
    return names


def read_csv(input_file: InputFile) -> Iterator[RawRecord | IngestError]:
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    delimiter = _delimiter(input_file)
    with input_file.open_lines() as stream:
        lines = _Lines(repair_line(line) for line in stream)
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            yield IngestError(input_file.display, None, "empty file (no header row)")
            return
        except csv.Error as exc:
            yield IngestError(input_file.display, "line 1", f"bad header row: {exc}")
            return
        header = _names(header)
        if "\x00" in "".join(header):
            yield IngestError(input_file.display, None, "binary data (NUL bytes), not CSV")
            return
        record = 0
        while True:
            line_before = lines.number
            lines.start_record()
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                record += 1
                yield IngestError(
                    input_file.display,
                    f"record {record} (line {line_before + 1})",
                    f"malformed CSV: {exc}",
                )
                lines.replay_all_but_first()
                reader = csv.reader(lines, delimiter=delimiter, strict=True)
                continue
            if not row or not any(cell.strip() for cell in row):
                continue
            record += 1
            where = f"record {record} (line {line_before + 1})"
            if len(row) != len(header):
                yield IngestError(
                    input_file.display, where, f"expected {len(header)} fields, found {len(row)}"
                )
                continue
            yield RawRecord(dict(zip(header, row, strict=False)), input_file.display, where)
