"""Deep paging through the JSON API: a cursor returns every match exactly once, in a stable
order, also while another process commits new articles between pages."""

from __future__ import annotations

import json
import shutil

import pytest

from search.archive import open_archive
from search.searching import match_keys
from search.types import SearchRequest
from tests.conftest import REUTERS_SLICE, SEEDS, build_index, run_python

pytestmark = pytest.mark.usefixtures("engine_name")


@pytest.fixture
def web_index(tmp_path, engine_name):
    """Its own index per test: one of them commits to it."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    return build_index(tmp_path / "index", [seeds, REUTERS_SLICE], engine_name)


def page_through(client, url: str, between=None) -> list[str]:
    ids, document, pages = [], client.get(url).get_json(), 0
    while True:
        ids += [hit["id"] for hit in document["hits"]]
        pages += 1
        assert document["page"] == pages  # a cursor's page says which page it is
        if between is not None:
            between(pages)
        if not document["next"]:
            return ids
        document = client.get(f"{url}&cursor={document['next']}").get_json()


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_a_cursor_returns_every_match_once_in_a_stable_order(client, web_index, sort):
    url = f"/api/search?q=said&limit=25&sort={sort}"
    ids = page_through(client, url)
    with open_archive(web_index) as engine:
        expected = set(match_keys(engine, SearchRequest(query="said")))
    assert len(ids) == len(set(ids)) == len(expected) > 50
    assert set(ids) == expected
    assert page_through(client, url) == ids  # the same order every time
    first = client.get(url).get_json()
    assert [h["id"] for h in first["hits"]] == ids[:25]


def test_paging_holds_while_another_process_commits(client, web_index, tmp_path):
    url = "/api/search?q=said&limit=20&sort=relevance"
    with open_archive(web_index) as engine:
        before = set(match_keys(engine, SearchRequest(query="said")))
    extra = tmp_path / "extra.jsonl"
    rows = [
        {
            "id": f"late-{n}",
            "title": f"Officials said said said {n}",
            "body": "The minister said so, and said it again, and the agency said it too.",
            "source": "Late Wire",
            "date": f"1987-03-{1 + n % 28:02d}",
        }
        for n in range(30)
    ]
    extra.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    script = (
        "import sys; from search.indexer import update_index; "
        "update_index(sys.argv[1], [sys.argv[2]])"
    )

    def commit_once(pages: int) -> None:
        if pages == 2:
            child = run_python(script, web_index, extra)
            _, err = child.communicate(timeout=300)
            assert child.returncode == 0, err

    ids = page_through(client, url, between=commit_once)
    assert len(ids) == len(set(ids))
    assert set(ids) == before  # each article matched when paging began, exactly once
    with open_archive(web_index) as engine:  # and the commit did land
        assert len(match_keys(engine, SearchRequest(query="said"))) == len(before) + 30
    fresh = page_through(client, url)
    assert len(fresh) == len(before) + 30


def test_cursors_that_cannot_be_followed_are_refused(client):
    first = client.get("/api/search?q=said&limit=10").get_json()
    assert first["next"]
    for url in (
        "/api/search?q=said&limit=10&cursor=nonsense",
        f"/api/search?q=oil&limit=10&cursor={first['next']}",
        f"/api/search?q=said&limit=20&cursor={first['next']}",
        f"/api/search?q=said&limit=10&collapse=copies&cursor={first['next']}",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.get_json()["error"]["code"] == "bad_request"
    over = client.get("/api/search?q=said&limit=101")
    assert over.status_code == 400
    assert "from 1 to 100" in over.get_json()["error"]["message"]
    assert client.get("/api/search?q=irs+deputize").get_json()["next"] is None  # one page
    collapsed = client.get("/api/search?q=said&limit=10&collapse=copies").get_json()
    assert collapsed["next"] is None
    assert any("no cursor for a collapsed list" in w for w in collapsed["warnings"])
