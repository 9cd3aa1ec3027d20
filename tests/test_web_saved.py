"""Saved searches in the web app: CSRF, the save/run/edit/delete flow, exports, feeds."""

from __future__ import annotations

import csv
import io
import shutil

import feedparser
import pytest
from bs4 import BeautifulSoup

from tests.conftest import REUTERS_SLICE, SEEDS, build_index

pytestmark = pytest.mark.usefixtures("engine_name")


@pytest.fixture(scope="module")
def web_index(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"websaved-{engine_name}")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    return build_index(root / "index", [seeds, REUTERS_SLICE], engine_name)


def soup_of(response):
    return BeautifulSoup(response.data, "html.parser")


def save_form(client, url="/search?q=cocoa&sort=newest"):
    form = soup_of(client.get(url)).select_one("details.save form")
    fields = {i["name"]: i.get("value", "") for i in form.select("input") if i.get("name")}
    return form["action"], fields


def test_save_requires_a_csrf_token(client):
    action, fields = save_form(client)
    fields.pop("csrf_token")
    response = client.post(action, data=fields)
    assert response.status_code == 400
    assert "CSRF" in soup_of(response).get_text()
    assert "cocoa" not in soup_of(client.get("/saved")).get_text()


def test_save_run_edit_delete_flow(client):
    action, fields = save_form(client)
    fields.update(name="Cocoa watch", notes="crop reports")
    response = client.post(action, data=fields)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/saved/cocoa-watch")

    listing = soup_of(client.get("/saved"))
    (row,) = listing.select(".saved-table tbody tr")
    assert row.select_one("a").get_text() == "Cocoa watch"
    assert row.select("td")[2].get_text(strip=True) == "never"

    page = soup_of(client.get("/saved/cocoa-watch"))
    assert page.select_one("h1").get_text() == "Cocoa watch"
    assert "sorted by newest" in page.select_one(".saved-query").get_text()
    dates = [t["datetime"] for t in page.select(".hit-meta time")]
    assert dates == sorted(dates, reverse=True)
    assert client.get("/saved/cocoa-watch").status_code == 200
    assert "never" in soup_of(client.get("/saved")).get_text()  # GET changed nothing

    run_form = page.select_one('form[action="/saved/cocoa-watch/run"]')
    token = run_form.select_one('input[name="csrf_token"]')["value"]
    assert client.post("/saved/cocoa-watch/run", data={}).status_code == 400
    assert client.post("/saved/cocoa-watch/run", data={"csrf_token": token}).status_code == 303
    listing = soup_of(client.get("/saved"))
    cells = [td.get_text(strip=True) for td in listing.select(".saved-table tbody td")]
    assert cells[3].replace(",", "").isdigit()
    assert int(cells[3].replace(",", "")) > 10
    page = soup_of(client.get("/saved/cocoa-watch"))
    assert len(page.select(".runs li")) == 1

    edit = soup_of(client.get("/saved/cocoa-watch/edit")).select_one("form.edit-form")
    data = {i["name"]: i.get("value", "") for i in edit.select("input") if i.get("name")}
    data.update(q='"unbalanced', sort="newest", notes="x")
    response = client.post("/saved/cocoa-watch/edit", data=data)
    assert response.status_code == 400
    assert "unbalanced quote" in soup_of(response).select_one(".form-error").get_text()
    data.update(q="cocoa AND brazil")
    assert client.post("/saved/cocoa-watch/edit", data=data).status_code == 303
    page = soup_of(client.get("/saved/cocoa-watch"))
    assert [v.select_one("code").get_text() for v in page.select(".versions li")] == [
        "cocoa",
        "cocoa AND brazil",
    ]

    assert client.post("/saved/cocoa-watch/delete", data={"csrf_token": token}).status_code == 303
    assert client.get("/saved/cocoa-watch").status_code == 404


def test_exports_stream_every_hit(client):
    action, fields = save_form(client, "/search?q=oil")
    fields["name"] = "oil"
    client.post(action, data=fields)
    total = client.get("/api/search?q=oil").get_json()["total"]
    response = client.get("/saved/oil/export.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="oil.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == total
    adhoc = client.get("/export.jsonl?q=oil&source=Reuters")
    assert len(adhoc.get_data(as_text=True).splitlines()) == total
    link = soup_of(client.get("/search?q=oil")).select_one(".downloads a")["href"]
    assert link.startswith("/export.csv?q=oil")
    assert client.get("/export.csv?q=%22bad").status_code == 400


def test_atom_feed_parses_back(client):
    action, fields = save_form(client, "/search?q=deputize")
    fields["name"] = "Deputize <IRS>"
    client.post(action, data=fields)
    response = client.get("/saved/deputize-irs/feed.atom")
    assert response.content_type.startswith("application/atom+xml")
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Morgue: Deputize <IRS>"
    assert len(feed.entries) == 2
    assert {e.category for e in feed.entries} == {"Fox News", "Reuters"}
    assert all(e.link.startswith("http://localhost/article/") for e in feed.entries)


def test_opensearch_description(client):
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert b"{searchTerms}" in response.data
    assert soup_of(client.get("/")).select_one('link[rel="search"]')["href"] == "/opensearch.xml"


def test_saving_a_bad_name_shows_the_reason(client):
    action, fields = save_form(client)
    fields["name"] = "!!!"
    response = client.post(action, data=fields)
    assert response.status_code == 400
    assert "at least one letter or digit" in soup_of(response).select_one(".form-error").get_text()
