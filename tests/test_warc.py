"""Web archives in: WARC files written by warcio itself (as crawlers write them), holding article
pages with a site's clutter around them, and everything else a crawl captures (a section front,
an image, robots.txt, an error page, a revisit, the crawler's requests, a feed). One article per
article page, with the right title, date and outlet, the text without the page's menus; every
other record skipped with its reason; a damaged record costs that record only."""

from __future__ import annotations

import gzip
import io
import json

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from search.archive import open_archive, read_meta
from search.indexer import update_index
from search.ingest import InputFile, detect_format, read_records
from search.ingest.base import RawRecord, Skipped
from search.searching import run_search
from search.types import SearchRequest
from tests.pages import CLUTTER_WORDS, Story, div_soup, index_page, jsonld_only, semantic

pytestmark = pytest.mark.usefixtures("engine_name")

STRIKE = Story(
    title="Harbour strike halts grain exports",
    paragraphs=(
        "Dock workers at the northern harbour walked out on Monday, halting grain exports "
        "for the first time in a decade, the port authority said.",
        "The union said the strike over pay and night shifts would last at least a week, and "
        "exporters said a dozen ships were waiting offshore to load wheat and barley.",
        "Wheat futures rose two percent in Chicago on the news, traders said.",
    ),
    author="Ana Lima",
    published="2024-03-04",
    site="Harbour Times",
    url="https://harbourtimes.example/2024/03/04/strike",
)
COUNCIL = Story(
    title="Council approves new tram line",
    paragraphs=(
        "The city council approved a new tram line across the river on Tuesday after a "
        "debate that lasted until midnight, with twenty votes in favour and eleven against.",
        "Construction of the twelve stops is to begin next spring and end in three years, "
        "the transport office said, at a cost the opposition called reckless.",
    ),
    author="Bo Chen",
    published="2024-03-05",
    site="City Herald",
    url="https://cityherald.example/news/tram",
)
UNDATED = Story(
    title="Museum reopens its glass gallery",
    paragraphs=(
        "The museum reopened its glass gallery after two years of repairs, showing three "
        "hundred pieces from the old factories of the valley, most of them never shown before.",
        "Visitors queued along the river bank from early morning, the director said, and the "
        "gallery will stay open late on Thursdays until the end of the summer.",
    ),
    author="Cy Diaz",
    published="",
    site="",
    url="https://valleypost.example/culture/glass",
)
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Times</title>
<item><title>{title}</title><link>{url}</link><description>Short summary.</description>
<pubDate>Mon, 04 Mar 2024 08:00:00 GMT</pubDate></item>
<item><title>Ferry timetable changes</title><link>https://harbourtimes.example/ferry</link>
<description>The ferry to the islands leaves an hour earlier from April, the operator said, so
that morning commuters reach the mainland before the first trains.</description>
<pubDate>Tue, 05 Mar 2024 08:00:00 GMT</pubDate></item></channel></rss>"""


def _undated_page(story: Story) -> str:
    """A page with no date and no site name anywhere: the capture gives both."""
    text = "".join(f"<p>{p}</p>" for p in story.paragraphs)
    return (
        f"<html><head><title>{story.title}</title></head><body><nav><a href='/'>Home "
        f"{CLUTTER_WORDS['menu']}</a></nav><article><h1>{story.title}</h1>{text}</article>"
        "</body></html>"
    )


def _response(writer, uri, body: bytes, content_type="text/html; charset=utf-8", status="200 OK"):
    headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        uri,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=headers,
        warc_headers_dict={"WARC-Date": "2024-03-06T09:30:00Z"},
    )
    writer.write_record(record)


def write_crawl(path, gzipped: bool = True) -> None:
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gzipped)
        request = StatusAndHeaders("GET /strike HTTP/1.1", [], is_http_request=True)
        writer.write_record(
            writer.create_warc_record(
                STRIKE.url, "request", payload=io.BytesIO(b""), length=0, http_headers=request
            )
        )
        _response(writer, STRIKE.url, semantic(STRIKE).encode())
        _response(writer, COUNCIL.url, jsonld_only(COUNCIL).encode())
        _response(writer, UNDATED.url, _undated_page(UNDATED).encode())
        _response(
            writer, "https://harbourtimes.example/", index_page("Harbour Times", [STRIKE]).encode()
        )
        _response(writer, "https://harbourtimes.example/logo.png", b"\x89PNG....", "image/png")
        _response(writer, "https://harbourtimes.example/robots.txt", b"User-agent: *", "text/plain")
        _response(
            writer,
            "https://harbourtimes.example/gone",
            b"<html>gone</html>",
            status="404 Not Found",
        )
        feed = FEED.format(title=STRIKE.title, url=STRIKE.url).encode()
        _response(writer, "https://harbourtimes.example/feed.xml", feed, "application/rss+xml")
        revisit = writer.create_revisit_record(
            STRIKE.url,
            digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            refers_to_uri=STRIKE.url,
            refers_to_date="2024-03-06T09:30:00Z",
            http_headers=StatusAndHeaders("200 OK", [], protocol="HTTP/1.1"),
        )
        writer.write_record(revisit)


def search_ids(index, query: str) -> set[str]:
    with open_archive(index) as engine:
        found = run_search(engine, SearchRequest(query=query, page_size=50, mode="any"))
    return {hit.id for hit in found.hits}


def articles(index) -> dict[str, object]:
    with open_archive(index) as engine:
        return {a.url: a for a in engine.iter_articles()}


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_a_crawl_gives_one_article_per_article_page(tmp_path, engine_name, name):
    path = tmp_path / name
    write_crawl(path, gzipped=name.endswith(".gz"))
    skipped: list[str] = []
    report = update_index(tmp_path / "index", [path], on_skip=skipped.append)
    assert read_meta(tmp_path / "index")["engine"] == engine_name
    assert report.rejected == 0, report.problems
    # three pages and the feed item whose page was not captured
    assert report.added == 4
    by_url = articles(tmp_path / "index")
    assert set(by_url) == {
        STRIKE.url,
        COUNCIL.url,
        UNDATED.url,
        "https://harbourtimes.example/ferry",
    }
    strike, council, undated = by_url[STRIKE.url], by_url[COUNCIL.url], by_url[UNDATED.url]
    assert (strike.title, strike.source, strike.author) == (
        STRIKE.title,
        "Harbour Times",
        "Ana Lima",
    )
    assert strike.published.date().isoformat() == "2024-03-04"
    assert (council.title, council.source) == (COUNCIL.title, "City Herald")  # JSON-LD only
    assert council.published.date().isoformat() == "2024-03-05"
    assert council.author == "Bo Chen"
    # nothing on the page but its text: the capture's address and day stand in
    assert undated.source == "valleypost.example"
    assert undated.published.date().isoformat() == "2024-03-06"
    assert strike.body.startswith("Dock workers at the northern harbour")
    # every record without an article is named with its reason and place
    reasons = "\n".join(skipped)
    assert report.skipped_records == len(skipped) == 6
    for expected in (
        "no article on the page",
        "not a page (image/png)",
        "not a page (text/plain)",
        "HTTP status 404",
        "a revisit",
        "a feed item whose page the archive holds",
    ):
        assert expected in reasons, reasons
    assert f"{path}: record 2 (offset " in reasons or f"{path}: record " in reasons
    assert "without an article skipped" in report.summary()


def test_words_of_the_menus_and_clutter_find_nothing(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_crawl(path)
    update_index(tmp_path / "index", [path])
    for word in CLUTTER_WORDS.values():
        assert search_ids(tmp_path / "index", word) == set(), word
    assert len(search_ids(tmp_path / "index", "harbour")) >= 1


def test_a_damaged_record_is_one_error_and_the_rest_is_read(tmp_path):
    good = tmp_path / "good.warc.gz"
    write_crawl(good)
    data = bytearray(good.read_bytes())
    # the third gzip member (the strike page's response is the second record): damage its
    # compressed bytes in the middle
    starts = [i for i in range(len(data) - 2) if data[i : i + 3] == b"\x1f\x8b\x08"]
    assert len(starts) >= 10
    middle = (starts[2] + starts[3]) // 2
    data[middle : middle + 40] = b"\x00" * 40
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(bytes(data))
    report = update_index(tmp_path / "index", [bad])
    assert report.rejected == 1
    (message,) = report.problems
    assert message.startswith(f"{bad}: record 3 (offset {starts[2]}): unreadable: ")
    assert "\n" not in message
    by_url = articles(tmp_path / "index")
    assert STRIKE.url in by_url
    assert UNDATED.url in by_url
    assert COUNCIL.url not in by_url  # the damaged record, and only it


def test_a_changed_byte_in_an_uncompressed_archive_is_caught_by_its_digest(tmp_path):
    path = tmp_path / "crawl.warc"
    write_crawl(path, gzipped=False)
    data = path.read_bytes()
    at = data.index(b"Dock workers at the northern harbour")
    path.write_bytes(data[:at] + b"Rock" + data[at + 4 :])
    report = update_index(tmp_path / "index", [path])
    assert report.rejected == 1
    assert report.problems[0].startswith(f"{path}: record 2 (offset ")
    assert "damaged: " in report.problems[0]
    assert "digest failed" in report.problems[0]
    assert search_ids(tmp_path / "index", "rock") == set()
    assert report.added == 3  # every other page, and the feed item


def test_a_truncated_archive_keeps_every_whole_record(tmp_path):
    good = tmp_path / "good.warc.gz"
    write_crawl(good)
    data = good.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) - 150])  # into the last record (the revisit)
    report = update_index(tmp_path / "index", [cut])
    assert report.added == 4
    assert report.rejected == 1
    assert "unreadable" in report.problems[0]


def test_a_second_run_reads_nothing_again(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_crawl(path)
    update_index(tmp_path / "index", [path])
    again = update_index(tmp_path / "index", [path])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)


def test_warc_is_found_by_name_and_by_its_first_bytes(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_crawl(path)
    assert detect_format(InputFile(path)) == "warc"
    unnamed = tmp_path / "capture.bin"
    write_crawl(unnamed, gzipped=False)
    assert detect_format(InputFile(unnamed)) == "warc"
    records = list(read_records(InputFile(unnamed)))
    assert sum(isinstance(r, RawRecord) for r in records) == 4
    assert all(isinstance(r, RawRecord | Skipped) for r in records)


def test_an_arc_file_is_read_too(tmp_path):
    """The Internet Archive's older format: a text header line before each record."""
    page = semantic(STRIKE).encode()
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + page
    header_body = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    filedesc = b"filedesc://test.arc 0.0.0.0 20240306093000 text/plain %d\n" % len(header_body)
    record = b"%s 10.0.0.1 20240306093000 text/html %d\n" % (STRIKE.url.encode(), len(http))
    path = tmp_path / "old.arc.gz"  # as archives store them: one gzip member a record
    path.write_bytes(
        gzip.compress(filedesc + header_body + b"\n") + gzip.compress(record + http + b"\n")
    )
    report = update_index(tmp_path / "index", [path])
    assert report.added == 1, report.problems
    (article,) = articles(tmp_path / "index").values()
    assert article.title == STRIKE.title


