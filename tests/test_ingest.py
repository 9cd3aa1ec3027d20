"""Each reader with a good file and a malformed one: the error line is exact and the good
records around it are still indexed."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from search.archive import open_archive
from search.errors import IngestError
from search.indexer import update_index
from search.ingest import InputFile, Skipped, detect_format, iter_input_files, read_records
from search.searching import run_search
from search.types import SearchRequest


def records(path: Path):
    return list(read_records(InputFile(path)))


def errors_of(items) -> list[str]:
    return [str(i) for i in items if isinstance(i, IngestError)]


def good_of(items):
    return [i for i in items if not isinstance(i, IngestError)]


RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>The Daily Bugle</title>
<item><title>Bridge reopens</title><link>https://bugle.example/bridge</link>
<pubDate>Mon, 10 Feb 2025 08:00:00 GMT</pubDate><author>jj@bugle.example (J. Jonah)</author>
<description>&lt;p&gt;The bridge &lt;b&gt;reopened&lt;/b&gt; today.&lt;/p&gt;</description></item>
<item><title>Wire story</title><link>https://bugle.example/wire</link>
<source url="https://wire.example">Reuters</source>
<pubDate>Tue, 11 Feb 2025 09:00:00 GMT</pubDate><description>Markets rose.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Times</title>
<entry><title>Harbour news</title><id>urn:atom:1</id><link href="https://atom.example/1"/>
<updated>2025-02-12T10:00:00Z</updated><author><name>Ann Writer</name></author>
<content type="html">&lt;p&gt;Ships arrived.&lt;/p&gt;
&lt;p&gt;More ships.&lt;/p&gt;</content></entry>
</feed>"""

HTML = """<!doctype html><html><head><title>Page title | Site</title>
<meta property="og:title" content="Council votes on budget">
<meta property="og:site_name" content="City Herald">
<meta property="article:published_time" content="2025-02-13T18:00:00Z">
<meta name="author" content="Pat Reporter">
<link rel="canonical" href="https://herald.example/budget">
<script>var tracking = "ignore me";</script></head>
<body><nav><p>Home | News</p></nav><article><h1>Council votes</h1>
<p>The council voted on the budget.</p><p>It passed.</p></article></body></html>"""


def test_seed_text_format(seeds_copy):
    path = sorted(seeds_copy.iterdir())[1]
    (record,) = records(path)
    assert record.fields["date"] == "2025-02-10"
    assert record.fields["body"].startswith("By Ted Hesson")
    assert record.where is None
    assert record.path == str(path)


def test_text_without_header_is_read_undated_and_binary_is_refused(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("Just a clipping about the harbour.\n", encoding="utf-8")
    (record,) = records(plain)
    assert record.fields["_missing_date"] is True
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\x00\x01\x02binary")
    assert errors_of(records(junk)) == [f"{junk}: binary data (NUL bytes), not text"]
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert errors_of(records(empty)) == [f"{empty}: empty file"]


def test_jsonl_good_and_malformed_lines(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"id": "1", "title": "One", "body": "First."}\n'
        "\n"
        '{"id": "2", "title": "Two" \n'
        "[1, 2]\n"
        '{"id": "3", "title": "Three", "text": "Third."}\n',
        encoding="utf-8",
    )
    items = records(path)
    assert [r.fields["id"] for r in good_of(items)] == ["1", "3"]
    assert [r.where for r in good_of(items)] == ["line 1", "line 5"]
    assert errors_of(items) == [
        f"{path}: line 3: invalid JSON: Expecting ',' delimiter at column 27",
        f"{path}: line 4: expected a JSON object, got list",
    ]


