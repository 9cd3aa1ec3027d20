"""One pass of ``morgue fetch``: every feed, then every article page its items link to, each
asked for politely and conditionally (``client``), every response written to a new web archive
file, and that file indexed through the normal incremental path (``update_index``), so only new
and changed articles are written and the archive can always be rebuilt from the WARC files.

A feed that answers 304 has not changed: the links it gave last time (kept in the state file)
are asked for again, conditionally, since a page can change while its feed does not. A page that
answers 304 is written to the archive as such and not read again. A feed item whose page robots.txt
forbids is indexed from the feed itself (its summary is all the site lets us keep): the web
archive reader reads a feed's items only where the file holds no answer for their page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from search.fetch.client import USER_AGENT, Disallowed, FetchError, PoliteClient, Response
from search.fetch.state import FetchState
from search.indexer import update_index
from search.ingest.feed import feed_items
from search.reports import counted

# Not kept with a body that urllib3 has already decoded, or whose length it changed.
_DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass
class PassReport:
    feeds: int = 0
    pages: int = 0  # page URLs asked for
    fetched: int = 0  # 200 answers
    not_modified: int = 0  # 304 answers
    failed: int = 0
    robots: int = 0  # skipped: robots.txt forbids them
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    warc: Path | None = None

    def summary(self) -> str:
        return (
            f"{counted(self.feeds, 'feed')} and {counted(self.pages, 'page')} asked: "
            f"{self.fetched:,} fetched, "
            f"{self.not_modified:,} not modified (304), {self.failed:,} failed, "
            f"{self.robots:,} skipped by robots.txt; {self.new:,} new articles, "
            f"{self.changed:,} changed"
        )


class _Archive:
    """The pass's WARC file: a request and a response record for every answer."""

    def __init__(self, path: Path) -> None:
        from warcio.warcwriter import WARCWriter

        self.path = path
        self.answered: set[str] = set()  # the addresses answered in this file
        self._out = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._writer = WARCWriter(self._out, gzip=True)
        info = {"software": USER_AGENT, "format": "WARC File Format 1.0", "robots": "obey"}
        self._writer.write_record(self._writer.create_warcinfo_record(path.name, info))

    def write(self, asked: str, response: Response, answer: bool = True) -> None:
        from warcio.statusandheaders import StatusAndHeaders

        self.answered.update((asked, response.url))
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        path, host = urlsplit_path(asked), urlsplit(asked).netloc
        request = StatusAndHeaders(
            f"GET {path} HTTP/1.1",
            [("Host", host), *response.request_headers],
            is_http_request=True,
        )
        writer = self._writer
        headers = [(k, v) for k, v in response.headers if k.lower() not in _DROPPED_HEADERS]
        headers.append(("Content-Length", str(len(response.body))))
        status = StatusAndHeaders(
            f"{response.status} {response.reason}".strip(), headers, protocol="HTTP/1.1"
        )
        record = writer.create_warc_record(
            response.url,
            "response",
            payload=io.BytesIO(response.body),
            length=len(response.body),
            http_headers=status,
            warc_headers_dict={"WARC-Date": now},
        )
        linked = {"WARC-Date": now}
        if answer:
            linked["WARC-Concurrent-To"] = record.rec_headers.get_header("WARC-Record-ID")
        writer.write_record(
            writer.create_warc_record(
                asked,
                "request",
                payload=io.BytesIO(b""),
                length=0,
                http_headers=request,
                warc_headers_dict=linked,
            )
        )
        if answer:
            writer.write_record(record)

    def close(self) -> None:
        self._out.close()


def urlsplit_path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def fetch_pass(
    feeds: list[str],
    index_dir: Path,
    warc_dir: Path,
    client: PoliteClient,
    on_problem=None,
) -> PassReport:
    report = PassReport()

    def problem(message: str) -> None:
        report.problems.append(message)
        if on_problem:
            on_problem(message)

    warc_dir.mkdir(parents=True, exist_ok=True)
    client.new_pass()
    state = FetchState(warc_dir)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")
    archive = _Archive(warc_dir / f"morgue-{stamp}.warc.gz")
    try:
        try:
            links: list[str] = []
            for feed in feeds:
                report.feeds += 1
                links.extend(_read_feed(feed, client, state, archive, report, problem))
            for url in dict.fromkeys(links):
                report.pages += 1
                _ask(url, client, state, archive, report, problem)
        finally:
            archive.close()
        report.warc = archive.path
        indexed = update_index(index_dir, [archive.path], on_problem=problem)
        report.new, report.changed = indexed.added, indexed.updated
        report.unchanged = indexed.unchanged
        # Only now are the validators kept: a pass interrupted before its pages were indexed
        # must not have the next one told "304, you have it".
        state.commit()
    finally:
        state.close()
    return report


def _ask(url, client, state, archive, report, problem) -> tuple[Response | None, str]:
    """The answer to a conditional GET (written to the archive), or None with the reason."""
    etag, modified = state.validators(url)
    try:
        try:
            got = client.get(url, etag, modified)
        finally:  # robots.txt and redirects on the way: archived too
            for asked, answer in client.answers:
                archive.write(asked, answer)
            client.answers.clear()
    except Disallowed:
        report.robots += 1
        problem(f"{url}: skipped: robots.txt forbids it")
        return None, "robots.txt forbids it"
    except FetchError as exc:
        report.failed += 1
        problem(f"{url}: failed: {exc}")
        return None, str(exc)
    if got.url != url and got.url in archive.answered:  # moved to a page of this pass:
        archive.write(url, got, answer=False)  # the question alone, its answer is there
        if got.status == 200:
            state.remember(url, got.header("ETag"), got.header("Last-Modified"))
        return got, "moved to a page answered already"
    archive.write(url, got)
    if got.status == 304:
        report.not_modified += 1
    elif got.status == 200:
        report.fetched += 1
        state.remember(url, got.header("ETag"), got.header("Last-Modified"))
    else:
        report.failed += 1
        problem(f"{url}: failed: HTTP {got.status} {got.reason}".rstrip())
    return got, f"HTTP {got.status}"


def _read_feed(feed, client, state, archive, report, problem) -> list[str]:
    """The page links of a feed: this pass's, or the last ones it gave when it is unchanged
    (304) or failing (its pages are still looked after). A failure is counted against the feed
    and reported, with how many passes in a row it has failed."""
    got, reason = _ask(feed, client, state, archive, report, problem)
    if got is not None and got.status == 304:
        state.feed_worked(feed)
        return state.links(feed)
    if got is not None and got.status == 200:
        try:
            links = [f["url"] for f, _n in feed_items(got.body, empty_ok=True) if f.get("url")]
        except ValueError as exc:
            reason = str(exc)
            state.forget(feed)  # asked again in full next time, not answered 304
            report.fetched -= 1  # an answer, but not a feed
            report.failed += 1
            problem(f"{feed}: failed: {reason}")
        else:
            state.feed_worked(feed)
            state.set_links(feed, links)
            return links
    failures = state.feed_failed(feed, reason)
    if failures > 1:
        problem(f"{feed}: has failed {failures} passes in a row (last: {reason})")
    return state.links(feed)