def test_morgue_reindex_reads_a_warc_and_lists_skips_on_request(tmp_path, capsys):
    from search.cli import ExitStatus, run
    from webui.cli import cli

    path = tmp_path / "crawl.warc.gz"
    write_crawl(path)
    status = run(cli, ["reindex", str(path), "--index", str(tmp_path / "i"), "--verbose"])
    out = capsys.readouterr()
    assert status == ExitStatus.OK
    assert "4 added" in out.out
    assert "6 records without an article skipped" in out.out
    assert f"{path}: record 6 (offset " in out.err
    assert "not a page (image/png)" in out.err
    status = run(cli, ["search", "tram", "--json", "--index", str(tmp_path / "i")])
    found = json.loads(capsys.readouterr().out)
    assert [h["url"] for h in found["hits"]] == [COUNCIL.url]


def test_div_soup_page_in_an_archive(tmp_path):
    path = tmp_path / "one.warc.gz"
    with open(path, "wb") as out:
        _response(WARCWriter(out, gzip=True), STRIKE.url, div_soup(STRIKE).encode())
    update_index(tmp_path / "index", [path])
    (article,) = articles(tmp_path / "index").values()
    assert "commentword" not in article.body
    assert "cookieword" not in article.body
    assert article.body.count("Dock workers") == 1


