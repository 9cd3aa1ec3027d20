"""Every field searchable and faceted: the metadata an input carries (section, language, tags,
publisher), bylines and places are found with ``field:value``, counted as facets that add up to
what a search for each value finds, listed by ``morgue stats``; fields Morgue does not know are
kept and shown. The archive is built as a user builds one: several formats, run after run."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from search.archive import open_archive
from search.facets import field_query
from search.indexer import update_index
from search.searching import run_search
from search.types import METADATA_FIELDS, SearchRequest
from tests.conftest import build_index

pytestmark = pytest.mark.usefixtures("engine_name")

RECORDS = [
    {
        "id": "j1",
        "title": "Border policy shifts",
        "body": "WASHINGTON (Reuters) - The administration changed border policy on Monday.",
        "date": "2026-03-02",
        "source": "Reuters",
        "author": "Ted Hesson",
        "section": "Politics",
        "tags": ["immigration", "border"],
        "language": "en",
        "publisher": "Thomson Reuters",
        "desk": "US",
        "priority": 3,
    },
    {
        "id": "j2",
        "title": "Asylum rules tightened",
        "body": "WASHINGTON (Reuters) - New asylum rules were announced on Tuesday.",
        "date": "2026-03-03",
        "source": "Reuters",
        "authors": ["Ted Hesson", "Kristina Cooke"],
        "section": "politics",  # another case: the same section
        "keywords": "immigration; courts",
        "language": "en",
        "wire": {"code": "X1", "slugs": ["asylum"]},
    },
    {
        "id": "j3",
        "title": "Oil prices rise",
        "body": "NEW YORK (Reuters) - Oil prices rose on Tuesday as supplies tightened.",
        "date": "2026-03-03",
        "source": "Reuters",
        "author": "Jane Roe",
        "section_name": "Business",
        "topics": ["crude"],
        "language": "en",
    },
]
CSV = (
    "id,title,text,date,source,byline,category,tags,lang,shelf\n"
    'c1,Election in Berlin,"BERLIN - Voters went to the polls on Sunday.",2026-03-08,DW,'
    'Anna Schmidt,World,"elections|germany",de,B-12\n'
    'c2,Senate vote on border bill,"WASHINGTON - The Senate voted on the border bill.",'
    "2026-03-09,AP News,Ted Hesson,Politics,immigration,en,\n"
)
FEED = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Wire Feed</title><language>en-us</language>
<item><title>Court blocks rule</title><link>https://wire.example/court-rule</link>
<guid>f1</guid><pubDate>Tue, 10 Mar 2026 10:00:00 GMT</pubDate>
<category>Courts</category><category>immigration</category>
<description>A court blocked the asylum rule on Tuesday.</description></item>
</channel></rss>
"""
PAGE = """<html lang="en"><head><title>x</title>
<meta property="og:title" content="Ports reopen after storm">
<meta property="og:site_name" content="Harbour Times">
<meta property="article:published_time" content="2026-03-11T08:00:00Z">
<meta property="article:section" content="Business">
<meta property="article:tag" content="shipping"><meta property="article:tag" content="storms">
<meta name="keywords" content="ports, weather">
</head><body><article><p>Ports reopened on Wednesday after the storm passed.</p></article>
</body></html>
"""


def write_inputs(folder):
    folder.mkdir()
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    (folder / "b.csv").write_text(CSV)
    (folder / "c.rss").write_text(FEED)
    (folder / "d.html").write_text(PAGE)
    return folder


@pytest.fixture(scope="module")
def web_index(tmp_path_factory, engine_name):
    """Four formats indexed one after another into one archive, as four runs."""
    root = tmp_path_factory.mktemp(f"fields-{engine_name}")
    inputs = write_inputs(root / "in")
    index = root / "index"
    for name in ("a.jsonl", "b.csv", "c.rss", "d.html"):
        build_index(index, [inputs / name], engine_name)
    return index


@pytest.fixture
def engine(web_index):
    with open_archive(web_index) as opened:
        yield opened


