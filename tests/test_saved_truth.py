"""Saved searches tell one truth: the saved search's page, the list of saved searches, ``morgue
saved run`` and its JSON agree on what the last run found after every step of a realistic
sequence; a saved query keeps every field of its request; runs stay tied to their archive.

The expected answer comes from the test's own bookkeeping (the matches it read from the engine
at each run, diffed here), never from the code under test.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from dataclasses import fields
from datetime import date

import pytest
from bs4 import BeautifulSoup

from search.archive import open_archive, read_meta
from search.cli import ExitStatus, run
from search.indexer import update_index
from search.saved import SavedStore
from search.saved.transfer import dump, load
from search.searching import match_keys
from search.types import PAGING_FIELDS, SearchRequest
from tests.conftest import REUTERS_SLICE
from webui.cli import cli

pytestmark = pytest.mark.usefixtures("engine_name")

QUERY = "oil OR price*"


@pytest.fixture
def morgue(capsys):
    def call(*args):
        status = run(cli, [str(a) for a in args])
        out = capsys.readouterr()
        return status, out.out, out.err

    return call


@pytest.fixture
def parts(tmp_path):
    """The Reuters slice in three parts, plus an article no query here matches."""
    lines = gzip.decompress(REUTERS_SLICE.read_bytes()).decode("utf-8").splitlines(keepends=True)
    paths = []
    for n, chunk in enumerate((lines[:150], lines[150:260], lines[260:])):
        path = tmp_path / f"part{n}.jsonl"
        path.write_text("".join(chunk), encoding="utf-8")
        paths.append(path)
    unrelated = tmp_path / "weather.jsonl"
    unrelated.write_text(
        json.dumps({"id": "wx-1", "title": "Sunny", "body": "Sunny skies all week"}) + "\n"
    )
    return [*paths, unrelated]


def web_client(index, db, instance):
    from webui import create_app

    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "INSTANCE_PATH": instance,
            "MORGUE_OVERRIDES": {"index_dir": index, "db": db},
        }
    )
    return app, app.test_client()


class Oracle:
    """What each run should report, from the matches the test reads itself at run time."""

    def __init__(self, index):
        self.index = index
        self.runs: list[set[str]] = []

    def matches(self) -> set[str]:
        with open_archive(self.index) as engine:
            return set(match_keys(engine, SearchRequest(query=QUERY)))

    def ran(self) -> None:
        self.runs.append(self.matches())

    def expected(self) -> tuple[int, int, set[str]]:
        """(total, new count, new ids) of the latest run."""
        last = self.runs[-1]
        new = last - self.runs[-2] if len(self.runs) > 1 else set()
        return len(last), len(new), new


def check_every_view(morgue, client, db, oracle, capsys) -> int:
    total, new_count, new_ids = oracle.expected()
    status, out, _ = morgue("saved", "list", "--json", "--db", db)
    last = json.loads(out)[0]["last_run"]
    assert (last["total"], last["new"]) == (total, new_count)
    listing = BeautifulSoup(client.get("/saved").data, "html.parser")
    cells = [td.get_text(strip=True) for td in listing.select(".saved-table tbody td")]
    assert (cells[3], cells[4]) == (f"{total:,}", f"{new_count:,}")
    page = BeautifulSoup(client.get("/saved/oil?page=1").data, "html.parser")
    assert page.select_one(".run-total").get_text() == f"{total:,}"
    assert page.select_one(".run-new").get_text() == f"{new_count:,}"
    shown = [a["href"] for a in page.select(".hits .hit-title a")]
    marked = [a["href"] for a in page.select(".hits .is-new .hit-title a")]
    expected = [h for h in shown if _id_of(h) in new_ids]
    assert marked == expected
    return len(marked)


def _id_of(href: str) -> str:
    return re.sub(r"^/article/|\?.*$", "", href)


def cli_run(morgue, index, db, oracle, *extra):
    status, out, err = morgue("saved", "run", "oil", "--json", "--index", index, "--db", db, *extra)
    assert status == ExitStatus.OK, err
    report = json.loads(out)
    if report["recorded"]:
        oracle.ran()
    total, new_count, _ = oracle.expected()
    assert (report["total"], report["new"]) == (total, new_count)
    return report


def test_every_view_agrees_on_what_the_last_run_found(tmp_path, parts, morgue, capsys):
    index, db = tmp_path / "index", tmp_path / "saved.sqlite3"
    oracle = Oracle(index)
    first, second, third, unrelated = parts
    assert morgue("reindex", first, "--index", index, "-q")[0] == ExitStatus.OK
    assert morgue("saved", "add", "oil", QUERY, "--db", db)[0] == ExitStatus.OK
    app, client = web_client(index, db, tmp_path / "instance")
    try:
        cli_run(morgue, index, db, oracle)  # the baseline
        check_every_view(morgue, client, db, oracle, capsys)

        morgue("reindex", second, "--index", index, "-q")
        report = cli_run(morgue, index, db, oracle)
        assert report["new"] > 0
        assert check_every_view(morgue, client, db, oracle, capsys) > 0  # new hits are marked

        morgue("reindex", unrelated, "--index", index, "-q")  # the archive moves on
        assert check_every_view(morgue, client, db, oracle, capsys) > 0  # and still marked
        page = BeautifulSoup(client.get("/saved/oil").data, "html.parser")
        assert "The archive has changed since" in page.select_one(".last-run").get_text()

        response = client.post("/saved/oil/run", follow_redirects=True)  # "Run now"
        oracle.ran()
        flash = BeautifulSoup(response.data, "html.parser").select_one(".flash")
        total, new_count, _ = oracle.expected()
        assert f"{total:,} hits, {new_count:,} new" in flash.get_text()
        check_every_view(morgue, client, db, oracle, capsys)

        morgue("reindex", first, "--index", index, "-q")  # nothing new: nothing recorded
        report = cli_run(morgue, index, db, oracle)
        assert report["recorded"] is False
        check_every_view(morgue, client, db, oracle, capsys)

        morgue("reindex", third, "--index", index, "-q")
        response = client.post("/saved/oil/run", follow_redirects=True)
        oracle.ran()
        check_every_view(morgue, client, db, oracle, capsys)
        report = cli_run(morgue, index, db, oracle)  # right after: the same run, re-reported
        assert report["recorded"] is False
        status, out, _ = morgue(
            "saved", "run", "oil", "--new-only", "--json", "--index", index, "--db", db
        )
        assert {h["id"] for h in json.loads(out)["hits"]} == oracle.expected()[2]
        export = tmp_path / "oil.csv"
        morgue("saved", "export", "oil", "--output", export, "--index", index, "--db", db)
        flagged = [line for line in export.read_text().splitlines() if line.endswith(",true")]
        assert len(flagged) == oracle.expected()[1]
    finally:
        app.extensions["morgue_engine"].close()


def _sample(name: str, default):
    """A value other than the default for each field of a search request."""
    samples = {
        "query": "oil AND price*",
        "sources": ("Reuters", "Fox News"),
        "date_from": date(1987, 3, 1),
        "date_to": date(1987, 4, 30),
        "sort": "newest",
        "snippet_chars": 120,
        "mode": "any",
        "collapse": "stories",
    }
    assert name in samples, f"add a sample value for the new SearchRequest field {name!r}"
    assert samples[name] != default
    return samples[name]


def test_a_saved_query_keeps_every_field_of_its_request(tmp_path):
    saved_fields = [f for f in fields(SearchRequest) if f.name not in PAGING_FIELDS]
    request = SearchRequest(**{f.name: _sample(f.name, f.default) for f in saved_fields})
    with SavedStore(tmp_path / "a.sqlite3") as store:
        store.add("everything", request)
        assert store.get("everything").request == request
        store.edit("everything", mode="all")
        assert store.get("everything").request.mode == "all"
        assert [v.request.mode for v in store.versions("everything")] == ["any", "all"]
        with SavedStore(tmp_path / "b.sqlite3") as other:
            load(other, json.loads(json.dumps(dump(store))))
            assert other.get("everything").request == store.get("everything").request


def test_the_mode_is_saved_and_used(tmp_path, slice_index, morgue):
    db = tmp_path / "s.sqlite3"
    morgue("saved", "add", "any", "cocoa coffee", "--mode", "any", "--db", db)
    morgue("saved", "add", "all", "cocoa coffee", "--db", db)
    totals = {}
    for name in ("any", "all"):
        status, out, _ = morgue("saved", "run", name, "--json", "--index", slice_index, "--db", db)
        totals[name] = json.loads(out)["total"]
    assert totals["any"] > totals["all"]
    app, client = web_client(slice_index, db, tmp_path / "instance")
    try:
        response = client.post(
            "/saved", data={"name": "web any", "q": "cocoa coffee", "mode": "any"}
        )
        assert response.status_code == 303
        with SavedStore(db) as store:
            assert store.get("web any").request.mode == "any"
        page = BeautifulSoup(client.get("/search?q=cocoa+coffee&mode=any").data, "html.parser")
        form = page.select_one("details.save form")
        assert form.select_one('input[name="mode"]')["value"] == "any"
        downloads = [a["href"] for a in page.select(".downloads a")]
        assert all("mode=any" in href for href in downloads)
    finally:
        app.extensions["morgue_engine"].close()


def test_runs_are_tied_to_their_archive(tmp_path, seeds_copy, parts, morgue, engine_name):
    a, b, db = tmp_path / "a", tmp_path / "b", tmp_path / "s.sqlite3"
    morgue("reindex", parts[0], "--index", a, "-q", "--engine", engine_name)
    morgue("reindex", parts[0], "--index", b, "-q", "--engine", engine_name)
    morgue("saved", "add", "oil", QUERY, "--db", db)
    assert morgue("saved", "run", "oil", "--index", a, "--db", db)[0] == ExitStatus.OK
    status, out, err = morgue("saved", "run", "oil", "--index", b, "--db", db)
    assert status == ExitStatus.ERROR
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert f"saved query 'oil' last ran on the index at {a.resolve()}" in err
    assert "--index-changed" in err

    moved = tmp_path / "a-moved"
    shutil.move(a, moved)  # the same archive in another folder: its id goes with it
    status, out, err = morgue("saved", "run", "oil", "--json", "--index", moved, "--db", db)
    assert status == ExitStatus.OK, err
    morgue("reindex", "--rebuild", parts[0], "--index", moved, "-q")  # a rebuild keeps the id
    assert morgue("saved", "run", "oil", "--index", moved, "--db", db)[0] == ExitStatus.OK

    status, out, _ = morgue(
        "saved", "run", "oil", "--json", "--index-changed", "--index", b, "--db", db
    )
    switched = json.loads(out)
    assert switched["index"]["switched"] is True
    assert switched["index"]["path"] == str(b.resolve())
    assert switched["new"] == 0  # the same articles: nothing new, nothing gone
    status, out, _ = morgue("saved", "show", "oil", "--db", db)
    assert f"-- switched to the index at {b.resolve()}" in out


def test_an_index_made_before_archive_ids_is_told_apart_by_its_folder(
    tmp_path, parts, morgue, engine_name
):
    index, db = tmp_path / "old", tmp_path / "s.sqlite3"
    morgue("reindex", parts[0], "--index", index, "-q", "--engine", engine_name)
    meta = read_meta(index)
    del meta["index_id"]
    (index / "morgue.json").write_text(json.dumps(meta))
    os.sync()
    morgue("saved", "add", "oil", QUERY, "--db", db)
    assert morgue("saved", "run", "oil", "--index", index, "--db", db)[0] == ExitStatus.OK
    update_index(index, [parts[1]])  # the next reindex gives it an id: still the same archive
    assert read_meta(index)["index_id"]
    status, _, err = morgue("saved", "run", "oil", "--index", index, "--db", db)
    assert status == ExitStatus.OK, err


def test_deleting_asks_first_and_can_be_undone(tmp_path, slice_index):
    db = tmp_path / "s.sqlite3"
    with SavedStore(db) as store:
        store.add("cocoa", "cocoa")
    app, client = web_client(slice_index, db, tmp_path / "instance")
    try:
        page = BeautifulSoup(client.get("/saved/cocoa").data, "html.parser")
        assert not page.select('form[action="/saved/cocoa/delete"]')  # no one-click delete
        confirm = BeautifulSoup(client.get("/saved/cocoa/delete").data, "html.parser")
        assert "30 days" in confirm.get_text()
        assert confirm.select_one('form[action="/saved/cocoa/delete"] button')
        assert client.get("/saved/cocoa").status_code == 200  # GET deleted nothing
        response = client.post("/saved/cocoa/delete", follow_redirects=True)
        listing = BeautifulSoup(response.data, "html.parser")
        assert "Deleted 'cocoa'" in listing.select_one(".flash").get_text()
        assert client.get("/saved/cocoa").status_code == 404
        restore = listing.select_one('form[action="/saved/restore"]')
        name = restore.select_one('input[name="name"]')["value"]
        response = client.post("/saved/restore", data={"name": name})
        assert response.status_code == 303
        assert client.get("/saved/cocoa").status_code == 200
    finally:
        app.extensions["morgue_engine"].close()