def test_every_article_says_where_it_came_from_and_how_it_was_made(tmp_path, engine_name):
    from webui import create_app

    path = tmp_path / "crawl.warc.gz"
    write_crawl(path)
    (tmp_path / "more").mkdir()
    lines = tmp_path / "more" / "wire.jsonl"
    lines.write_text(
        json.dumps({"id": "w1", "title": "Wire item", "body": "Grain.", "date": "2024-03-01"})
        + "\n"
    )
    update_index(tmp_path / "index", [path, lines])
    by_url = articles(tmp_path / "index")
    strike = dict(by_url[STRIKE.url].provenance)
    assert strike["read from"].startswith(f"{path}: record 2 (offset ")
    assert strike["extractor"].startswith("trafilatura ")
    assert strike["date from"] == "page metadata"
    assert strike["read at"][:4] == "20" + strike["read at"][2:4]
    assert dict(by_url[UNDATED.url].provenance)["date from"] == (
        "capture date (not the publication's)"
    )
    ferry = dict(by_url["https://harbourtimes.example/ferry"].provenance)
    assert (ferry["extractor"], ferry["date from"]) == ("feedparser", "feed")
    assert ferry["read from"].startswith(f"{path}: record 9 (offset ")
    assert ferry["read from"].endswith(", item 2")
    with open_archive(tmp_path / "index") as engine:
        wire = dict(engine.get("w1").provenance)
    assert wire["read from"] == f"{lines}: line 1"
    assert wire["date from"] == "the record's date field"

    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": tmp_path / "instance",
            "MORGUE_OVERRIDES": {"index_dir": tmp_path / "index", "db": tmp_path / "s.sqlite3"},
        }
    )
    try:
        client = app.test_client()
        article_id = by_url[STRIKE.url].id
        shown = client.get("/api/articles/" + article_id).get_json()
        assert shown["provenance"]["date_from"] == "page metadata"
        assert shown["provenance"]["read_from"] == strike["read from"]
        page = client.get("/article/" + article_id).get_data(as_text=True)
        assert "Where this came from" in page
        assert f"{path}: record 2 (offset" in page
    finally:
        app.extensions["morgue_engine"].close()