def total(engine, query: str) -> int:
    return run_search(engine, SearchRequest(query=query)).total


def ids(engine, query: str) -> set[str]:
    return {h.id for h in run_search(engine, SearchRequest(query=query, page_size=100)).hits}


def test_the_acceptance_queries_find_what_the_fields_say(engine):
    assert ids(engine, "section:politics") == {"j1", "j2", "c2"}
    assert ids(engine, "section:POLITICS") == ids(engine, "section:Politics")
    assert ids(engine, 'author:"Ted Hesson"') == {"j1", "j2", "c2"}
    assert ids(engine, "place:washington") == {"j1", "j2", "c2"}
    assert ids(engine, 'section:politics author:"Kristina Cooke"') == {"j2"}


def test_metadata_comes_from_every_format_under_the_names_exports_use(engine):
    assert ids(engine, "tags:immigration") == {"j1", "j2", "c2", "f1"}
    assert ids(engine, "keywords:courts") == {"j2", "f1"}
    assert ids(engine, "tag:crude") == {"j3"}  # Reuters' topics
    assert ids(engine, "tags:germany") == {"c1"}  # "elections|germany" in one CSV cell
    assert ids(engine, "lang:de") == {"c1"}
    assert ids(engine, "language:en") >= {"f1", "j1"}  # the feed's en-us is English: en
    assert len(ids(engine, "section:business")) == 2  # section_name, and article:section
    assert len(ids(engine, "tags:shipping AND tags:storms")) == 1  # the page's article:tag
    assert len(ids(engine, "tags:storms AND tags:weather")) == 1  # and its keywords beside them
    assert ids(engine, 'publisher:"thomson reuters"') == {"j1"}
    assert total(engine, "section:polit*") == 3  # wildcards over exact values
    assert total(engine, "section:politics OR section:world") == 4
    assert total(engine, "tags:immigration -section:politics") == 1


def test_every_facet_value_finds_as_many_articles_as_it_counts(engine):
    everything = run_search(engine, SearchRequest(query="*"))
    assert set(everything.field_facets) == {"author", "place", *METADATA_FIELDS}
    for name, facets in everything.field_facets.items():
        for facet in facets:
            found = total(engine, field_query(name, facet.value))
            assert found == facet.count, (name, facet)
    section = {f.value: f.count for f in everything.field_facets["section"]}
    assert section == {"Politics": 3, "Business": 2, "World": 1}  # two cases, one value
    without = total(engine, "* -section:politics -section:business -section:world")
    assert sum(section.values()) + without == everything.total  # single-valued: adds up
    authors = {f.value: f.count for f in everything.field_facets["author"]}
    assert authors["Ted Hesson"] == 3
    assert authors["Kristina Cooke"] == 1
    narrowed = run_search(engine, SearchRequest(query="section:politics"))
    assert {f.value: f.count for f in narrowed.field_facets["section"]} == {"Politics": 3}
    assert {f.value: f.count for f in narrowed.field_facets["place"]} == {"Washington": 3}


def test_unknown_fields_are_kept_and_shown_but_not_searched(engine, client):
    article = engine.get("j1")
    assert dict(article.extra) == {"desk": "US", "priority": "3"}
    assert dict(engine.get("j2").extra) == {"wire": '{"code":"X1","slugs":["asylum"]}'}
    assert dict(engine.get("c1").extra) == {"shelf": "B-12"}
    assert engine.get("c2").extra == ()  # an empty cell is no value
    document = client.get("/api/articles/j1").get_json()
    assert document["fields"] == {
        "section": ["Politics"],
        "language": ["en"],
        "tags": ["immigration", "border"],
        "publisher": ["Thomson Reuters"],
    }
    assert document["extra"] == {"desk": "US", "priority": "3"}
    page = BeautifulSoup(client.get("/article/j1").data, "html.parser")
    shown = {
        dt.get_text(strip=True): " ".join(dt.find_next_sibling("dd").get_text().split())
        for dt in page.select(".article-fields:not(.article-provenance) dt")
    }
    assert shown == {
        "Section": "Politics",
        "Language": "en",
        "Tags": "immigration, border",
        "Publisher": "Thomson Reuters",
        "desk": "US",
        "priority": "3",
    }
    link = page.select_one(".article-fields dd a")["href"]
    assert {h["id"] for h in client.get("/api/search" + link[7:]).get_json()["hits"]} == {
        "j1",
        "j2",
        "c2",
    }


