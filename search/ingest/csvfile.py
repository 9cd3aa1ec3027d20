"""CSV (and TSV) exports with a header row naming the article fields."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from search.errors import IngestError
from search.ingest.base import InputFile, RawRecord, repair_line

# Article bodies are long; the csv module's default cap (131,072 characters) is too small.
FIELD_SIZE_LIMIT = 16 * 1024 * 1024


def read_csv(input_file: InputFile) -> Iterator[RawRecord | IngestError]:
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    delimiter = "\t" if input_file.inner_suffix == ".tsv" else ","
    with input_file.open_lines() as stream:
        repaired = (repair_line(line) for line in stream)
        reader = csv.reader(repaired, delimiter=delimiter, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            yield IngestError(input_file.display, None, "empty file (no header row)")
            return
        except csv.Error as exc:
            yield IngestError(input_file.display, "line 1", f"bad header row: {exc}")
            return
        header = [h.strip().lower() for h in header]
        if "\x00" in "".join(header):
            yield IngestError(input_file.display, None, "binary data (NUL bytes), not CSV")
            return
        record = 0
        while True:
            line_before = reader.line_num
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
