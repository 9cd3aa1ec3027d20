"""Finding things: a page says how it read the words (and how many articles hold all of them),
and an empty page says why it is empty and what would help. Each count is checked against a
search run the other way."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from bs4 import BeautifulSoup

from search.searching import run_search
from search.types import SearchRequest
from tests.conftest import REUTERS_SLICE, SEEDS, build_index

pytestmark = pytest.mark.usefixtures("engine_name")

QUESTION = "opec oil prices crude production"  # five plain words: auto reads them as any


@pytest.fixture(scope="module")
def web_index(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"finding-{engine_name}")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    return build_index(root / "index", [seeds, REUTERS_SLICE], engine_name)


def soup(client, url, status=200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    return BeautifulSoup(response.data, "html.parser")


def test_a_long_question_says_it_matched_any_word_and_counts_those_with_all(slice_engine):
    relaxed = run_search(slice_engine, SearchRequest(query=QUESTION))
    strict = run_search(slice_engine, SearchRequest(query=QUESTION, mode="all"))
    assert relaxed.mode_used == "any"
    assert relaxed.total > strict.total
    assert relaxed.all_words_total == strict.total
    assert strict.mode_used == "all"
    assert strict.all_words_total is None
    short = run_search(slice_engine, SearchRequest(query="opec oil"))
    assert (short.mode_used, short.all_words_total) == ("all", None)
    chosen = run_search(slice_engine, SearchRequest(query="opec quota", mode="any"))
    both = run_search(slice_engine, SearchRequest(query="opec quota"))
    assert chosen.mode_used == "any"
    assert chosen.all_words_total == both.total


def test_the_page_and_json_state_the_mode_and_link_to_all_words(client):
    document = client.get(f"/api/search?q={QUESTION}").get_json()
    assert document["mode_used"] == "any"
    assert isinstance(document["all_words_total"], int)
    html = soup(client, f"/search?q={QUESTION}")
    notice = html.select_one(".relaxed")
    assert "any" in notice.select_one("strong").text
    assert document["all_words_total"] >= 1
    assert f"{document['all_words_total']:,} contain all" in notice.text
    strict = soup(client, notice.select_one("a")["href"])
    heading = strict.select_one("#results-title").text
    assert heading.strip().startswith(f"{document['all_words_total']:,} article")
    back = soup(client, strict.select_one(".relaxed a")["href"])  # auto: the default again
    assert back.select_one("#results-title").text.strip().startswith(f"{document['total']:,} ")


def test_the_cli_says_how_it_read_the_words(capsys, slice_index):
    from search.cli import build_cli, run

    status = run(build_cli(), ["search", QUESTION, "--index", str(slice_index), "--limit", "1"])
    out = capsys.readouterr().out
    assert status == 0
    assert "any of your" in out
    assert "--mode all" in out


def test_filters_that_exclude_every_match_say_how_many_match_without_them(client, slice_engine):
    url = "/api/search?q=cocoa&source=Reuters&from=1987-10-01&to=1987-10-02"
    document = client.get(url).get_json()
    assert document["total"] == 0
    without = document["without_filters"]
    assert without["all"] == run_search(slice_engine, SearchRequest(query="cocoa")).total > 0
    dated = SearchRequest(query="cocoa", date_from=date(1987, 10, 1), date_to=date(1987, 10, 2))
    assert without["sources"] == run_search(slice_engine, dated).total
    assert (
        without["dates"]
        == run_search(slice_engine, SearchRequest(query="cocoa", sources=("Reuters",))).total
    )
    html = soup(client, url.replace("/api/search", "/search"))
    links = {a.text: a["href"] for a in html.select(".empty a")}
    assert "remove the dates" in links
    assert "from=" not in links["remove the dates"]
    assert html.select_one(".save-export") is None  # nothing to save or download


def test_a_field_value_no_article_has_is_named(client):
    document = client.get("/api/search?q=source:reutres+cocoa").get_json()
    assert document["total"] == 0
    assert any("source 'reutres'" in w and "Reuters" in w for w in document["warnings"])
    author = client.get("/api/search?q=author:nobodyxyz").get_json()
    assert any("author 'nobodyxyz'" in w for w in author["warnings"])
    html = soup(client, "/search?q=author:nobodyxyz")
    assert "fewer words" not in html.select_one(".empty").text


def test_only_stop_words_asks_for_a_word(client):
    html = soup(client, "/search?q=the")
    assert "too common" in html.select_one(".empty").text
    assert "fewer words" not in html.select_one(".empty").text
    assert html.select_one(".save-export") is None


def test_json_shape_keeps_its_old_keys(client):
    document = client.get("/api/search?q=cocoa").get_json()
    old = {"query", "total", "stories", "copy_groups", "collapse", "page", "pages", "hits"}
    assert old | {"facets", "warnings"} <= set(document)
    assert document["without_filters"] is None
    json.dumps(document)


def test_every_hit_streams_as_json_lines_exactly_once(capsys, slice_index, slice_engine):
    from search.cli import build_cli, run

    status = run(build_cli(), ["search", "oil", "--all", "--json", "--index", str(slice_index)])
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) == len(set(ids)) == run_search(slice_engine, SearchRequest(query="oil")).total
    status = run(build_cli(), ["search", "oil", "--all", "--export", "x.csv"])
    assert status == 2


def test_only_excluded_stop_words_say_every_article_is_shown(slice_engine):
    found = run_search(slice_engine, SearchRequest(query="the -of"))
    assert found.total == slice_engine.stats().articles
    assert any("no word that can be searched" in w for w in found.warnings)
    browse = run_search(slice_engine, SearchRequest(query="*"))
    assert not any("no word" in w for w in browse.warnings)


def test_a_long_question_beside_a_field_clause_is_still_a_question(slice_engine):
    """``source:reuters`` is a filter on the question, not a reason to demand every word."""
    filtered = run_search(slice_engine, SearchRequest(query=f"source:reuters {QUESTION}"))
    plain = run_search(slice_engine, SearchRequest(query=QUESTION))
    assert filtered.mode_used == "any"
    assert filtered.total == plain.total  # every article of the slice is Reuters'
    assert filtered.all_words_total == plain.all_words_total
    none = run_search(slice_engine, SearchRequest(query=f"source:nobody {QUESTION}"))
    assert none.total == 0


def test_typographic_quotes_make_a_phrase(slice_engine):
    curly = run_search(slice_engine, SearchRequest(query="\u201coil prices\u201d"))
    straight = run_search(slice_engine, SearchRequest(query='"oil prices"'))
    words = run_search(slice_engine, SearchRequest(query="oil prices"))
    assert curly.total == straight.total < words.total
