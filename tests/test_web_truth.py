"""Small things the web UI must get right: what it offers, what it warns about, and that every
link keeps the whole search it came from."""

from __future__ import annotations

import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.conftest import REUTERS_SLICE, SEEDS, build_index
from webui.timeline import WIDTH, axis_label

pytestmark = pytest.mark.usefixtures("engine_name")


@pytest.fixture(scope="module")
def web_index(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"webtruth-{engine_name}")
    shutil.copytree(SEEDS, root / "seeds")
    return build_index(root / "index", [root / "seeds", REUTERS_SLICE], engine_name)


def soup(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    return BeautifulSoup(response.data, "html.parser")


def test_a_quoted_query_is_not_wrapped_in_more_quotes(client):
    page = soup(client, '/search?q="cocoa+prices"')
    heading = page.select_one("#results-title")
    assert heading.select_one("code").get_text() == '"cocoa prices"'
    assert heading.select_one("q") is None
    page = soup(client, "/search?q=cocoa")
    assert page.select_one("#results-title q").get_text() == "cocoa"


def test_nothing_to_save_or_download_when_nothing_matched(client):
    page = soup(client, "/search?q=zzzqqqxx")
    assert page.select_one("details.save") is None
    assert page.select_one(".downloads") is None
    page = soup(client, "/search?q=cocoa")
    assert page.select_one("details.save") is not None
    assert "Download all" in page.select_one(".downloads").get_text()


def test_the_way_back_from_an_article_keeps_the_whole_search(client):
    url = "/search?q=oil+price&source=Reuters&from=1987-01-01&sort=newest&mode=any&page=2"
    page = soup(client, url)
    link = page.select_one(".hits .hit-title a")["href"]
    state = parse_qs(urlsplit(link).query)
    assert state == {
        "q": ["oil price"],
        "source": ["Reuters"],
        "from": ["1987-01-01"],
        "sort": ["newest"],
        "mode": ["any"],
        "page": ["2"],
    }
    article = soup(client, link)
    back = article.select_one(".back a")["href"]
    assert parse_qs(urlsplit(back).query) == state
    assert article.select("mark"), "the article's words are marked for the search it came from"


def test_the_api_honours_a_limit_up_to_100_and_refuses_more(client):
    found = client.get("/api/search?source=Reuters&limit=100").get_json()
    assert found["total"] > 100
    assert len(found["hits"]) == 100
    assert len(client.get("/api/search?q=oil&limit=7").get_json()["hits"]) == 7
    for bad in ("101", "0", "ten"):
        response = client.get(f"/api/search?q=oil&limit={bad}")
        assert response.status_code == 400
        assert response.get_json()["error"] == {
            "code": "bad_request",
            "message": "limit must be a whole number from 1 to 100 (hits per page)",
        }


def test_an_unknown_source_is_allowed_but_named_with_the_nearest_one(client):
    data = client.get("/api/search?q=cocoa&source=Reutres").get_json()
    assert data["total"] == 0
    assert data["warnings"] == ["no articles from source Reutres; did you mean Reuters?"]
    page = soup(client, "/search?q=cocoa&source=Reutres")
    assert "No articles from source Reutres; did you mean Reuters?" in page.select_one(
        ".notice"
    ).get_text(" ", strip=True)
    assert client.get("/api/search?q=cocoa&source=Reuters").get_json()["warnings"] == []
    far = client.get("/api/search?q=cocoa&source=Gazette").get_json()
    assert far["warnings"] == ["no articles from source Gazette"]


def test_timeline_labels_are_never_cut_at_the_edges():
    first = axis_label(4.0, "2026-03-01")
    assert (first.x, first.anchor) == (1.0, "start")
    last = axis_label(WIDTH - 4.0, "2026-03-31")
    assert (last.x, last.anchor) == (WIDTH - 1.0, "end")
    assert axis_label(WIDTH / 2, "2026-03-15").anchor == "middle"


def test_the_first_timeline_label_of_a_daily_timeline_starts_at_the_edge(client):
    page = soup(client, "/search?q=cocoa&from=1987-03-01&to=1987-03-31")
    labels = page.select(".timeline text.axis-label")
    assert labels[0]["text-anchor"] == "start"
    assert labels[0].get_text().startswith("1987-03-0")  # a whole date, not "7-03-02"
