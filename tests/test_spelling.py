"""Did you mean, and word~, on an archive of names written here (so every count is known), on
the Reuters slice, and across reindexes: suggestions come from the archive's own written words."""

from __future__ import annotations

import json
import random
import re
import shutil
from collections import Counter

import pytest
from bs4 import BeautifulSoup

from search.analysis import STOP_WORDS, analyze_terms
from search.archive import open_archive
from search.errors import QuerySyntaxError
from search.indexer import update_index
from search.query.modes import build_query
from search.searching import run_search
from search.types import SearchRequest
from search.vocabulary import FILE_NAME
from tests.conftest import REUTERS_SLICE, SEEDS, build_index

pytestmark = pytest.mark.usefixtures("engine_name")

NAMES = {"Netanyahu": 12, "Khamenei": 8, "Zelensky": 30, "Zelenskyy": 1, "Zelenskiy": 2}


def records(names: dict[str, int], prefix: str = "n") -> list[dict]:
    rows = []
    for name, count in names.items():
        for i in range(count):
            rows.append(
                {
                    "id": f"{prefix}-{name}-{i}",
                    "title": f"Talks resume as {name} meets envoys",
                    "body": f"{name} said on Monday that the ceasefire talks would resume. "
                    f"Officials close to {name} described the meeting as constructive.",
                    "source": "Reuters" if i % 2 else "Associated Press",
                    "date": f"2026-0{1 + i % 9}-1{i % 10}",
                }
            )
    return rows


def write(path, rows) -> None:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def names_index(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"names-{engine_name}")
    write(root / "names.jsonl", records(NAMES))
    return build_index(root / "index", [root / "names.jsonl"], engine_name)


@pytest.fixture
def names(names_index):
    with open_archive(names_index) as engine:
        yield engine


def suggestion(engine, query: str):
    """(query, total) of the suggestion, or None (no filters here: nothing is unfiltered)."""
    found = run_search(engine, SearchRequest(query=query)).suggestion
    if found is None:
        return None
    assert found[2] is None
    return found[:2]


def test_a_misspelt_name_gets_the_archive_s_spelling_with_its_count(names):
    assert suggestion(names, "Netanyahoo") == ("Netanyahu", NAMES["Netanyahu"])
    assert suggestion(names, "Khamenie") == ("Khamenei", NAMES["Khamenei"])
    assert suggestion(names, "netanyahu ceasfire") == ("netanyahu ceasefire", 12)


def test_a_misspelt_outlet_gets_the_outlet(names):
    found = suggestion(names, "source:Reutres Netanyahu")
    assert found == ("source:Reuters Netanyahu", NAMES["Netanyahu"] // 2)


def test_no_word_of_the_archive_is_ever_corrected(names):
    written = Counter()
    for article in names.iter_articles():
        written.update(re.findall(r"[A-Za-z]+", article.title + " " + article.body))
    for word in written:
        if word.lower() not in STOP_WORDS:
            assert suggestion(names, word) is None, word


def test_a_loose_word_finds_every_spelling_and_lists_them(names):
    loose = run_search(names, SearchRequest(query="Zelensky~"))
    assert loose.total == NAMES["Zelensky"] + NAMES["Zelenskyy"] + NAMES["Zelenskiy"]
    assert set(loose.variants["zelensky~"]) == {"Zelensky", "Zelenskyy", "Zelenskiy"}
    exact = run_search(names, SearchRequest(query="Zelensky"))
    assert exact.total == NAMES["Zelensky"]
    assert exact.variants == {}
    two = run_search(names, SearchRequest(query="Zelenskyyy~2"))
    assert two.total == loose.total


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("zelensky~3", "1 or 2 edits"),
        ("source:reuters~", "not on source"),
        ("zelen*~", "wildcard"),
        ("the~", "one word"),
    ],
)
def test_loose_words_refuse_what_they_cannot_mean(query, message):
    with pytest.raises(QuerySyntaxError, match=message):
        build_query(query, "all")
    assert build_query('"oil prices"~5', "all").slop == 5  # a phrase's distance is unchanged


