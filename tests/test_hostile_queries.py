"""Hostile queries against the shipped server: each gets a 400 with a reason or a fast 200, never
a 500, within a time limit; the server's memory stays flat over the batch."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.parse

import pytest

from search import phrases
from search.archive import open_archive
from search.engines import whoosh_engine
from search.errors import InvalidRequestError, QuerySyntaxError, QueryTooSlowError
from search.indexer import update_index
from search.searching import run_search
from search.types import MAX_QUERY_CHARS, SearchRequest
from tests.conftest import REUTERS_SLICE, SEEDS
from tests.servers import get, get_json, rss_mb, running_server

pytestmark = pytest.mark.usefixtures("engine_name")

TIME_LIMIT = 10.0  # seconds per request, far above what any of these should take

HOSTILE_QUERIES = {
    "1,000-deep nesting": "(" * 1000 + "oil" + ")" * 1000,
    "33-deep nesting": "(" * 33 + "oil" + ")" * 33,
    "10,000-term OR": " OR ".join(f"w{i}" for i in range(10_000)),
    "5,000 NOTs": " ".join(f"NOT x{i}" for i in range(5_000)),
    "leading wildcard": "*a",
    "wildcards only": "?*?*?*",
    "many wildcards": " OR ".join(f"{a}{b}*" for a in "aeiou" for b in "lnrst"),
    "100 KB query": "oil " * 25_000,
    "regex syntax": "/(a+)+c/",
    "regex as words": "(a+)+c",
    "absurd date range": "date:[0001-01-01 TO 9999-12-31]",
    "impossible date": "date:[2024-13-45 TO 2025]",
    "huge slop": '"oil price"~1000000',
    "unbalanced": '"oil (price',
    "NUL and controls": "oil\x00\x01\x02 price",
    "right-to-left and emoji": "\u202eoil \U0001f600 price",
    "field junk": "nosuchfield:oil",
    "empty phrase": '""',
    "only operators": "AND OR NOT",
}

# Query strings a client library would refuse to build: invalid UTF-8, an encoded surrogate.
HOSTILE_RAW = ["q=oil%20%ED%B3%BF", "q=%FF%FE%00oil", "q=%", "q=oil&q=gas&page=1&page=2"]

HOSTILE_PARAMS = {
    "page 10^9": {"q": "oil", "page": str(10**9)},
    "page -1": {"q": "oil", "page": "-1"},
    "page not a number": {"q": "oil", "page": "ten"},
    "page size 10^6": {"q": "oil", "page_size": str(10**6)},
    "absurd from": {"q": "oil", "from": "99999-01-01"},
    "from after to": {"q": "oil", "from": "1990-01-01", "to": "1980-01-01"},
    "unknown sort": {"q": "oil", "sort": "random()"},
    "unknown mode": {"q": "oil", "mode": "regex"},
    "1,000 sources": {"q": "oil", "source": [f"s{i}" for i in range(1000)]},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"hostile-{engine_name}")
    shutil.copytree(SEEDS, root / "seeds")
    update_index(root / "index", [root / "seeds", REUTERS_SLICE], engine=engine_name)
    with running_server(root, root / "index") as running:
        yield running


def fetch(base: str, path: str, params: dict) -> tuple[int, bytes, float]:
    url = f"{base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
    started = time.monotonic()
    status, body, _ = get(url, timeout=TIME_LIMIT + 5)
    return status, body, time.monotonic() - started


def test_hostile_queries_get_a_reason_or_an_answer_never_a_500(server):
    base, process = server
    for _ in range(3):
        get_json(base + "/api/search?q=oil")
    before = rss_mb(process.pid)
    report = []
    for name, query in [*HOSTILE_QUERIES.items()] * 3:
        for path in ("/api/search", "/search"):
            status, body, seconds = fetch(base, path, {"q": query})
            report.append((name, path, status, seconds))
            assert status in (200, 400), (name, path, status, body[:300])
            assert seconds < TIME_LIMIT, (name, path, seconds)
            if path == "/api/search" and status == 400:
                error = json.loads(body)["error"]
                assert error["code"] in ("bad_query", "bad_request")
                assert error["message"]
            assert b"Traceback" not in body
    for name, params in HOSTILE_PARAMS.items():
        for path in ("/api/search", "/search"):
            status, body, seconds = fetch(base, path, params)
            assert status in (200, 400), (name, path, status, body[:300])
            assert seconds < TIME_LIMIT
    for raw in HOSTILE_RAW:
        for path in ("/api/search", "/search"):
            status, body, _ = get(f"{base}{path}?{raw}", timeout=TIME_LIMIT)
            assert status in (200, 400), (raw, path, status, body[:300])
    after = rss_mb(process.pid)
    assert after - before < 50, f"server grew from {before:.0f} to {after:.0f} MB"
    over = {n for n, p, s, _ in report if s == 400}
    assert {"1,000-deep nesting", "10,000-term OR", "100 KB query", "5,000 NOTs"} <= over


def test_the_caps_are_the_documented_numbers(seed_engine):
    with pytest.raises(InvalidRequestError, match=f"at most {MAX_QUERY_CHARS:,}"):
        run_search(seed_engine, SearchRequest(query="a" * (MAX_QUERY_CHARS + 1)))
    with pytest.raises(QuerySyntaxError, match=r"nested too deep \(at most 32\)"):
        run_search(seed_engine, SearchRequest(query="(" * 33 + "irs" + ")" * 33))
    with pytest.raises(QuerySyntaxError, match="at most 256"):
        run_search(seed_engine, SearchRequest(query=" OR ".join(f"w{i}" for i in range(257))))
    assert run_search(seed_engine, SearchRequest(query="(" * 32 + "irs" + ")" * 32)).total == 2


def test_the_time_limit_works_in_worker_threads(slice_index, engine_name, monkeypatch):
    """No signals: four threads at once each get the typed error, not a crash."""
    if engine_name == "whoosh":
        monkeypatch.setattr(whoosh_engine, "SEARCH_TIME_LIMIT_SECONDS", 0.0)
    else:
        monkeypatch.setattr(phrases, "CHECK_TIME_LIMIT_SECONDS", 0.0)
    # Whoosh's limit is on ranking; tantivy's on checking a sloppy phrase of three words.
    query = "oil OR price OR trade" if engine_name == "whoosh" else '"oil price rise"~5'
    errors: list[BaseException] = []

    def worker() -> None:
        with open_archive(slice_index) as engine:
            try:
                run_search(engine, SearchRequest(query=query))
            except BaseException as exc:  # noqa: BLE001 - we check what it was
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 4
    assert all(isinstance(e, QueryTooSlowError) for e in errors), errors
    assert "more specific" in str(errors[0])
