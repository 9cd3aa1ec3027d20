"""The web app through Flask's test client, asserting on parsed HTML rather than substrings."""

from __future__ import annotations

import json
import shutil

import pytest
from bs4 import BeautifulSoup

from search.indexer import update_index
from tests.conftest import REUTERS_SLICE, SEEDS, build_index
from webui import create_app

pytestmark = pytest.mark.usefixtures("engine_name")

HOSTILE = {
    "id": "evil-1",
    "title": "<script>alert(1)</script> Harbour <img src=x onerror=alert(2)>",
    "body": 'The harbour <script>alert("body")</script> and <img src=x onerror=alert(3)> & more.',
    "author": "<b onmouseover=alert(4)>Mallory</b>",
    "source": "<i>Evil Wire</i>",
    "url": "javascript:alert(5)",
    "date": "2025-02-11",
}


@pytest.fixture(scope="module")
def web_index(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"web-{engine_name}")
    hostile = root / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    return build_index(root / "index", [seeds, REUTERS_SLICE, hostile], engine_name)


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    return BeautifulSoup(response.data, "html.parser")


def hit_titles(soup):
    return [h.get_text(" ", strip=True) for h in soup.select(".hits li.hit h2")]


def test_search_shows_both_seeds_with_marks_and_facets(client):
    soup = page(client, "/search?q=IRS+agents")
    assert soup.select_one("#q")["value"] == "IRS agents"
    assert (
        soup.select_one(".results-count")
        .get_text(" ", strip=True)
        .startswith("2 articles · 1 story")
    )
    hits = soup.select(".hits li.hit")
    assert len(hits) == 2
    for hit in hits:
        marks = [m.get_text().lower() for m in hit.select(".snippet mark")]
        assert "irs" in marks or "agents" in marks
        assert hit.select_one("h2 a")["href"].startswith("/article/")
        assert all(not m.attrs for m in hit.select("mark"))
    facets = {
        name: {
            a.select_one(".facet-value").get_text(): a.select_one(".facet-count").get_text()
            for a in soup.select(f"section[aria-labelledby=facet-{name}] .facet-link")
        }
        for name in ("sources", "author", "place", "section")
    }
    assert facets == {
        "sources": {"Fox News": "1", "Reuters": "1"},
        "author": {"Ted Hesson": "1"},
        "place": {"Washington": "1"},
        "section": {},  # the seeds carry no section: no empty facet is drawn
    }
    assert soup.select_one(".results-meta").get_text(" ", strip=True).endswith("ms")


def test_stemmed_variants_and_phrases_are_highlighted(client):
    soup = page(client, "/search?q=%22Kristi+Noem%22")
    assert {m.get_text() for m in soup.select(".snippet mark")} == {"Kristi Noem"}
    soup = page(client, "/search?q=deputized")
    marked = {m.get_text().lower() for m in soup.select(".snippet mark")}
    assert marked & {"deputize", "deputized"}


def test_source_facet_toggles_and_chips_remove(client):
    soup = page(client, "/search?q=deputize")
    reuters = next(a for a in soup.select(".facet-link") if "Reuters" in a.get_text())
    soup = page(client, reuters["href"])
    assert hit_titles(soup)
    assert all("Reuters" in m.get_text() for m in soup.select(".hit-meta"))
    active = soup.select_one(".facet-link.active")
    assert "Reuters" in active.get_text()
    chip = soup.select_one(".chip")
    assert "Reuters" in chip.get_text()
    cleared = page(client, chip["href"])
    assert len(cleared.select(".hits li.hit")) == 2
    again = page(client, active["href"])  # clicking the active facet removes it
    assert len(again.select(".hits li.hit")) == 2


def test_several_sources_and_dates_in_the_url(client):
    soup = page(
        client, "/search?q=deputize&source=Reuters&source=Fox+News&from=2025-02-10&to=2025-02-10"
    )
    assert len(soup.select(".hits li.hit")) == 2
    assert len(soup.select(".chip")) == 4
    assert soup.select_one("#from")["value"] == "2025-02-10"
    soup = page(client, "/search?q=deputize&from=2025-02-11")
    assert soup.select(".hits li.hit") == []
    assert "Nothing matched" in soup.select_one(".empty").get_text()