def test_new_words_are_suggested_after_the_next_reindex(tmp_path, engine_name):
    write(tmp_path / "first.jsonl", records({"Netanyahu": 3}))
    index = build_index(tmp_path / "index", [tmp_path / "first.jsonl"], engine_name)
    with open_archive(index) as engine:
        assert suggestion(engine, "Sinwarr") is None
    write(tmp_path / "second.jsonl", records({"Sinwar": 4}, prefix="s"))
    update_index(index, [tmp_path / "second.jsonl"])
    with open_archive(index) as engine:
        assert suggestion(engine, "Sinwarr") == ("Sinwar", 4)


def test_an_index_without_a_vocabulary_falls_back_and_gets_one_at_its_next_reindex(
    tmp_path, engine_name
):
    write(tmp_path / "names.jsonl", records({"Khamenei": 5}))
    index = build_index(tmp_path / "index", [tmp_path / "names.jsonl"], engine_name)
    for name in (FILE_NAME, FILE_NAME + "-wal", FILE_NAME + "-shm"):
        (index / name).unlink(missing_ok=True)
    with open_archive(index) as engine:
        assert suggestion(engine, "Khamenie") == ("Khamenei", 5)  # from the engine's terms
    update_index(index, [tmp_path / "names.jsonl"])  # nothing new to write, words read once
    assert (index / FILE_NAME).exists()
    with open_archive(index) as engine:
        assert suggestion(engine, "Khamenie") == ("Khamenei", 5)


def test_one_edit_misspellings_of_the_slice_s_words_get_the_right_word(slice_engine):
    written = Counter()
    for article in slice_engine.iter_articles():
        written.update(re.findall(r"\b[A-Za-z]{6,}\b", article.body))
    common = [w for w, n in written.most_common(200) if w.lower() not in STOP_WORDS]
    rng = random.Random(11)
    right, wrong = 0, []
    for word in rng.sample(common, 60):
        i = rng.randrange(1, len(word) - 2)
        typo = [word[:i] + word[i + 1 :], word[:i] + word[i + 1] + word[i] + word[i + 2 :]][
            rng.randrange(2)
        ]
        term = analyze_terms(typo)
        if not term or slice_engine.doc_frequency("body", term[0]):
            continue
        found = suggestion(slice_engine, typo)
        if found and analyze_terms(found[0]) == analyze_terms(word):
            right += 1
        else:
            wrong.append((word, typo, found))
    assert right >= 0.9 * (right + len(wrong)), wrong
    assert right >= 30


@pytest.fixture(scope="module")
def web_index(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"spelling-web-{engine_name}")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    write(root / "names.jsonl", records(NAMES))
    return build_index(root / "index", [seeds, REUTERS_SLICE, root / "names.jsonl"], engine_name)


def test_the_page_offers_the_correction_as_a_link_with_its_count(client):
    html = BeautifulSoup(client.get("/search?q=Netanyahoo").data, "html.parser")
    notice = html.select_one(".suggestion")
    assert "Did you mean" in notice.text
    assert f"{NAMES['Netanyahu']} articles" in notice.text
    followed = BeautifulSoup(client.get(notice.select_one("a")["href"]).data, "html.parser")
    assert followed.select_one("#results-title").text.strip().startswith("12 articles")
    document = client.get("/api/search?q=Netanyahoo").get_json()
    assert document["suggestion"] == {"query": "Netanyahu", "total": NAMES["Netanyahu"]}
    assert client.get("/api/search?q=Netanyahu").get_json()["suggestion"] is None
    loose = BeautifulSoup(client.get("/search?q=Zelensky~").data, "html.parser")
    assert "also matched" in loose.select_one(".variants").text
    assert "Zelenskyy" in loose.select_one(".variants").text
    rare = BeautifulSoup(client.get("/search?q=Zelenskyy").data, "html.parser")
    hint = rare.select_one(".spellings")
    assert "Zelensky" in hint.text
    assert "Zelenskyy~" in hint.text