def test_the_results_page_lists_field_facets_that_toggle_a_clause(client):
    page = BeautifulSoup(client.get("/search?q=immigration+OR+border").data, "html.parser")
    sections = page.select("section[aria-labelledby=facet-section] .facet-link")
    assert [a.select_one(".facet-value").get_text() for a in sections] == ["Politics"]
    added = sections[0]["href"]
    assert "section%3APolitics" in added or "section:Politics" in added
    narrowed = BeautifulSoup(client.get(added).data, "html.parser")
    active = narrowed.select_one("section[aria-labelledby=facet-section] .facet-link.active")
    assert active is not None
    back = client.get(active["href"]).data
    assert b"section:Politics" not in back.split(b"<main")[1].split(b"</h1>")[0]
    document = client.get("/api/search?q=" + quote("tags:immigration")).get_json()
    assert {f["value"]: f["count"] for f in document["facets"]["tags"]}["immigration"] == 4
    assert set(document["facets"]) >= {"author", "place", "section", "tags", "publisher"}
    assert all("fields" in hit and "place" in hit for hit in document["hits"])


def test_more_than_five_values_hide_behind_show_more(tmp_path, engine_name):
    records = [
        {"id": f"t{n}", "title": f"Report {n}", "body": "Markets moved.", "tags": f"tag{n}"}
        for n in range(8)
    ]
    (tmp_path / "t.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    index = build_index(tmp_path / "index", [tmp_path / "t.jsonl"], engine_name)
    from webui import create_app

    app = create_app({"TESTING": True, "MORGUE_OVERRIDES": {"index_dir": index}})
    page = BeautifulSoup(app.test_client().get("/search?q=markets").data, "html.parser")
    facet = page.select_one("section[aria-labelledby=facet-tags]")
    assert len(facet.select(":scope > ul .facet-link")) == 5
    more = facet.select_one("details.facet-more")
    assert "Show 3 more" in more.select_one("summary").get_text()
    assert len(more.select(".facet-link")) == 3
    app.extensions["morgue_engine"].close()


def test_a_value_no_article_has_gets_the_closest_one(engine):
    found = run_search(engine, SearchRequest(query="section:polotics"))
    assert found.total == 0
    assert "did you mean section:Politics?" in " ".join(found.warnings)
    assert found.suggestion == ("section:Politics", 3, None)  # a link with its count
    assert run_search(engine, SearchRequest(query="keywords:imigration")).suggestion == (
        "keywords:immigration",
        4,
        None,
    )
    assert run_search(engine, SearchRequest(query="place:washingtn")).suggestion[:2] == (
        "place:Washington",
        3,
    )
    assert run_search(engine, SearchRequest(query="section:politics")).suggestion is None
    found = run_search(engine, SearchRequest(query='publisher:"Thomsen Reuters"'))
    assert 'did you mean publisher:"Thomson Reuters"?' in " ".join(found.warnings)


def test_a_field_the_archive_never_had_says_so(tmp_path, engine_name):
    plain = tmp_path / "plain.jsonl"
    plain.write_text(json.dumps({"id": "p", "title": "Plain", "body": "Nothing else."}) + "\n")
    index = build_index(tmp_path / "index", [plain], engine_name)
    with open_archive(index) as engine:
        found = run_search(engine, SearchRequest(query="section:politics"))
        assert "no article in this archive has a section at all" in " ".join(found.warnings)
        assert engine.stats().field_counts == {}


def test_changing_a_section_in_a_later_run_updates_the_article_and_its_facet(tmp_path, engine_name):
    source = tmp_path / "a.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    index = build_index(tmp_path / "index", [source], engine_name)
    moved = [dict(r, section="World") if r["id"] == "j1" else r for r in RECORDS]
    source.write_text("\n".join(json.dumps(r) for r in moved) + "\n")
    report = update_index(index, [source], engine=engine_name)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    with open_archive(index) as engine:
        assert ids(engine, "section:world") == {"j1"}
        assert ids(engine, "section:politics") == {"j2"}
        counts = engine.stats().field_counts["section"]
        assert counts == {"World": 1, "politics": 1, "Business": 1}


def test_morgue_stats_lists_the_fields_and_their_top_values(web_index):
    def morgue(*args):
        command = [sys.executable, "-m", "webui.cli", *args, "--index", str(web_index)]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    document = json.loads(morgue("stats", "--json"))
    assert document["fields"]["section"] == {
        "values": 3,
        "top": [
            {"value": "Politics", "count": 3},
            {"value": "Business", "count": 2},
            {"value": "World", "count": 1},
        ],
    }
    assert document["fields"]["author"]["top"][0] == {"value": "Ted Hesson", "count": 3}
    assert set(document["fields"]) == {"author", "place", *METADATA_FIELDS}
    text = morgue("stats")
    assert "section    3 values; top: Politics 3, Business 2, World 1" in text


def test_markup_in_a_value_is_escaped_and_still_found(tmp_path, engine_name):
    hostile = '<img src=x onerror=alert(1)> "quoted"'
    record = {"id": "h", "title": "Odd", "body": "Odd value.", "section": hostile, "x": "<b>"}
    (tmp_path / "h.jsonl").write_text(json.dumps(record) + "\n")
    index = build_index(tmp_path / "index", [tmp_path / "h.jsonl"], engine_name)
    from webui import create_app

    app = create_app({"TESTING": True, "MORGUE_OVERRIDES": {"index_dir": index}})
    client = app.test_client()
    for url in ("/search?q=odd", "/article/h"):
        html = client.get(url).data.decode()
        assert "<img src=x" not in html
        assert "<b>" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
    with open_archive(index) as engine:
        assert total(engine, field_query("section", hostile)) == 1
    app.extensions["morgue_engine"].close()


def test_odd_inputs_keep_every_value_findable_and_say_what_they_cut(tmp_path, engine_name):
    """Blank and repeated CSV headers, a huge tag list, language tags, accents, a surname-first
    byline and two spellings of one place: nothing is lost unnamed, and one value is one facet."""
    (tmp_path / "odd.csv").write_text(
        "id,title,text,section,,x,x,lang,author,place\n"
        'o1,One,Markets moved.,Economía,surprise,a,b,en-GB,"Smith, John",St. Louis\n'
        "o2,Two,Markets moved.,economia,,c,d,en_US,Ann Lee,St Louis\n"
    )
    tags = {
        "id": "o3",
        "title": "Three",
        "body": "Markets moved.",
        "tags": [f"t{n}" for n in range(60)],
    }
    (tmp_path / "tags.jsonl").write_text(json.dumps(tags) + "\n")
    problems: list[str] = []
    index = tmp_path / "index"
    report = update_index(
        index,
        [tmp_path / "odd.csv", tmp_path / "tags.jsonl"],
        engine=engine_name,
        on_problem=problems.append,
    )
    assert report.added == 3
    assert any("tags: 60 values, the first 50 kept" in p and "tags.jsonl" in p for p in problems)
    with open_archive(index) as engine:
        assert dict(engine.get("o1").extra) == {"column 5": "surprise", "x": "a", "x (2)": "b"}
        assert ids(engine, "section:ECONOMIA") == {"o1", "o2"}
        assert ids(engine, "lang:en") == {"o1", "o2"}
        everything = run_search(engine, SearchRequest(query="*"))
        facets = {n: {f.value: f.count for f in v} for n, v in everything.field_facets.items()}
        assert facets["section"] == {"Economía": 2}  # one value: ties go to the first spelling
        assert facets["author"] == {"Smith, John": 1, "Ann Lee": 1}
        assert facets["place"] == {"St Louis": 2}  # the same words: one place
        assert len(facets["tags"]) == 50


def test_values_are_one_value_in_every_spelling_and_odd_records_never_stop_a_run(
    tmp_path, engine_name
):
    """A value in another case or accent is one facet value, found by either spelling quoted or
    not; a language tag by its language; a record nested as deep as JSON readers allow keeps
    what it holds."""
    deep: list = ["buried"]
    for _ in range(900):
        deep = [deep]
    records = [
        {"id": "e1", "title": "One", "body": "Harbour one.", "section": "Économie",
         "tags": ["Économie", "Economie", "economie ", "oilseed"], "language": "en-GB"},
        {"id": "e2", "title": "Two", "body": "Harbour two.", "section": "economie",
         "tags": ["oil"], "language": "EN", "wire": {"a": deep}},
        {"id": "e3", "title": "Three", "body": "Harbour three.", "tags": deep,
         "publisher": 'The "Harbour" Gazette'},
    ]  # fmt: skip
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    columns = ",".join(["x"] * 2_000)
    (tmp_path / "wide.csv").write_text(
        f"id,title,text,{columns}\nw1,Wide,Harbour wide.,{','.join(['v'] * 2_000)}\n"
    )
    index = build_index(tmp_path / "index", [tmp_path / "a.jsonl"], engine_name)
    build_index(index, [tmp_path / "wide.csv"], engine_name)  # a second run, another format
    with open_archive(index) as engine:
        assert [v for n, v in engine.get("e1").metadata if n == "tags"] == ["Économie", "oilseed"]
        assert ids(engine, "tags:buried") == {"e3"}
        assert dict(engine.get("e2").extra)["wire"].startswith('{"a":[[[[')
        assert [name for name, _ in engine.get("w1").extra][-2:] == ["x (39)", "x (40)"]
        for query in ("section:Économie", "section:economie", 'section:"ÉCONOMIE"', "section:Éc*"):
            assert ids(engine, query) == {"e1", "e2"}, query
        assert ids(engine, "language:en-GB") == ids(engine, "lang:en") == {"e1", "e2"}
        facets = run_search(engine, SearchRequest(query="harbour")).field_facets
        assert {f.value: f.count for f in facets["tags"]}["Économie"] == 1
        assert [f.count for f in facets["section"]] == [2]  # one value, whichever spelling
        # a wildcard that matched gets no "did you mean"
        assert run_search(engine, SearchRequest(query="tags:oil*")).suggestion is None
        # the closest value holds quotes: the suggestion is a query that runs
        found = run_search(engine, SearchRequest(query='publisher:"Harbor Gazete"'))
        assert found.suggestion is not None
        assert run_search(engine, SearchRequest(query=found.suggestion[0])).total == 1
    from webui import create_app

    app = create_app({"TESTING": True, "MORGUE_OVERRIDES": {"index_dir": index}})
    client = app.test_client()
    assert client.get("/search?q=" + quote('publisher:"Harbor Gazete"')).status_code == 200
    page = BeautifulSoup(client.get("/search?q=tags%3Aoilseed").data, "html.parser")
    links = {
        a.select_one(".facet-value").get_text(): a
        for a in page.select("section[aria-labelledby=facet-tags] .facet-link")
    }
    assert "active" in links["oilseed"]["class"]
    assert "active" not in links.get("Économie", {"class": []})["class"]
    page = BeautifulSoup(client.get("/search?q=tag%3Aoil+OR+harbour").data, "html.parser")
    oil = [
        a
        for a in page.select("section[aria-labelledby=facet-tags] .facet-link")
        if a.select_one(".facet-value").get_text() == "oil"
    ][0]
    assert "active" in oil["class"]  # tag: is tags:, so the link takes the clause out
    assert "oil" not in client.get(oil["href"]).data.decode().split("<title>")[1].split("<")[0]
    app.extensions["morgue_engine"].close()
