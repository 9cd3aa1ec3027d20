"""Hostile files: malformed inputs interleaved with good records, encodings, implausible dates,
duplicates across files in any order, and giant records."""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from search.archive import open_archive
from search.indexer import update_index
from search.normalize import MAX_BODY_CHARS
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("engine_name")


def good(n: int) -> dict:
    return {
        "id": f"good-{n:03d}",
        "title": f"Good record {n}",
        "body": f"Harbour good record number {n}.",
        "date": "2025-01-02",
        "source": "Wire",
    }


class Corpus:
    """Builds the hostile folder, counting the good records and the bad ones it plants."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir()
        self.good = 0
        self.bad: list[tuple[str, str | None]] = []  # (file name, location) of each bad record

    def g(self) -> str:
        self.good += 1
        return json.dumps(good(self.good))

    def write(self, name: str, data: bytes | str) -> None:
        path = self.root / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    def bad_line(self, name: str, line: int) -> None:
        self.bad.append((name, f"line {line}"))

    def bad_file(self, name: str) -> None:
        self.bad.append((name, None))


def build_hostile(root: Path) -> Corpus:
    c = Corpus(root)
    bad_lines = [
        '{"id": "cut", "title": ',  # cut mid-record
        '{"id": "big", "n": ' + "9" * 5000 + "}",  # Python's int-size guard
        "[" * 100_000 + "]" * 100_000,  # nesting that would blow the stack
        "[1, 2, 3]",
        '"just a string"',
        '{"id": "nul\x00", "title": "control character"}',
        "{}",  # nothing to index
        "{'single': 'quotes'}",
        '{"id": "dup-key", "id": }',
        "\ufeff{broken}",  # a BOM in the middle of a file
        "null",
        '{"title": "' + "\udcff" * 0 + 'x", "body": 5, "date": []}',  # odd types, but indexable
    ]
    lines = []
    for bad in bad_lines:
        lines.append(c.g())
        lines.append(bad)
    lines.append(c.g())
    c.write("mixed.jsonl", "\n".join(lines) + "\n")
    for index in range(len(bad_lines) - 1):  # the last one is a good, oddly typed record
        c.bad_line("mixed.jsonl", 2 * index + 2)
    c.good += 1  # the oddly typed record is indexed
    c.write("crlf.jsonl", "\r\n".join([c.g(), "{broken", c.g()]) + "\r\n")
    c.bad_line("crlf.jsonl", 2)
    c.write("truncated.jsonl", c.g() + "\n" + c.g()[:30])
    c.good -= 1
    c.bad_line("truncated.jsonl", 2)
    data = gzip.compress(("\n".join([c.g(), c.g()]) + "\n").encode())
    c.write("cut.jsonl.gz", data[:-8])  # the end-of-stream trailer is gone
    c.bad.append(("cut.jsonl.gz", "after line 2"))
    c.write("notgzip.jsonl.gz", b"this is not gzip at all")
    c.bad.append(("notgzip.jsonl.gz", "after line 0"))
    for name in ("empty.jsonl", "empty.csv", "empty.txt", "empty.xml", "empty.html"):
        c.write(name, b"")
        c.bad_file(name)
    rng = random.Random(3)
    c.write("binary.txt", bytes(rng.randrange(256) for _ in range(3000)) + b"\x00")
    c.bad_file("binary.txt")
    c.write("junk.jsonl", bytes(rng.randrange(256) for _ in range(2000)) + b"\x00")
    c.bad_file("junk.jsonl")
    c.write("nul.txt", " date 2025-01-02\nHarbour\x00 with a NUL byte")
    c.bad_file("nul.txt")
    c.write("nodate.txt", "Harbour strike spreads to the docks.\n\nWorkers walked out.")
    c.good += 1  # kept, undated, with a warning
    header = "id,title,body,date\n"
    c.write(
        "unbalanced.csv",
        header + 'c1,Good,Harbour,2025-01-02\nc2,"unbalanced,Harbour,2025-01-02\n'
        "c3,Good again,Harbour,2025-01-02\n",
    )
    c.good += 2
    c.bad.append(("unbalanced.csv", "record 2 (line 3)"))
    c.write("short.csv", header + "c4,Good,Harbour,2025-01-02\nc5,only two\nc6,Good,Harbour,2025\n")
    c.good += 2
    c.bad.append(("short.csv", "record 2 (line 3)"))
    c.write("long.csv", header + 'c7,Long,"' + "harbour " * 20_000 + '",2025-01-02\n')
    c.good += 1  # a field over 131,072 characters is fine
    c.write("notafeed.xml", '<?xml version="1.0"?><nothing/>')
    c.bad_file("notafeed.xml")
    c.write(
        "broken.rss",
        '<?xml version="1.0"?><rss><channel><title>Feed</title><item><title>Harbour item'
        "</title><description>unclosed",
    )
    c.good += 1  # feedparser recovers the item (bozo)
    c.write("binary.html", b"<html>\x00\x01\x02")
    c.bad_file("binary.html")
    c.write("headless.csv", b"\x00\x00,\x00\nx,y\n")
    c.bad_file("headless.csv")
    c.write("array.json", "[" + c.g() + ", 5, " + c.g() + "]")
    c.bad.append(("array.json", "item 2"))
    return c


PLACE = r"line \d+|after line \d+|record \d+ \(line \d+\)|item \d+"
ERROR_LINE = re.compile(rf"^(?P<path>/\S+?)(?:: (?P<where>{PLACE}))?: (?P<reason>.+)$")


def test_each_bad_record_is_one_line_and_every_good_record_is_indexed(tmp_path, engine_name):
    corpus = build_hostile(tmp_path / "hostile")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "webui.cli", "reindex", str(corpus.root), "--index",
         str(tmp_path / "index")],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if ": warning: " not in line]
    reported = []
    for line in errors:
        match = ERROR_LINE.match(line)
        assert match, f"not a one-line error naming file, place and reason: {line!r}"
        assert match["reason"].strip()
        reported.append((Path(match["path"]).name, match["where"]))
    assert sorted(reported, key=str) == sorted(corpus.bad, key=str), errors
    with open_archive(tmp_path / "index") as engine:
        assert engine.stats().articles == corpus.good
        ids = set(engine.stored_hashes())
    assert {f"good-{n:03d}" for n in range(1, 3)} <= ids
    assert "c3" in ids  # after the unbalanced quote: only the bad record is lost


SAMPLE_TITLE = "Café owners’ “fair” deal — €5 rise for naïve baristas"
SAMPLE_BODY = (
    "Zürich café owners said the “fair” deal – a €5 rise – was naïve. ‘Très bien,’ one said."
)


def encodings_folder(root: Path) -> Path:
    root.mkdir()
    text = f" date 2025-03-04\n{SAMPLE_TITLE}\n\n{SAMPLE_BODY}\n"
    record = {"title": SAMPLE_TITLE, "body": SAMPLE_BODY, "date": "2025-03-04"}
    variants = {
        "utf8.txt": text.encode("utf-8"),
        "utf8-bom.txt": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "utf16.txt": text.encode("utf-16"),
        "utf16be.txt": b"\xfe\xff" + text.encode("utf-16-be"),
        "cp1252.txt": text.encode("cp1252"),
        "utf8.jsonl": (json.dumps({**record, "id": "j1"}, ensure_ascii=False) + "\n").encode(),
        "bom.jsonl": b"\xef\xbb\xbf"
        + (json.dumps({**record, "id": "j2"}, ensure_ascii=False) + "\n").encode(),
        "utf16.jsonl": (json.dumps({**record, "id": "j3"}, ensure_ascii=False) + "\n").encode(
            "utf-16"
        ),
        "cp1252.jsonl": (json.dumps({**record, "id": "j4"}, ensure_ascii=False) + "\n").encode(
            "cp1252"
        ),
        "cp1252.csv": (
            f'id,title,body,date\nc1,"{SAMPLE_TITLE}","{SAMPLE_BODY}",2025-03-04\n'
        ).encode("cp1252"),
        "misdeclared.html": (
            '<html><head><meta charset="utf-8"><title>x</title></head><body><article>'
            f"<h1>{SAMPLE_TITLE}</h1><p>{SAMPLE_BODY}</p></article></body></html>"
        ).encode("cp1252"),
        "declared.html": (
            '<html><head><meta charset="windows-1252"></head><body><article>'
            f"<h1>{SAMPLE_TITLE}</h1><p>{SAMPLE_BODY}</p></article></body></html>"
        ).encode("cp1252"),
    }
    for name, data in variants.items():
        (root / name).write_bytes(data)
    return root


def test_every_encoding_gives_the_same_text(tmp_path, engine_name):
    from search.ingest import iter_input_files, read_records
    from search.normalize import build_article
    from search.searching import run_search
    from search.types import SearchRequest

    folder = encodings_folder(tmp_path / "enc")
    by_format: dict[str, set] = {}
    for input_file in iter_input_files([folder]):
        (record,) = list(read_records(input_file, None))
        article = build_article(record.fields).article
        name = input_file.path.name
        by_format.setdefault(input_file.path.suffix, set()).add((article.title, article.body))
        assert SAMPLE_BODY in article.body, (name, article.body)
        text = article.title + article.body
        assert "\ufffd" not in text  # nothing replaced
        assert not re.search("[\x80-\x9f]", text)  # no C1 controls (cp1252 read as latin-1)
        assert "â€" not in text  # no mojibake
    # Within a format, every encoding gives exactly the same title and text.
    assert {suffix: len(versions) for suffix, versions in by_format.items()} == {
        ".txt": 1,
        ".jsonl": 1,
        ".csv": 1,
        ".html": 1,
    }
    assert by_format[".jsonl"] == by_format[".csv"] == {(SAMPLE_TITLE, SAMPLE_BODY)}
    report = update_index(tmp_path / "index", [folder])
    assert report.rejected == 0, report.problems
    # The five text files and the two web pages are one article each (same derived id).
    assert (report.added, report.duplicates) == (7, 5)
    with open_archive(tmp_path / "index") as engine:
        assert run_search(engine, SearchRequest(query="café")).total == 7
        assert run_search(engine, SearchRequest(query="zurich")).total == 7


def test_implausible_dates_are_undated_with_one_warning_each(tmp_path, engine_name):
    dates = ["0001-01-01", "1066-10-14", "9999-12-31", "2025-02-30", "yesterday",
             "2025-01-02T10:00:00+99:00", "1987-02-26"]  # fmt: skip
    source = tmp_path / "dates.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": f"d{i}", "title": "Dated", "body": "Harbour", "date": d}) + "\n"
            for i, d in enumerate(dates)
        )
    )
    report = update_index(tmp_path / "index", [source])
    assert report.added == 7
    assert report.warnings == 6
    assert all("stored as undated" in p for p in report.problems)
    with open_archive(tmp_path / "index") as engine:
        stored = {a.id: a.published for a in engine.iter_articles()}
    assert [stored[f"d{i}"] for i in range(6)] == [None] * 6  # never shifted to a near date
    assert stored["d6"].date().isoformat() == "1987-02-26"


def test_duplicates_across_files_resolve_the_same_whatever_the_order(tmp_path, engine_name):
    folder = tmp_path / "dups"
    folder.mkdir()
    versions = {
        "a.jsonl": "first version",
        "b.jsonl": "second version",
        "c.jsonl": "third version",
    }
    for name, text in versions.items():
        (folder / name).write_text(
            "".join(
                json.dumps({"id": f"same-{n}", "title": f"Story {n}", "body": f"{text} {n}"}) + "\n"
                for n in range(5)
            )
        )
    outcomes = []
    names = list(versions)
    for attempt in range(3):
        random.Random(attempt).shuffle(names)
        index = tmp_path / f"index-{attempt}"
        report = update_index(index, [folder / n for n in names])
        assert (report.added, report.duplicates) == (5, 10)
        with open_archive(index) as engine:
            outcomes.append(engine.stored_hashes())
            assert engine.get("same-0").body == "first version 0"  # a.jsonl, the first path
    assert outcomes[0] == outcomes[1] == outcomes[2]


GIANT_SCRIPT = """
import sys
from search.indexer import update_index
r = update_index(sys.argv[1], [sys.argv[2]])
print(r.added, r.warnings, r.rejected)
"""


@pytest.mark.slow
def test_a_2_gb_input_of_giant_records_stays_under_500_mb(tmp_path, engine_name):
    """Forty 50 MB records (2 GB): each is cut to the body cap with a warning, and the indexing
    process never holds more than 500 MB."""
    source = tmp_path / "giant.jsonl"
    words = ("harbour strike cargo vessel union wage port crane dock freight " * 5)[:-1]
    chunk = (words + " ") * (50 * 1024 * 1024 // (len(words) + 1))
    with open(source, "w", encoding="utf-8") as handle:
        for n in range(40):
            handle.write(json.dumps({"id": f"giant-{n}", "title": f"Giant {n}", "body": chunk}))
            handle.write("\n")
    assert source.stat().st_size > 2_000_000_000
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", GIANT_SCRIPT, str(tmp_path / "index"), str(source)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    peak = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                with open(f"/proc/{process.pid}/status") as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            peak = max(peak, int(line.split()[1]) // 1024)
            except OSError:
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    out, err = process.communicate(timeout=1800)
    stop.set()
    watcher.join()
    source.unlink()
    assert process.returncode == 0, err
    assert out.split() == ["40", "40", "0"]
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / f"giant-{engine_name}.json").write_text(
        json.dumps({"input_bytes": 40 * len(chunk), "records": 40, "peak_rss_mb": peak}) + "\n"
    )
    assert peak < 500, f"peak RSS {peak} MB"
    with open_archive(tmp_path / "index") as engine:
        assert len(engine.get("giant-7").body) <= MAX_BODY_CHARS