def test_a_rare_spelling_of_a_name_says_how_else_it_is_written(names):
    found = run_search(names, SearchRequest(query="Zelenskyy"))
    assert found.total == NAMES["Zelenskyy"]
    assert found.suggestion is None  # a word the archive holds is never corrected
    assert found.spellings[0] == ("Zelensky", NAMES["Zelensky"])
    assert ("Zelenskiy", NAMES["Zelenskiy"]) in found.spellings
    common = run_search(names, SearchRequest(query="Zelensky"))
    assert ("Zelensky", NAMES["Zelensky"]) not in common.spellings
    assert run_search(names, SearchRequest(query="meets")).spellings == []  # not a name


def test_loose_words_count_edits_on_words_as_written(names):
    """zelenskyy~ reaches Zelensky (one letter dropped), though their stems are two apart."""
    found = run_search(names, SearchRequest(query="zelenskyy~"))
    assert found.total == sum(NAMES[n] for n in ("Zelensky", "Zelenskyy", "Zelenskiy"))
    assert set(found.variants["zelenskyy~"]) == {"Zelensky", "Zelenskyy", "Zelenskiy"}
    assert run_search(names, SearchRequest(query="meets~")).variants["meets~"] == ["meets"]


def test_short_names_are_not_stretched_and_one_off_words_not_offered(tmp_path, engine_name):
    rows = records({"Putnam": 3})
    rows.append({"id": "x", "title": "Mpdi", "body": "Mpdi once.", "source": "Wire"})
    write(tmp_path / "a.jsonl", rows)
    index = build_index(tmp_path / "index", [tmp_path / "a.jsonl"], engine_name)
    with open_archive(index) as engine:
        assert suggestion(engine, "Putin") is None  # "Putnam" is two edits from a short word
        assert suggestion(engine, "Mpdu") is None  # "Mpdi" is in one article only


def test_a_misspelling_under_filters_says_how_many_match_without_them(names, client):
    from datetime import date

    request = SearchRequest(query="Netanyhu", date_from=date(2020, 1, 1), date_to=date(2020, 1, 2))
    found = run_search(names, request)
    assert found.suggestion == ("Netanyahu", 0, NAMES["Netanyahu"])
    document = client.get("/api/search?q=Netanyhu&from=2020-01-01&to=2020-01-02").get_json()
    assert document["suggestion"] == {
        "query": "Netanyahu",
        "total": 0,
        "total_without_filters": NAMES["Netanyahu"],
    }
    assert run_search(names, SearchRequest(query="title:Netanyhu")).suggestion == (
        "title:Netanyahu",
        NAMES["Netanyahu"],
        None,
    )


def test_source_and_date_written_in_the_query_count_as_filters_on_an_empty_page(names):
    found = run_search(names, SearchRequest(query="source:Reuters Khamenei date:2019"))
    assert found.total == 0
    assert found.without_filters["clauses"] == NAMES["Khamenei"]


def test_two_common_names_one_edit_apart_are_not_called_spellings_of_each_other(
    tmp_path, engine_name
):
    """Iraq and Iran, Cuba and Ciba: common names one edit apart are different names; a very
    rare one beside a common one is another spelling, and the hint's count is what its search
    finds."""
    rows = records({"Iraq": 40, "Iran": 90, "Volcker": 20, "Volker": 1}, prefix="x")
    rows += [dict(rows[0], id="x-extra", body="Volcker's testimony, by Volcker himself.")]
    write(tmp_path / "n.jsonl", rows)
    index = build_index(tmp_path / "index", [tmp_path / "n.jsonl"], engine_name)
    with open_archive(index) as engine:
        assert run_search(engine, SearchRequest(query="Iraq")).spellings == []
        found = run_search(engine, SearchRequest(query="Volker")).spellings
        assert found == [("Volcker", run_search(engine, SearchRequest(query="Volcker")).total)]
        assert found[0][1] == 21


def test_a_loose_word_lists_only_spellings_the_archive_holds(names):
    found = run_search(names, SearchRequest(query="Zelenskee~2"))
    assert found.total == sum(NAMES[n] for n in ("Zelensky", "Zelenskyy", "Zelenskiy"))
    assert set(found.variants["zelenskee~2"]) == {"Zelensky", "Zelenskyy", "Zelenskiy"}
