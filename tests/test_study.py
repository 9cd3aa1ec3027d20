"""The concordance, the words that characterise a result set, and the commands and web pages that
show attention over time, each checked against counts made here without Morgue's own code."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from math import log

import pytest
from bs4 import BeautifulSoup
from nltk.stem.snowball import SnowballStemmer

from search.analysis import STOP_WORDS
from search.cli import build_cli
from search.concordance import lines, page
from search.significant import g2, significant_terms
from search.types import SearchRequest
from tests.conftest import REUTERS_SLICE, SEEDS, build_index

pytestmark = pytest.mark.usefixtures("engine_name")

STEM = SnowballStemmer("english").stem
HOSTILE = {
    "id": "evil-kwic",
    "title": "Harbour <script>alert(1)</script>",
    "body": 'Before <img src=x onerror=alert(2)> the oil prices <script>alert("x")</script> after.',
    "source": "<i>Evil Wire</i>",
    "date": "1987-03-05",
}


def article_texts(engine):
    """Title and body of every article, but a title that is only the body's first words (an
    article without one) once: the concordance's definition of where words occur."""
    for article in engine.iter_articles():
        if not " ".join(article.body.split()).startswith(" ".join(article.title.split())):
            yield article.title
        yield article.body


def phrase_occurrences(texts, first: str, second: str) -> int:
    """Adjacent word pairs counted with NLTK's stemmer directly (stop words take no place)."""
    count = 0
    for text in texts:
        words = [w.lower() for w in re.findall(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?", text)]
        stems = [STEM(w) for w in words if w not in STOP_WORDS]
        count += sum(1 for a, b in zip(stems, stems[1:], strict=False) if (a, b) == (first, second))
    return count


@pytest.fixture(scope="module")
def study_web_index(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"study-{engine_name}")
    hostile = root / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    return build_index(root / "index", [seeds, REUTERS_SLICE, hostile], engine_name)


@pytest.fixture
def web_index(study_web_index):
    return study_web_index


# ---------------------------------------------------------------------------------------- kwic


def test_concordance_lines_equal_the_phrase_occurrences_counted_independently(slice_engine):
    found = list(lines(slice_engine, SearchRequest(query='"oil prices"', sort="oldest")))
    texts = list(article_texts(slice_engine))
    assert len(found) == phrase_occurrences(texts, "oil", "price") > 5
    assert {line.match.lower().split()[0] for line in found} == {"oil"}
    assert all(line.match.lower().startswith("oil pric") for line in found)


def test_concordance_finds_stemmed_variants_and_every_word_once(slice_engine):
    found = list(lines(slice_engine, SearchRequest(query="price", sort="oldest")))
    texts = list(article_texts(slice_engine))
    words = [w.lower() for t in texts for w in re.findall(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?", t)]
    assert len(found) == sum(1 for w in words if STEM(w) == "price")
    assert {line.match.lower() for line in found} >= {"price", "prices"}


def test_concordance_pages_sort_by_the_words_left_or_right(slice_engine):
    request = SearchRequest(query="crude")
    left = page(slice_engine, request, order="left", count=10_000)
    keys = [tuple(w.lower() for w in reversed(re.findall(r"\w+", x.left))) for x in left.lines]
    assert keys == sorted(keys)
    right = page(slice_engine, request, order="right", count=10_000)
    keys = [tuple(w.lower() for w in re.findall(r"\w+", x.right)) for x in right.lines]
    assert keys == sorted(keys)
    assert left.total == right.total == len(left.lines) > 5
    assert not left.capped
    second = page(slice_engine, request, order="left", first=5, count=5)
    assert second.lines == left.lines[5:10]


# ---------------------------------------------------------------------------------------- terms


def test_g2_matches_a_hand_computation():
    a, n, b, total = 30, 100, 60, 10_000
    cells = [(30, 100 * 60 / 10_000), (70, 100 * 9_940 / 10_000)]
    cells += [(30, 9_900 * 60 / 10_000), (9_870, 9_900 * 9_940 / 10_000)]
    want = 2 * sum(o * log(o / e) for o, e in cells)
    assert g2(a, n, b, total) == pytest.approx(want)
    assert g2(1, 100, 100, 10_000) == pytest.approx(0.0)  # exactly as frequent: nothing to see


def test_characteristic_words_are_over_represented_and_never_the_query_or_stop_words(
    slice_engine,
):
    found = significant_terms(slice_engine, SearchRequest(query="oil"))
    archive = slice_engine.stats().articles
    assert found.total == found.read
    assert not found.sampled
    assert len(found.terms) >= 5
    for term in found.terms:
        assert term.matches / found.read > term.archive / archive
        assert "oil" not in term.terms
        assert not set(term.text.split()) <= STOP_WORDS
    scores = [t.score for t in found.terms]
    assert scores == sorted(scores, reverse=True)


def test_a_sample_is_seeded_by_the_query_and_says_its_size(slice_engine, monkeypatch):
    monkeypatch.setattr("search.significant.SAMPLE_SIZE", 40)
    one = significant_terms(slice_engine, SearchRequest(query="said"))
    two = significant_terms(slice_engine, SearchRequest(query="said"))
    assert one.sampled
    assert one.read == 40 < one.total
    assert [t.text for t in one.terms] == [t.text for t in two.terms]


# ---------------------------------------------------------------------------------------- cli


def run_cli(capsys, *args) -> tuple[int, str, str]:
    from search.cli import run

    status = run(build_cli(), list(map(str, args)))
    out, err = capsys.readouterr()
    return status, out, err


def test_attention_json_csv_and_table_agree(capsys, slice_index):
    status, out, _ = run_cli(
        capsys, "attention", "oil", "wheat", "--interval", "week", "--json", "--index", slice_index
    )
    assert status == 0
    document = json.loads(out)
    assert document["interval"] == "week"
    assert [s["query"] for s in document["series"]] == ["oil", "wheat"]
    for series in document["series"]:
        assert sum(p["count"] for p in series["points"]) == series["total"]
        for point in series["points"]:
            assert set(point) >= {"bucket", "start", "count", "all", "share"}
            assert point["share"] == (point["count"] / point["all"] if point["all"] else 0)
    status, out, _ = run_cli(
        capsys, "attention", "oil", "wheat", "--interval", "week", "--csv", "--index", slice_index
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 2 * len(document["series"][0]["points"])
    assert (
        sum(int(r["count"]) for r in rows if r["query"] == "oil") == document["series"][0]["total"]
    )
    status, out, _ = run_cli(capsys, "attention", "oil", "wheat", "--share", "--index", slice_index)
    assert status == 0
    table = out.splitlines()
    assert table[0].startswith("Articles by ")
    assert "share of all articles" in table[0]
    oil_row = next(line for line in table if line.startswith("oil "))
    assert f"{document['series'][0]['total']:,}" in oil_row
    assert re.search("[\u2581-\u2588]", oil_row)


def test_attention_refuses_bad_input_with_usage_status(capsys, slice_index):
    status, _, err = run_cli(capsys, "attention", "oil AND (", "--index", slice_index)
    assert status == 2
    assert "never closed" in err
    assert "Traceback" not in err
    nine = [f"w{i}" for i in range(9)]
    status, _, err = run_cli(capsys, "attention", *nine, "--index", slice_index)
    assert status == 2
    assert "at most 8" in err
    status, _, err = run_cli(capsys, "attention", "oil", "--interval", "fortnight")
    assert status == 2


def test_kwic_export_writes_every_line(capsys, slice_index, slice_engine, tmp_path):
    target = tmp_path / "lines.csv"
    status, _, err = run_cli(
        capsys, "kwic", '"oil prices"', "--export", target, "--index", slice_index
    )
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == len(list(lines(slice_engine, SearchRequest(query='"oil prices"'))))
    assert f"wrote {len(rows):,} lines" in err
    assert {"left", "match", "right", "source", "date", "id"} <= set(rows[0])
    status, out, _ = run_cli(capsys, "kwic", "crude", "--limit", "3", "--index", slice_index)
    assert status == 0
    assert len(out.splitlines()) == 4
    assert "--export" in out.splitlines()[-1]


def test_coverage_and_terms_commands(capsys, slice_index, slice_engine):
    status, out, _ = run_cli(capsys, "coverage", "--json", "--index", slice_index)
    document = json.loads(out)
    assert status == 0
    total = sum(row["total"] for row in document["sources"]) + document["undated"]
    assert total == slice_engine.stats().articles
    assert all(len(row["counts"]) == len(document["buckets"]) for row in document["sources"])
    status, out, _ = run_cli(capsys, "terms", "opec", "--json", "--index", slice_index)
    assert status == 0
    assert json.loads(out)["terms"]


# ---------------------------------------------------------------------------------------- web


def soup(client, url, status=200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    return BeautifulSoup(response.data, "html.parser")


def test_api_attention_has_the_documented_shape(client):
    response = client.get("/api/attention?q=oil&q=wheat&interval=week&normalize=share")
    assert response.status_code == 200
    document = response.get_json()
    assert set(document) >= {"interval", "series"}
    assert document["interval"] == "week"
    for series in document["series"]:
        assert set(series) >= {"query", "total", "points"}
        assert sum(p["count"] for p in series["points"]) == series["total"]
    bad = client.get("/api/attention?q=oil+AND+(")
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "bad_query"
    assert client.get("/api/attention?q=oil&interval=x").status_code == 400
    assert client.get("/api/attention").status_code == 400


def test_compare_page_draws_an_accessible_chart_with_its_data(client):
    html = soup(client, "/compare?q=oil&q=wheat&interval=week")
    svg = html.select_one("svg.linechart")
    assert svg["role"] == "img"
    assert svg.find("title").text
    assert svg.find("desc").text
    assert len(html.select("svg.linechart polyline.series")) >= 2
    legend = [li.select_one("a").text for li in html.select(".legend li")]
    assert legend == ["oil", "wheat"]
    table = html.select_one("details.chart-data table")
    assert table is not None
    assert len(table.select("tbody tr")) == len(
        client.get("/api/attention?q=oil&interval=week").get_json()["series"][0]["points"]
    )
    links = {a.text: a["href"] for a in html.select(".downloads a")}
    assert set(links) == {"SVG", "CSV", "JSON"}
    svg_file = client.get(links["SVG"])
    root = ET.fromstring(svg_file.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "attachment" in svg_file.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(client.get(links["CSV"]).data.decode())))
    assert {r["query"] for r in rows} == {"oil", "wheat"}
    point = html.select_one("svg.linechart a")
    assert "/search?" in point["href"]
    assert "from=" in point["href"]
    assert "to=" in point["href"]


def test_compare_page_reports_a_bad_query_without_a_traceback(client):
    html = soup(client, "/compare?q=oil&q=wheat+AND+(", status=400)
    assert "query 2 of 2" in html.select_one("[role=alert]").text
    assert [i.get("value") for i in html.select(".compare-form input[name=q]")][:2] == [
        "oil",
        "wheat AND (",
    ]


def test_results_page_links_to_compare_kwic_and_switches_its_timeline(client):
    html = soup(client, "/search?q=oil")
    links = {a.text: a["href"] for a in html.select(".study-links a")}
    assert links["Compare with…"].startswith("/compare?")
    assert "q=oil" in links["Compare with…"]
    assert links["Concordance"].startswith("/kwic?")
    switches = {a.text: a["href"] for a in html.select(".timeline-switch a")}
    assert {"day", "week", "month", "year", "count", "share of all articles"} <= set(switches)
    weekly = soup(client, switches["week"])
    assert "by week" in weekly.select_one(".timeline figcaption").text
    shared = soup(client, "/search?q=oil&interval=week&measure=share")
    assert "Share of all articles" in shared.select_one(".timeline figcaption").text
    labels = [a["aria-label"] for a in shared.select(".timeline svg a")]
    assert labels
    assert all("% of all articles" in label for label in labels)
    refused = soup(client, "/search?q=oil&interval=fortnight", status=400)
    assert "interval must be one of" in refused.select_one("[role=alert]").text


def test_kwic_page_escapes_article_text_and_marks_only_the_match(client):
    response = client.get("/kwic?q=%22oil+prices%22")
    assert response.status_code == 200
    assert b"<script>alert" not in response.data
    assert b"<img src=x" not in response.data
    html = BeautifulSoup(response.data, "html.parser")
    rows = html.select("table.kwic-lines tbody tr")
    assert rows
    assert all(r.select_one("td.match mark") for r in rows)
    evil = [r for r in rows if "Evil Wire" in r.text]
    assert evil
    assert "<img src=x" in evil[0].select_one("td.left").text
    assert client.get("/kwic?q=oil+(").status_code == 400
    exported = client.get("/kwic.csv?q=%22oil+prices%22").data.decode()
    assert len(list(csv.DictReader(io.StringIO(exported)))) == int(
        html.select_one(".results-meta").text.split()[0].replace(",", "")
    )


def test_terms_fragment_links_add_the_word_to_the_query(client):
    html = soup(client, "/terms?q=oil&fragment=1")
    assert html.select_one("html") is None  # the panel alone
    links = html.select(".term-list a")
    assert links
    first = links[0]
    assert "q=oil+" in first["href"]
    data = client.get("/api/terms?q=oil").get_json()
    assert data["terms"][0]["text"] == first.text


def test_coverage_page_lists_sources_and_says_the_rule(client):
    html = soup(client, "/coverage?interval=month")
    headers = [th.text for th in html.select("table.volume thead th")]
    assert "Reuters" in headers
    assert "28 days" in html.select_one(".lede").text
    assert client.get("/coverage?interval=x").status_code == 400


# ---------------------------------------------------------------------------------------- trial


def test_what_a_new_user_ran_into_is_refused_or_explained(client):
    """Each of these once gave a 500, gigabytes of buckets, or silence."""
    svg = client.get("/compare.svg?q=oil&source=Reutres")
    assert svg.status_code == 404
    assert b"nothing to chart" in svg.data
    assert b"did you mean Reuters" in svg.data
    huge = client.get("/api/attention?q=oil&from=0001&to=9999&interval=day")
    assert huge.status_code == 400
    assert "buckets" in huge.get_json()["error"]["message"]
    assert client.get("/api/attention?q=oil&from=0001&to=9999&interval=year").status_code == 200
    typo = client.get("/api/attention?q=oil&source=Reutres").get_json()
    assert any("did you mean Reuters" in w for w in typo["warnings"])
    stop = client.get("/api/attention?q=the").get_json()
    assert any("too common" in w for w in stop["warnings"])
    assert client.get("/compare?q=oil&smooth=banana").status_code == 400
    assert client.get("/api/terms?q=oil&size=0").status_code == 400
    assert client.get("/search?q=oil&interval=fortnight").status_code == 400
    assert client.get("/kwic?q=oil&limit=100000").status_code == 200  # not a search's limit
    assert client.get("/api/coverage?from=1987-05&to=1987-04").status_code in (200, 400)


def test_a_word_from_the_panel_narrows_an_or_query_as_a_whole(client):
    html = soup(client, "/terms?q=oil+OR+wheat&fragment=1")
    href = html.select_one(".term-list a")["href"]
    assert "q=(oil+OR+wheat)+" in href
    assert "collapse=none" not in href


def test_cli_refuses_a_century_by_day_with_usage_status(capsys, slice_index):
    args = ["attention", "oil", "--from", "0001", "--to", "9999", "--interval", "day"]
    status, _, err = run_cli(capsys, *args, "--index", slice_index)
    assert status == 2
    assert "choose interval" in err


def test_a_title_made_from_the_first_words_is_not_read_twice(tmp_path, engine_name):
    source = tmp_path / "untitled.jsonl"
    body = "Harbor pilots struck on Monday. The harbor stayed shut as pilots walked out."
    source.write_text(
        json.dumps({"id": "u1", "body": body, "source": "Ledger", "date": "2026-01-05"}) + "\n",
        encoding="utf-8",
    )
    index = build_index(tmp_path / "index", [source], engine_name)
    from search.archive import open_archive

    with open_archive(index) as engine:
        (article,) = list(engine.iter_articles())
        assert article.title
        assert body.startswith(article.title.rstrip("…. "))
        found = list(lines(engine, SearchRequest(query="harbor")))
    assert [line.field for line in found] == ["body", "body"]
    assert [line.match for line in found] == ["Harbor", "harbor"]


def test_coverage_between_two_days(client):
    document = client.get("/api/coverage?interval=day&from=1987-03-02&to=1987-03-08").get_json()
    assert [b["start"] for b in document["buckets"]][0] == "1987-03-02"
    assert len(document["buckets"]) == 7