def test_jsonl_gzip_truncated_keeps_the_lines_before(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    lines = "".join(
        json.dumps({"id": str(i), "title": f"T{i}", "body": "x " * 50}) + "\n" for i in range(200)
    )
    data = gzip.compress(lines.encode())
    path.write_bytes(data[: len(data) // 2])
    items = records(path)
    good = good_of(items)
    assert 0 < len(good) < 200
    assert [r.fields["id"] for r in good] == [str(i) for i in range(len(good))]
    (error,) = errors_of(items)
    assert error.startswith(f"{path}: after line {len(good)}: file cut short")


def test_json_array(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(
        '[{"title": "A", "body": "a"}, "oops", {"title": "B", "body": "b"}]', encoding="utf-8"
    )
    items = records(path)
    assert [r.where for r in good_of(items)] == ["item 1", "item 3"]
    assert errors_of(items) == [f"{path}: item 2: expected a JSON object, got str"]


def test_csv_good_and_malformed(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        "id,title,content,published,outlet,url,authors\n"
        '1,One,"First body, with comma",2025-02-10,Reuters,https://x.example/1,Ann\n'
        "2,Two,only three\n"
        '3,Three,"Multi\nline body",Feb 11 2025,AP,,\n',
        encoding="utf-8",
    )
    items = records(path)
    assert [r.fields["id"] for r in good_of(items)] == ["1", "3"]
    assert [r.where for r in good_of(items)] == ["record 1 (line 2)", "record 3 (line 4)"]
    assert errors_of(items) == [f"{path}: record 2 (line 3): expected 7 fields, found 3"]


def test_csv_long_field_and_latin1_bytes(tmp_path):
    path = tmp_path / "b.csv"
    long_body = "word " * 40_000  # 200,000 characters: over the csv module's default cap
    path.write_bytes(
        (f'title,body\nLong,"{long_body}"\n').encode() + "Caf\u00e9,ok\n".encode("cp1252")
    )
    items = records(path)
    assert errors_of(items) == []
    assert [r.fields["title"] for r in items] == ["Long", "Caf\u00e9"]


def test_rss_and_atom(tmp_path):
    rss, atom = tmp_path / "a.rss", tmp_path / "b.atom"
    rss.write_text(RSS, encoding="utf-8")
    atom.write_text(ATOM, encoding="utf-8")
    rss_items = records(rss)
    assert [r.fields["source"] for r in rss_items] == ["The Daily Bugle", "Reuters"]
    assert rss_items[0].fields["body"] == "The bridge reopened today."
    assert rss_items[0].where == "item 1"
    (entry,) = records(atom)
    assert entry.fields["author"] == ["Ann Writer"]
    assert entry.fields["body"] == "Ships arrived.\n\nMore ships."
    assert entry.fields["id"] == "urn:atom:1"


def test_broken_feed_is_one_error(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text("<rss><channel><title>x</title>", encoding="utf-8")
    (error,) = errors_of(records(path))
    assert error.startswith(f"{path}: ")
    assert "no items" in error or "not a valid feed" in error


def test_html_page(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    (record,) = records(path)
    assert record.fields["title"] == "Council votes on budget"
    assert record.fields["body"] == "The council voted on the budget.\n\nIt passed."
    assert record.fields["source"] == "City Herald"
    assert record.fields["url"] == "https://herald.example/budget"
    assert record.fields["author"] == "Pat Reporter"


def test_a_page_whose_whole_text_looks_like_a_file_name_is_read_without_a_warning(tmp_path):
    """Beautiful Soup warns when markup "looks like a file name"; a page is never one, and the
    suite turns warnings into errors, so a warning here would fail this test."""
    path = tmp_path / "stub.html"
    path.write_text(".XML", encoding="utf-8")
    (record,) = records(path)
    assert record.fields["body"] == ".XML"


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("x.jsonl.gz", gzip.compress(b'{"a": 1}\n', mtime=0), "jsonl"),
        ("noext", b" date 2025-01-01 text", "text"),
        ("noext2", b'{"title": "x"}', "jsonl"),
        ("feed", RSS.encode(), "feed"),
        ("page", b"<!DOCTYPE html><html></html>", "html"),
        ("mystery.bin", b"\x89PNG....", None),
    ],
)
def test_detect_format(tmp_path, name, content, fmt):
    path = tmp_path / name
    path.write_bytes(content)
    assert detect_format(InputFile(path)) == fmt


def test_folders_are_walked_in_order_skipping_hidden_and_unknown(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text(" date 2025-01-02 two", encoding="utf-8")
    (tmp_path / "1.jsonl").write_text('{"title": "one", "body": "1"}\n', encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    items = list(iter_input_files([tmp_path]))
    found = [str(f.path.relative_to(tmp_path)) for f in items if isinstance(f, InputFile)]
    assert found == ["1.jsonl", "b/2.txt"]
    skipped = [str(s) for s in items if isinstance(s, Skipped)]  # hidden files: not even that
    assert skipped == [f"{tmp_path / 'photo.jpg'}: skipped: not an article format (.jpg)"]
    (missing,) = list(iter_input_files([tmp_path / "nope"]))
    assert str(missing) == f"{tmp_path / 'nope'}: no such file or folder"


def test_mixed_folder_indexes_every_good_record_and_reports_each_bad_one(tmp_path):
    data = tmp_path / "in"
    data.mkdir()
    (data / "a.jsonl").write_text(
        '{"id": "j1", "title": "Harbour opens", "body": "The harbour opened.", "date": "2025-02"}\n'
        "not json\n"
        '{"id": "j2", "title": "Harbour closes", "body": "The harbour closed.", "date": "2025"}\n',
        encoding="utf-8",
    )
    (data / "b.csv").write_text(
        "id,title,body\nc1,Harbour fee,Fees rose at the harbour.\nc2,broken\n", encoding="utf-8"
    )
    (data / "c.rss").write_text(RSS, encoding="utf-8")
    (data / "d.html").write_text(HTML, encoding="utf-8")
    problems: list[str] = []
    report = update_index(tmp_path / "index", [data], on_problem=problems.append)
    assert report.added == 6
    assert report.rejected == 2
    assert problems == [
        f"{data / 'a.jsonl'}: line 2: invalid JSON: Expecting value at column 1",
        f"{data / 'b.csv'}: record 2 (line 3): expected 3 fields, found 2",
    ]
    with open_archive(tmp_path / "index") as engine:
        results = run_search(engine, SearchRequest("harbour"))
        assert {h.id for h in results.hits} == {"j1", "j2", "c1"}
        assert run_search(engine, SearchRequest('source:"city herald"')).total == 1
