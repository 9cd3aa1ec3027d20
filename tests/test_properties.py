"""Property tests: an engine against a dict model, and every reader and the query parser against
arbitrary input (only our own error types may come out, and nothing takes a second)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from search.archive import create_archive, open_archive
from search.errors import IngestError, QuerySyntaxError
from search.ingest import READERS, InputFile, RawRecord, Skipped, Unchanged
from search.normalize import build_article
from search.preparing import document_for
from search.query.modes import build_query
from search.query.parser import parse_query
from search.searching import run_search
from search.types import Article, SearchRequest
from tests.conftest import ENGINES

IDS = [f"a{n}" for n in range(8)]
VERSIONS = st.integers(min_value=0, max_value=3)


def article(article_id: str, version: int) -> Article:
    return Article(
        id=article_id,
        title=f"Story {article_id} v{version}",
        body=f"Token{article_id} appears here, version marker ver{version}x.",
        source="Wire",
        published=datetime(2025, 1, 1 + version, tzinfo=timezone.utc),
        content_hash=f"{article_id}-{version}",
    )


class EngineModel(RuleBasedStateMachine):
    """add / update / delete / commit / reopen / abandon, checked against a dict after each step.

    ``abandon`` is a writer that dies before its commit (its process killed): what it wrote must
    vanish. Real SIGKILLs of a reindex are in test_kill.py; this explores the orderings.
    """

    engine_name = "whoosh"

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="morgue-model-"))
        self.engine = create_archive(self.folder / "index", self.engine_name)
        self.committed: dict[str, int] = {}
        self.pending: dict[str, int | None] = {}  # None: deleted in the open writer
        self.writer = None

    def _writer(self):
        if self.writer is None:
            self.writer = self.engine.writer()
        return self.writer

    def _current(self, article_id: str):
        if article_id in self.pending:
            return self.pending[article_id]
        return self.committed.get(article_id)

    @rule(article_id=st.sampled_from(IDS), version=VERSIONS)
    def write(self, article_id, version):
        if self._current(article_id) is None:
            self._writer().add(document_for(article(article_id, version)))
        else:
            self._writer().update(document_for(article(article_id, version)))
        self.pending[article_id] = version

    @rule(article_id=st.sampled_from(IDS))
    def delete(self, article_id):
        self._writer().delete(article_id)
        self.pending[article_id] = None

    @precondition(lambda self: self.writer is not None)
    @rule()
    def commit(self):
        self.writer.commit()
        for article_id, version in self.pending.items():
            if version is None:
                self.committed.pop(article_id, None)
            else:
                self.committed[article_id] = version
        self.pending.clear()
        if self.engine_name == "whoosh":  # a Whoosh writer ends with its commit
            self.writer = None

    @precondition(lambda self: self.writer is not None)
    @rule()
    def abandon(self):
        self.writer.cancel()
        self.pending.clear()
        self.engine.close()
        self.writer = None
        self.engine = open_archive(self.folder / "index")

    @precondition(lambda self: not self.pending)
    @rule()
    def reopen(self):
        self.engine.close()  # also ends a tantivy writer kept open across commits
        self.writer = None
        self.engine = open_archive(self.folder / "index")

    @invariant()
    def readers_see_exactly_the_committed_articles(self):
        self.engine.refresh()
        expected = {i: f"{i}-{v}" for i, v in self.committed.items()}
        assert self.engine.stored_hashes() == expected
        assert self.engine.stats().articles == len(expected)
        for article_id, version in self.committed.items():
            results = run_search(self.engine, SearchRequest(query=f"token{article_id}"))
            assert [h.id for h in results.hits] == [article_id]
            assert results.hits[0].title == f"Story {article_id} v{version}"

    def teardown(self):
        if self.writer is not None:
            self.writer.cancel()
        self.engine.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_an_engine_behaves_like_a_dict(engine):
    machine = type(f"{engine.title()}Model", (EngineModel,), {"engine_name": engine})
    machine.TestCase.settings = settings(
        max_examples=200,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    machine.TestCase().runTest()


# ------------------------------------------------------------------------------ readers, parser

SAMPLES = {
    "text": b" date 2025-01-02\nHarbour strike.\n\nWorkers walked out.",
    "jsonl": b'{"id": "x", "title": "T", "body": "B", "date": "2025-01-02"}\n',
    "csv": b"id,title,body,date\nx,T,B,2025-01-02\n",
    "feed": b'<?xml version="1.0"?><rss><channel><title>F</title><item><title>T</title>'
    b"<description>B</description></item></channel></rss>",
    "html": b"<html><head><title>T</title></head><body><article><p>B</p></article></body></html>",
    "warc": b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://a.example/x\r\n"
    b"WARC-Date: 2025-01-02T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
    b"Content-Length: 107\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    b"<html><head><title>T</title></head><body><p>B</p></body></html>\r\n\r\n",
}
SUFFIX = {
    **{"text": ".txt", "jsonl": ".jsonl", "csv": ".csv", "feed": ".xml", "html": ".html"},
    "warc": ".warc",
}


def mutations(sample: bytes):
    """Arbitrary bytes, and the sample with bytes flipped, cut or spliced: closer to real damage."""
    return st.one_of(
        st.binary(max_size=2000),
        st.builds(
            lambda cut, junk, at: sample[:at] + junk + sample[at + cut :],
            st.integers(0, 40),
            st.binary(max_size=40),
            st.integers(0, len(sample)),
        ),
        st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )


@pytest.mark.parametrize("kind", sorted(READERS))
def test_readers_yield_records_or_our_errors_only(kind, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"fuzz-{kind}")

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=mutations(SAMPLES[kind]))
    def check(data):
        path = folder / f"input{SUFFIX[kind]}"
        path.write_bytes(data)
        started = time.monotonic()
        for item in READERS[kind](InputFile(path)):
            assert isinstance(item, (RawRecord, IngestError, Unchanged, Skipped)), item
            if isinstance(item, RawRecord):
                # The indexer reports these two as a rejected record, with the reason.
                with contextlib.suppress(ValueError, TypeError):
                    build_article(item.fields)
        assert time.monotonic() - started < 1.0

    check()


@settings(max_examples=2000, deadline=None)
@given(text=st.text(max_size=300))
def test_the_parser_raises_only_query_syntax_errors(text):
    started = time.monotonic()
    for parse in (parse_query, lambda t: parse_query(t, default_or=True), build_query):
        with contextlib.suppress(QuerySyntaxError):
            parse(text)
    assert time.monotonic() - started < 1.0


QUERY_ALPHABET = st.sampled_from(
    ['"', "(", ")", "[", "]", "*", "?", "~", ":", "-", "+", " ", "AND", "OR", "NOT", "TO",
     "title", "source", "date", "author", "oil", "2025-01", "5", "\\", "\x00", "é"]
)  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(parts=st.lists(QUERY_ALPHABET, max_size=40))
def test_the_parser_survives_syntax_soup(parts):
    text = "".join(parts)
    started = time.monotonic()
    with contextlib.suppress(QuerySyntaxError):
        parse_query(text)
    assert time.monotonic() - started < 1.0
