"""Exporting every hit of a search, streamed, as CSV or JSON Lines.

Rows are produced one at a time from the engine's lazy hit iterator, so memory stays flat for any
number of hits. CSV cells that a spreadsheet would run as a formula (starting with ``= + - @``, a
tab or a carriage return) get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from search.errors import MorgueError
from search.searching import iter_hits
from search.types import Engine, SearchRequest

COLUMNS = (
    "id",
    "date",
    "source",
    "title",
    "author",
    "url",
    "score",
    "snippet",
    "snippet_spans",
    "copy_group",
    "story",
    "new",
)
FORMATS = ("csv", "jsonl")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Keep a spreadsheet from executing a cell (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_rows(
    engine: Engine, request: SearchRequest, new_ids: set[str] | frozenset[str] | None = None
) -> Iterator[dict]:
    """Every hit of ``request`` in its sort order (pagination ignored), as export rows."""
    for hit in iter_hits(engine, request):
        yield {
            "id": hit.id,
            "date": hit.date,
            "source": hit.source,
            "title": hit.title,
            "author": hit.author,
            "url": hit.url,
            "score": hit.score,
            "snippet": hit.snippet.text,
            "snippet_spans": [list(span) for span in hit.snippet.spans],
            "copy_group": hit.copy_group,
            "story": hit.story,
            "new": (hit.id in new_ids) if new_ids is not None else None,
        }


def csv_chunks(rows: Iterable[dict], columns: tuple[str, ...] = COLUMNS) -> Iterator[str]:
    """CSV text in chunks (a header, then a chunk a row), for streaming responses and files."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if value is None:
                cells.append("")
            elif isinstance(value, bool):
                cells.append("true" if value else "false")
            elif isinstance(value, str):
                cells.append(neutralise(value))
            elif isinstance(value, list):  # spans: "12-18 40-47", start and end of each
                cells.append(" ".join(f"{a}-{b}" for a, b in value))
            else:
                cells.append(str(value))
        writer.writerow(cells)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def jsonl_chunks(rows: Iterable[dict]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def chunks(rows: Iterable[dict], fmt: str, columns: tuple[str, ...] = COLUMNS) -> Iterator[str]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    return csv_chunks(rows, columns) if fmt == "csv" else jsonl_chunks(rows)


class RowCounter:
    """Counts rows as they stream past, so a streamed export can say how many it wrote."""

    def __init__(self) -> None:
        self.count = 0

    def wrap(self, rows):
        for row in rows:
            self.count += 1
            yield row


def write_chunks(parts, output: Path | None) -> None:
    """Write export chunks to stdout, or to a file through a temporary file renamed at the end."""
    if output is None:
        for part in parts:
            sys.stdout.write(part)
        sys.stdout.flush()
        return
    if not output.parent.is_dir():
        raise MorgueError(f"cannot write {output}: there is no folder {output.parent}")
    tmp = output.with_name(output.name + ".part")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            for part in parts:
                handle.write(part)
        tmp.replace(output)
    except OSError as exc:
        raise MorgueError(f"cannot write {output}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


KWIC_COLUMNS = ("left", "match", "right", "field", "offset", "id", "source", "date", "title", "url")
ATTENTION_COLUMNS = ("query", "bucket", "start", "end", "count", "all", "share")


def attention_rows(document: dict) -> Iterator[dict]:
    """An attention chart's data in long form, one row per query and bucket (what R and pandas
    read best), from ``serialize.attention_to_dict``."""
    for series in document["series"]:
        for point in series["points"]:
            yield {"query": series["query"], **point}
