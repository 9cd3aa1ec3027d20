"""``morgue fetch`` against a news site on loopback: feeds, article pages with ETag and
Last-Modified, a redirect, a 404, a 500, a page slower than the timeout, and robots.txt rules.
Two passes: the second asks conditionally and indexes only what changed; every answer is in
the web archive files, from which a rebuild gives the same archive."""

from __future__ import annotations

import contextlib
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from search.archive import open_archive, read_meta
from search.fetch.client import PoliteClient
from search.fetch.crawl import fetch_pass
from search.indexer import update_index
from tests.pages import Story, semantic

pytestmark = pytest.mark.usefixtures("engine_name")


def story(n: int, words: str) -> Story:
    return Story(
        title=f"Harbour report number {n}",
        paragraphs=(
            f"Dock workers at the northern harbour {words} on Monday, the port authority said "
            "in a statement read out to reporters at the gate.",
            "The union said talks over pay and night shifts would go on through the week, and "
            "exporters said a dozen ships were waiting offshore to load wheat and barley.",
        ),
        author="Ana Lima",
        published=f"2024-03-0{n}",
        site="Harbour Times",
        url="",  # set by the site
    )


class Site:
    """What the server serves, changed by the tests between passes; and every request."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str, str]] = {}  # path -> body, content type, etag
        self.requests: list[tuple[str, dict, float]] = []
        self.broken_feed = False

    def page(self, path: str, body: str, kind: str = "text/html; charset=utf-8") -> None:
        self.pages[path] = (body.encode(), kind, f'"{abs(hash(body))}"')


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):  # noqa: N802 - the stdlib's name
            site.requests.append((self.path, dict(self.headers), time.monotonic()))
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer()  # (the client gives up on the slow page)

        def _answer(self):
            if self.path == "/slow":
                time.sleep(2.0)
            if self.path == "/broken-feed.xml" or self.path == "/error":
                self.send_response(500)
                self.end_headers()
                return
            if self.path == "/moved":
                self.send_response(301)
                self.send_header("Location", "/news/1")
                self.end_headers()
                return
            found = site.pages.get(self.path)
            if found is None:
                self.send_response(404)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"not here")
                return
            body, kind, etag = found
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", formatdate(usegmt=True))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture
def site():
    state = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    state.base = base
    state.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    for n, words in ((1, "walked out"), (2, "voted to strike"), (3, "went back to work")):
        s = story(n, words)
        state.page(f"/news/{n}", semantic(Story(**{**s.__dict__, "url": f"{base}/news/{n}"})))
    private = story(4, "met in secret")
    state.page("/private/4", semantic(Story(**{**private.__dict__, "url": f"{base}/private/4"})))
    items = "".join(
        f"<item><title>Item {p}</title><link>{base}{p}</link><description>Summary of {p}, "
        "which the site keeps behind its robots.txt rules for crawlers of every kind, and "
        "which a reader may still see in the feed itself.</description></item>"
        for p in ("/news/1", "/news/2", "/moved", "/missing", "/error", "/slow", "/private/4")
    )
    state.page(
        "/feed.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Times</title>'
        f"{items}</channel></rss>",
        "application/rss+xml",
    )
    yield state
    server.shutdown()
    server.server_close()


def fetch(site, tmp_path, *feeds, delay=0.05):
    client = PoliteClient(delay=delay, timeout=1.0)
    problems: list[str] = []
    report = fetch_pass(
        [site.base + f for f in feeds],
        tmp_path / "index",
        tmp_path / "warcs",
        client,
        problems.append,
    )
    return report, problems


def warc_answers(folder: Path) -> list[tuple[str, str]]:
    found = []
    for path in sorted(folder.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    found.append((uri, record.http_headers.get_statuscode()))
    return found


def test_two_passes_fetch_only_what_changed(site, tmp_path, engine_name):
    first, problems = fetch(site, tmp_path, "/feed.xml")
    assert read_meta(tmp_path / "index")["engine"] == engine_name
    # the feed, /news/1, /news/2, /moved (-> /news/1 again), /missing, /error, /slow, /private/4
    assert first.feeds == 1
    assert first.pages == 7
    assert (first.fetched, first.not_modified, first.robots) == (3, 0, 1)  # /moved: /news/1
    assert first.failed == 3  # 404, 500, the timeout
    text = "\n".join(problems)
    assert f"{site.base}/missing: failed: HTTP 404" in text
    assert f"{site.base}/error: failed: HTTP 500" in text
    assert f"{site.base}/slow: failed: timed out" in text
    assert f"{site.base}/private/4: skipped: robots.txt forbids it" in text
    assert not any(p == "/private/4" for p, _h, _t in site.requests)
    # two pages, and the feed items of the pages we could not have: forbidden (all the site
    # lets us keep) and timed out (until a later pass gets the page)
    assert first.new == 4
    with open_archive(tmp_path / "index") as engine:
        titles = sorted(a.title for a in engine.iter_articles())
    assert titles == [
        "Harbour report number 1",
        "Harbour report number 2",
        "Item /private/4",
        "Item /slow",
    ]

    site.requests.clear()
    second, _ = fetch(site, tmp_path, "/feed.xml")
    assert second.not_modified == 3  # the feed, /news/1, /news/2 (/moved leads to /news/1)
    assert (second.fetched, second.new, second.changed) == (0, 0, 0)
    conditional = {p for p, h, _t in site.requests if h.get("If-None-Match")}
    assert {"/feed.xml", "/news/1", "/news/2", "/moved"} <= conditional

    site.page(
        "/news/2",
        semantic(Story(**{**story(2, "ended the strike").__dict__, "url": site.base + "/news/2"})),
    )
    third, _ = fetch(site, tmp_path, "/feed.xml")
    assert (third.fetched, third.changed, third.new) == (1, 1, 0)
    with open_archive(tmp_path / "index") as engine:
        found = {a.url: a for a in engine.iter_articles()}
    assert "ended the strike" in found[site.base + "/news/2"].body

    # every answer of every pass is in the web archive files, and they rebuild the archive
    answers = warc_answers(tmp_path / "warcs")
    assert (f"{site.base}/missing", "404") in answers
    assert (f"{site.base}/error", "500") in answers
    assert answers.count((f"{site.base}/feed.xml", "304")) == 2
    assert len(list((tmp_path / "warcs").glob("*.warc.gz"))) == 3
    rebuilt = update_index(tmp_path / "again", [tmp_path / "warcs"])
    with open_archive(tmp_path / "again") as engine:
        again = sorted((a.id, a.body) for a in engine.iter_articles() if "/news/2" in a.id)
    # both captures of the changed page: the first under its address, the later as its version
    assert rebuilt.versions == 1
    assert [article_id for article_id, _ in again][0] == site.base + "/news/2"
    assert "voted to strike" in again[0][1]
    assert "ended the strike" in again[1][1]


def test_requests_are_polite(site, tmp_path):
    fetch(site, tmp_path, "/feed.xml", delay=0.3)
    times = [t for _p, _h, t in site.requests]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.28  # one at a time, the delay between two
    assert site.requests[0][0] == "/robots.txt"  # asked before anything else
    agents = {h.get("User-Agent") for _p, h, _t in site.requests}
    assert len(agents) == 1
    assert agents.pop().startswith("Morgue/")


def test_a_failing_feed_is_reported_never_fatal(site, tmp_path):
    report, problems = fetch(site, tmp_path, "/broken-feed.xml", "/feed.xml")
    assert report.new == 4  # the good feed's articles
    assert f"{site.base}/broken-feed.xml: failed: HTTP 500 Internal Server Error" in problems
    _again, problems = fetch(site, tmp_path, "/broken-feed.xml", "/feed.xml")
    assert any(
        "broken-feed.xml: has failed 2 passes in a row (last: HTTP 500)" in p for p in problems
    )


def test_morgue_fetch_once_from_the_command_line(site, tmp_path, capsys):
    from search.cli import ExitStatus, run
    from webui.cli import cli

    index = tmp_path / "i"
    args = ["fetch", site.base + "/feed.xml", "--once", "--index", str(index), "--delay", "0.05"]
    status = run(cli, [*args, "--timeout", "1"])
    out = capsys.readouterr()
    assert status == ExitStatus.OK
    assert "4 new articles" in out.out
    assert (tmp_path / "i-warcs").is_dir()
    assert f"{site.base}/missing: failed: HTTP 404" in out.err
    status = run(
        cli,
        [
            "fetch",
            "http://127.0.0.1:9/feed.xml",
            "--once",
            "--index",
            str(tmp_path / "j"),
            "--timeout",
            "1",
        ],
    )
    out = capsys.readouterr()
    assert status == ExitStatus.ERROR
    assert "nothing could be fetched" in out.err
    status = run(cli, ["fetch", "feed.xml", "--once", "--index", str(index)])
    assert status == ExitStatus.USAGE
    assert "is not an http(s) URL" in capsys.readouterr().err


def test_an_interrupted_pass_leaves_the_next_one_to_fetch_everything(site, tmp_path):
    class Interrupting(PoliteClient):
        asked = 0

        def get(self, url, etag=None, modified=None):
            Interrupting.asked += 1
            if Interrupting.asked == 3:  # the feed, /news/1, then Ctrl-C
                raise KeyboardInterrupt
            return super().get(url, etag, modified)

    with pytest.raises(KeyboardInterrupt):
        fetch_pass(
            [site.base + "/feed.xml"],
            tmp_path / "index",
            tmp_path / "warcs",
            Interrupting(delay=0.01, timeout=1.0),
        )
    report, _ = fetch(site, tmp_path, "/feed.xml")
    assert report.not_modified == 0  # nothing was kept as "you have it"
    assert report.new == 4


def test_each_pass_reads_robots_txt_again_and_its_crawl_delay(site, tmp_path):
    client = PoliteClient(delay=0.01, timeout=1.0)
    fetch_pass([site.base + "/feed.xml"], tmp_path / "index", tmp_path / "warcs", client)
    site.page("/robots.txt", "User-agent: *\nDisallow: /news/\nCrawl-delay: 0.3\n", "text/plain")
    site.requests.clear()
    report = fetch_pass([site.base + "/feed.xml"], tmp_path / "index", tmp_path / "warcs", client)
    assert site.requests[0][0] == "/robots.txt"
    assert not any(p.startswith("/news/") for p, _h, _t in site.requests)
    assert report.robots >= 2
    times = [t for _p, _h, t in site.requests]
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.28


def test_a_site_that_cannot_be_reached_is_a_failure_not_a_robots_rule(tmp_path):
    report, problems = fetch(type("S", (), {"base": "http://127.0.0.1:9"})(), tmp_path, "/feed.xml")
    assert (report.failed, report.robots) == (1, 0)
    assert "robots.txt could not be read (connection refused)" in problems[0]


def test_the_archive_holds_robots_txt_the_redirect_and_its_own_description(site, tmp_path):
    fetch(site, tmp_path, "/feed.xml")
    (path,) = (tmp_path / "warcs").glob("*.warc.gz")
    kinds, statuses = [], []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            kinds.append(record.rec_type)
            if record.rec_type == "response":
                uri = record.rec_headers.get_header("WARC-Target-URI")
                statuses.append((uri.removeprefix(site.base), record.http_headers.get_statuscode()))
            if record.rec_type == "request":
                assert record.http_headers.get_header("Host")
    assert kinds[0] == "warcinfo"
    assert ("/robots.txt", "200") in statuses
    assert ("/moved", "301") in statuses


def test_an_undated_page_is_not_dated_by_its_copyright_line():
    from search.ingest.extract import page_fields

    text = " ".join(f"Word{n} of the harbour story." for n in range(20))
    page = (
        f"<html><head><title>Harbour</title></head><body><article><h1>Harbour</h1><p>{text}</p>"
        "</article><footer><p>© 2019 Example Media. All rights reserved.</p></footer></body></html>"
    )
    fields = page_fields(page, url="https://example.com/harbour")
    assert fields["published"] == ""
    assert fields["_date_from"] == "none"


def test_every_is_at_least_a_minute(tmp_path, capsys):
    from search.cli import ExitStatus, run
    from webui.cli import cli

    status = run(
        cli, ["fetch", "http://127.0.0.1:9/f.xml", "--every", "0", "--index", str(tmp_path)]
    )
    assert status == ExitStatus.USAGE
    assert "at least 1m between passes" in capsys.readouterr().err
