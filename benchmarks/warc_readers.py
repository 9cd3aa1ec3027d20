"""Reading web archives: warcio beside FastWARC, and both beside the cost of extracting the
article from each page, on one gzipped WARC of news pages made here.

    python benchmarks/warc_readers.py [CORPUS.jsonl.gz] [--pages 2000]

Pages are Reuters-21578 stories laid out as sites lay them out (``tests/pages.py``), written
with warcio as crawlers write them (a request and a response record each, one gzip member a
record). Each reader iterates the records and reads every response's payload; then Morgue's
own reader (``search.ingest.warc``: warcio, and extraction) reads the whole file. Medians of 3.
FastWARC is measured only if installed (``pip install fastwarc``); Morgue does not use it.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.extraction import CORPUS, stories  # noqa: E402
from search.ingest import InputFile, read_records  # noqa: E402
from tests.pages import LAYOUTS  # noqa: E402


def write(path: Path, count: int, corpus: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    layouts = list(LAYOUTS.values())
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n, story in enumerate(stories(corpus, count)):
            body = layouts[n % len(layouts)](story).encode()
            asked = StatusAndHeaders("GET / HTTP/1.1", [], is_http_request=True)
            writer.write_record(
                writer.create_warc_record(
                    story.url, "request", payload=io.BytesIO(b""), length=0, http_headers=asked
                )
            )
            answer = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    story.url,
                    "response",
                    payload=io.BytesIO(body),
                    length=len(body),
                    http_headers=answer,
                )
            )


def with_warcio(path: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    read = 0
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                read += len(record.content_stream().read())
    return read


def with_fastwarc(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    read = 0
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream, record_types=WarcRecordType.response):
            record.parse_http()
            read += len(record.reader.read())
    return read


def with_morgue(path: Path) -> int:
    return sum(1 for _ in read_records(InputFile(path)))


def timed(run, path: Path) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        run(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args(argv)
    path = Path(tempfile.mkdtemp()) / "pages.warc.gz"
    write(path, args.pages, args.corpus)
    print(f"{args.pages:,} pages, {path.stat().st_size / 1e6:.1f} MB gzipped")
    readers = {"warcio": with_warcio}
    try:
        import fastwarc  # noqa: F401

        readers["FastWARC"] = with_fastwarc
    except ImportError:
        print("(FastWARC not installed: pip install fastwarc to measure it)")
    readers["Morgue's reader (warcio + extraction)"] = with_morgue
    for label, run in readers.items():
        seconds = timed(run, path)
        print(f"  {label:40} {seconds:7.2f} s  {1000 * seconds / args.pages:6.2f} ms a page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