def test_pagination_to_the_last_page(client):
    first = page(client, "/search?q=cocoa")
    total = int(first.select_one(".results-count").get_text().split()[0].replace(",", ""))
    pages = -(-total // 10)
    assert pages >= 3
    current = first.select_one('.pagination a[aria-current="page"]')
    assert current.get_text() == "1"
    last = page(client, f"/search?q=cocoa&page={pages}")
    assert len(last.select(".hits li.hit")) == total - (pages - 1) * 10
    assert last.select_one('.pagination a[aria-current="page"]').get_text() == str(pages)
    assert last.select_one('.pagination a[rel="next"]') is None
    assert last.select_one('.pagination a[rel="prev"]') is not None
    assert int(last.select_one("ol.hits")["start"]) == (pages - 1) * 10 + 1
    beyond = page(client, f"/search?q=cocoa&page={pages + 1}")
    assert beyond.select(".hits li.hit") == []
    assert beyond.select_one(".empty a")["href"].endswith(f"page={pages}")


def test_sort_newest(client):
    soup = page(client, "/search?q=cocoa&sort=newest")
    dates = [t["datetime"] for t in soup.select(".hit-meta time")]
    assert dates == sorted(dates, reverse=True)
    assert soup.select_one("#sort option[selected]")["value"] == "newest"


def test_timeline_has_bars_with_counts_and_links(client):
    soup = page(client, "/search?q=cocoa")
    links = soup.select(".timeline svg a")
    assert links
    for link in links:
        label = link["aria-label"]
        bucket, count = label.split(": ")
        assert link.select_one("title").get_text().startswith(bucket)
        assert "from=" in link["href"]
        assert "to=" in link["href"]
        assert int(count.split()[0].replace(",", "")) > 0
    narrowed = page(client, links[0]["href"])
    assert narrowed.select(".chip")


def test_hostile_article_renders_as_text(client):
    soup = page(client, "/search?q=harbour+source:%22%3Ci%3Eevil+wire%3C/i%3E%22")
    assert soup.find("script", src=False) is None
    assert not soup.select(".hits li.hit img, li.hit b, li.hit i")
    (hit,) = soup.select(".hits li.hit")
    assert "<script>alert(1)</script>" in hit.select_one("h2").get_text()
    assert all(not m.attrs for m in hit.select("mark"))
    assert hit.select_one(".hit-source").get_text() == "<i>Evil Wire</i>"
    article = page(client, hit.select_one("h2 a")["href"])
    body = article.select_one(".article-body")
    assert '<script>alert("body")</script>' in body.get_text()
    assert not body.select("script, img")
    assert article.select_one(".byline").get_text() == "By <b onmouseover=alert(4)>Mallory</b>"
    assert not [a for a in article.select("a[href]") if a["href"].startswith("javascript:")]
    assert "javascript:alert(5)" in article.select_one(".source-link").get_text()
    assert [s for s in article.find_all("script") if s.get("src") != "/static/app.js"] == []


def test_query_is_escaped_when_shown_back(client):
    soup = page(client, "/search?q=%3Cscript%3Ealert(9)%3C/script%3E")
    assert soup.select_one("#q")["value"] == "<script>alert(9)</script>"
    assert [s.get("src") for s in soup.find_all("script")] == ["/static/app.js"]


def test_malformed_query_rerenders_with_the_message(client):
    soup = page(client, "/search?q=%22unbalanced+(AND", status=400)
    error = soup.select_one("#query-error")
    assert error.get_text(strip=True) == 'unbalanced quote: this " is never closed (at character 1)'
    assert soup.select_one("#q")["value"] == '"unbalanced (AND'
    assert soup.select_one("#q")["aria-invalid"] == "true"


@pytest.mark.parametrize(
    "url",
    [
        "/search?q=oil&page=0",
        "/search?q=oil&page=1000000000",
        "/search?q=oil&page=x",
        "/search?q=oil&sort=random",
        "/search?q=oil&from=1987-13-01",
        "/search?q=" + "a" * 3000,
    ],
)
def test_bad_parameters_are_400_with_a_message(client, url):
    soup = page(client, url, status=400)
    assert soup.select_one("#query-error").get_text(strip=True)


def test_article_page_highlights_and_suggests_similar(client):
    results = client.get("/api/search?q=cocoa+prices").get_json()
    first = results["hits"][0]
    soup = page(client, f"/article/{first['id']}?q=cocoa+prices")
    assert soup.select_one("h1").get_text() == first["title"]
    marks = {m.get_text().lower() for m in soup.select(".article-body mark, h1 mark")}
    assert marks & {"cocoa", "price", "prices"}
    similar = soup.select(".similar li a")
    assert 1 <= len(similar) <= 5
    assert all(a["href"] != f"/article/{first['id']}" for a in similar)
    assert soup.select_one(".back a")["href"] == "/search?q=cocoa+prices"


def test_unknown_article_is_a_404_page(client):
    soup = page(client, "/article/no-such-thing", status=404)
    assert soup.select_one("h1").get_text() == "404 Not Found"
    assert "no-such-thing" in soup.select_one(".error-page").get_text()


def test_unexpected_errors_are_a_plain_500_page(app, caplog):
    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom secret detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    text = BeautifulSoup(response.data, "html.parser").get_text()
    assert "Something went wrong" in text
    assert "kaboom" not in text
    assert "Traceback" not in text
    assert "kaboom secret detail" in caplog.text


def test_security_headers(client):
    response = client.get("/search?q=oil")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_empty_state_and_help(client):
    soup = page(client, "/")
    assert soup.select_one("#welcome-title")
    assert soup.select(".examples a")
    assert "articles" in soup.select_one(".archive-summary").get_text()
    assert soup.select_one('a[href="/help"]')
    help_page = page(client, "/help")
    assert help_page.select_one('.topnav a[aria-current="page"]')["href"] == "/help"
    assert len(help_page.select(".help tbody tr")) >= 10


def test_api_search_matches_the_cli_document(client, web_index, capsys):
    from search.cli import run
    from webui.cli import cli

    args = ["search", "deputize", "--json", "--index", str(web_index), "--source", "Reuters"]
    run(cli, [*args, "--collapse", "none"])
    from_cli = json.loads(capsys.readouterr().out)
    from_api = client.get("/api/search?q=deputize&source=Reuters").get_json()  # collapses none
    assert from_api.pop("next") is None  # the API's own: a cursor to the next page, if any
    assert from_api == from_cli
    assert list(from_api) == [
        *("query", "total", "stories", "copy_groups", "collapse", "page", "pages"),
        *("hits", "facets", "warnings", "mode_used", "all_words_total", "without_filters"),
        *("suggestion", "variants", "spellings", "some_words", "some_words_total"),
    ]
    run(cli, args)  # the command line collapses copies unless told otherwise
    from_cli = json.loads(capsys.readouterr().out)
    from_api = client.get("/api/search?q=deputize&source=Reuters&collapse=copies").get_json()
    assert from_api.pop("next") is None
    assert from_api == from_cli
    assert from_api["collapse"] == "copies"


def test_api_errors_have_one_shape(client):
    for url, status, code in [
        ("/api/search?q=%22unbalanced", 400, "bad_query"),
        ("/api/search?q=oil&page=0", 400, "bad_request"),
        ("/api/articles/nope", 404, "not_found"),
        ("/api/nothing-here", 404, "not_found"),
    ]:
        response = client.get(url)
        assert response.status_code == status
        body = response.get_json()
        assert set(body) == {"error"}
        assert body["error"]["code"] == code
        assert body["error"]["message"]


def test_api_article(client):
    article = client.get("/api/articles/evil-1").get_json()
    assert article["title"] == HOSTILE["title"]
    assert article["source"] == "<i>Evil Wire</i>"
    assert article["date"] == "2025-02-11"


def test_article_ids_that_are_urls_work(tmp_path):
    source = tmp_path / "u.jsonl"
    source.write_text(
        json.dumps({"title": "Linked", "body": "text", "url": "https://news.example/a/b"}) + "\n"
    )
    update_index(tmp_path / "index", [source])
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": tmp_path / "instance",
            "MORGUE_OVERRIDES": {"index_dir": tmp_path / "index"},
        }
    )
    client = app.test_client()
    href = BeautifulSoup(client.get("/search?q=linked").data, "html.parser").select_one(
        ".hits li.hit h2 a"
    )["href"]
    assert page(client, href).select_one("h1").get_text() == "Linked"
    app.extensions["morgue_engine"].close()


def test_missing_index_is_a_clear_503(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": tmp_path / "instance",
            "MORGUE_OVERRIDES": {"index_dir": tmp_path / "none"},
        }
    )
    response = app.test_client().get("/search?q=oil")
    assert response.status_code == 503
    assert "morgue reindex" in BeautifulSoup(response.data, "html.parser").get_text()


def test_secret_key_is_generated_once_and_private(tmp_path, web_index):
    config = {"INSTANCE_PATH": tmp_path / "inst", "MORGUE_OVERRIDES": {"index_dir": web_index}}
    first = create_app(dict(config))
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_text() == first.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    second = create_app(dict(config))
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    other = create_app(
        {"INSTANCE_PATH": tmp_path / "other", "MORGUE_OVERRIDES": {"index_dir": web_index}}
    )
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]