def test_a_section_front_with_many_headlines_is_no_article(tmp_path):
    stories = [
        Story(
            title=f"Long headline number {n} about the harbour strike and the grain trade",
            paragraphs=(f"Teaser {n}.",),
            author="",
            published="",
            site="",
            url=f"https://harbourtimes.example/news/{n}",
        )
        for n in range(12)
    ]
    path = tmp_path / "front.warc.gz"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        _response(
            writer, "https://harbourtimes.example/world", index_page("Times", stories).encode()
        )
        _response(writer, STRIKE.url, semantic(STRIKE).encode())
    skipped: list[str] = []
    report = update_index(tmp_path / "index", [path], on_skip=skipped.append)
    assert report.added == 1
    assert any("a page of links (a section front)" in s for s in skipped), skipped


def test_a_page_saved_apart_from_its_capture_ends_as_one_run_would_keep_it(tmp_path):
    """The same page captured in a web archive and saved by hand with an added paragraph, read
    run after run in every order: once both are read together, the archive holds what a first
    run over both holds (the first read under the URL, the other as its version), and the runs
    after it change nothing."""
    crawl = tmp_path / "crawl.warc.gz"
    write_crawl(crawl)
    pages = tmp_path / "pages"
    pages.mkdir()
    longer = Story(
        **{**STRIKE.__dict__, "paragraphs": (*STRIKE.paragraphs, "Talks resume Friday.")}
    )
    (pages / "strike.html").write_text(semantic(longer))
    index = tmp_path / "index"
    update_index(index, [crawl])
    assert update_index(index, [pages]).updated == 1  # a later run brings another version
    both = update_index(index, [crawl, pages])
    assert (both.updated, both.added, both.versions, both.duplicates) == (1, 1, 1, 0)
    again = update_index(index, [crawl, pages])
    assert (again.added, again.updated, again.duplicates) == (0, 0, 0)
    fresh = tmp_path / "fresh"
    update_index(fresh, [crawl, pages])
    with open_archive(index) as engine, open_archive(fresh) as reference:
        held = sorted((a.id, a.body) for a in engine.iter_articles())
        assert held == sorted((a.id, a.body) for a in reference.iter_articles())
    assert [a_id for a_id, _ in held].count(STRIKE.url) == 1
    assert any(a_id.startswith(STRIKE.url + "#") for a_id, _ in held)
