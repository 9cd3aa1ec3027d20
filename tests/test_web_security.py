"""Every reflected parameter escaped in every format, CSRF and path traversal refused, and the
shipped server's production settings."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import urllib.parse
import urllib.request

import pytest
from bs4 import BeautifulSoup

from tests.conftest import REUTERS_SLICE, SEEDS, build_index
from tests.servers import get, running_server

pytestmark = pytest.mark.usefixtures("engine_name")

PAYLOAD = '"\'><script>alert(1)</script><img src=x onerror=alert(2)>=HYPERLINK("x")'
RAW_MARKUP = ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>")


@pytest.fixture(scope="module")
def web_index(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"websec-{engine_name}")
    shutil.copytree(SEEDS, root / "seeds")
    return build_index(root / "index", [root / "seeds", REUTERS_SLICE], engine_name)


def assert_inert_html(body: bytes, where: str) -> None:
    text = body.decode("utf-8")
    for markup in RAW_MARKUP:
        assert markup not in text, where
    soup = BeautifulSoup(text, "html.parser")
    assert [s.get("src") for s in soup.find_all("script")] in ([], ["/static/app.js"]), where
    assert not soup.find("img"), where
    for element in soup.find_all(True):
        assert not [a for a in element.attrs if a.lower().startswith("on")], (where, element)


PARAMS = ["q", "source", "from", "to", "sort", "page", "mode", "page_size"]


@pytest.mark.parametrize("param", PARAMS)
def test_every_parameter_is_escaped_in_html_json_and_exports(client, param):
    query = {"q": "oil", param: PAYLOAD}
    url = urllib.parse.urlencode(query)
    html = client.get(f"/search?{url}")
    assert html.status_code in (200, 400)
    assert html.headers["Content-Type"].startswith("text/html")
    assert_inert_html(html.data, f"/search {param}")
    api = client.get(f"/api/search?{url}")
    assert api.status_code in (200, 400)
    assert api.headers["Content-Type"] == "application/json"
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    json.loads(api.data)  # well-formed: the payload is a JSON string, never markup
    for fmt, kind in (("csv", "text/csv"), ("jsonl", "application/x-ndjson")):
        export = client.get(f"/export.{fmt}?{url}")
        export.get_data()  # read the stream through
        export.close()
        assert export.status_code in (200, 400)
        if export.status_code == 200:
            assert export.headers["Content-Type"].startswith(kind)
            assert export.headers["X-Content-Type-Options"] == "nosniff"
        else:
            assert_inert_html(export.data, f"/export.{fmt} {param}")


def test_error_pages_and_ids_are_escaped(client):
    for url in (
        "/article/" + urllib.parse.quote(PAYLOAD, safe=""),
        "/saved/" + urllib.parse.quote(PAYLOAD, safe=""),
        "/nowhere/" + urllib.parse.quote(PAYLOAD, safe=""),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert_inert_html(response.data, url)
    api = client.get("/api/articles/" + urllib.parse.quote(PAYLOAD, safe=""))
    assert api.status_code == 404
    assert json.loads(api.data)["error"]["code"] == "not_found"


def csrf_fields(client, url="/search?q=cocoa"):
    soup = BeautifulSoup(client.get(url).data, "html.parser")
    form = soup.select_one("details.save form")
    return form["action"], {i["name"]: i.get("value", "") for i in form.select("input[name]")}


def saved_count(app) -> int:
    db = sqlite3.connect(app.config["MORGUE_SETTINGS"].db)
    try:
        return db.execute("SELECT COUNT(*) FROM saved_query").fetchone()[0]
    finally:
        db.close()


def test_a_saved_query_name_is_escaped_in_every_view(client, app):
    action, fields = csrf_fields(client)
    fields["name"] = "Evil " + PAYLOAD[:60]
    response = client.post(action, data=fields)
    assert response.status_code in (302, 303)
    slug = response.headers["Location"].rstrip("/").split("/")[-1]
    for url in ("/saved", f"/saved/{slug}", f"/saved/{slug}/edit"):
        page = client.get(url)
        assert page.status_code == 200
        assert_inert_html(page.data, url)
    feed = client.get(f"/saved/{slug}/feed.atom")
    assert feed.headers["Content-Type"].startswith("application/atom+xml")
    for markup in RAW_MARKUP:
        assert markup not in feed.data.decode()
    response = client.get(f"/saved/{slug}/export.csv")
    exported = response.get_data(as_text=True)
    response.close()
    rows = list(csv.reader(io.StringIO(exported)))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


GET_ROUTES = [
    "/",
    "/search?q=oil",
    "/saved",
    "/saved/legit",
    "/saved/legit/edit",
    "/saved/legit/export.csv",
    "/saved/legit/feed.atom",
    "/opensearch.xml",
    "/help",
    "/export.jsonl?q=oil",
    "/saved/legit/delete",
    "/saved/legit/run",
]


def test_csrf_vectors_change_nothing(client, app):
    action, fields = csrf_fields(client)
    fields["name"] = "Legit"
    assert client.post(action, data=fields).status_code in (302, 303)
    before = saved_count(app)
    stolen = dict(fields, name="Forged")
    other = app.test_client()  # another browser session
    _, their_fields = csrf_fields(other)
    attempts = [
        {k: v for k, v in stolen.items() if k != "csrf_token"},  # no token
        dict(stolen, csrf_token="forged-token"),
        dict(stolen, csrf_token=their_fields["csrf_token"]),  # another session's token
    ]
    for data in attempts:
        assert client.post(action, data=data).status_code == 400
        assert client.post("/saved/legit/delete", data=data).status_code == 400
        assert client.post("/saved/legit/run", data=data).status_code == 400
        assert client.post("/saved/legit/edit", data=data).status_code == 400
    # Every GET route, crawled, changes nothing either.
    for url in GET_ROUTES:
        response = client.get(url)
        response.get_data()
        response.close()
        assert response.status_code in (200, 404, 405)
    assert saved_count(app) == before


TRAVERSALS = [
    "../{s}",
    "../../{s}",
    "../../../../../../{s}",
    "..%2f..%2f..%2f{s}",
    "..%2F..%2F..%2F{s}",
    "%2e%2e/%2e%2e/%2e%2e/{s}",
    "%2e%2e%2f%2e%2e%2f{s}",
    "%252e%252e%252f{s}",
    "..%252f..%252f{s}",
    "..\\..\\..\\{s}",
    "..%5c..%5c{s}",
    "%2e%2e%5c%2e%2e%5c{s}",
    "/{s}",
    "//{s}",
    "%2f{s}",
    "file://{s}",
    "....//....//{s}",
    "..;/..;/{s}",
    "%c0%ae%c0%ae/%c0%ae%c0%ae/{s}",
    "\uff0e\uff0e/\uff0e\uff0e/{s}",
    "..%00/{s}",
    "{s}%00.html",
    ".%2e/.%2e/{s}",
    "%2e./%2e./{s}",
]


def test_path_traversal_never_reaches_a_file(client, tmp_path):
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text("SENTINEL-7f3a: outside every served folder")
    relative = str(sentinel).lstrip("/")
    checked = 0
    for prefix in ("/static/", "/article/", "/api/articles/", "/saved/", "/saved/x/export."):
        for pattern in TRAVERSALS:
            url = prefix + pattern.format(s=relative)
            response = client.get(url)
            assert response.status_code in (308, 400, 404, 405), (url, response.status_code)
            assert b"SENTINEL-7f3a" not in response.data, url
            checked += 1
    assert checked >= 40
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/search?q=oil&index=/etc").status_code == 200  # no parameter picks an index


def test_the_shipped_server_is_configured_for_production(tmp_path, web_index):
    with running_server(tmp_path, web_index) as (base, _process):
        status, body, headers = get(base + "/search?q=cocoa")
        assert status == 200
        assert "werkzeug" not in headers.get("Server", "").lower()  # waitress, not the dev server
        csp = headers["Content-Security-Policy"]
        for needed in ("default-src 'self'", "frame-ancestors", "form-action 'self'"):
            assert needed in csp
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        cookie = headers.get("Set-Cookie", "")
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert b"Werkzeug Debugger" not in body
        # A foreign Host header (DNS rebinding) is refused.
        request = urllib.request.Request(base + "/", headers={"Host": "evil.example"})
        try:
            urllib.request.urlopen(request, timeout=10)
            refused = False
        except urllib.error.HTTPError as error:
            refused = error.code == 400
        assert refused
        secret = tmp_path / "instance" / "secret_key"
        assert secret.exists()
        assert oct(secret.stat().st_mode & 0o777) == "0o600"
