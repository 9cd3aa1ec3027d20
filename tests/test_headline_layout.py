"""The body field holds the headline as well (``search.keys.body_field_terms``): what that
changes for a researcher's queries, the same on every engine. ``body:`` finds a word of the
headline; an exact phrase never runs from the headline into the text, a proximity search may
(the headline is read as the text's first line); ``title:`` is the headline alone; a bare
word of the headline ranks an article of a long text by its statistics in the text too."""

from __future__ import annotations

import json

import pytest

from search.analysis import body_field_term_list, index_text
from search.archive import open_archive, read_meta
from search.keys import HEADLINE_GAP, body_field_terms
from search.searching import run_search
from search.types import SearchRequest
from tests.conftest import build_index

pytestmark = pytest.mark.usefixtures("engine_name")

ROWS = [
    ("headline", "Cocoa harvest ends", "Ghana farmers counted the beans in the rain."),
    ("text", "Weather report", "The cocoa harvest ended early; farmers counted beans."),
    ("other", "Markets", "Gold rose and copper fell in quiet trading."),
    ("no-headline", "", "Harvest ends in Ivory Coast as rain returns."),
]


@pytest.fixture(scope="module")
def layout_index(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"layout-{engine_name}")
    data = root / "a.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": i, "title": t, "body": b, "date": "2024-01-02"}) + "\n"
            for i, t, b in ROWS
        )
    )
    path = build_index(root / "index", [data], engine_name)
    assert read_meta(path)["engine"] == engine_name
    return path


def found(index, query: str) -> set[str]:
    with open_archive(index) as engine:
        results = run_search(engine, SearchRequest(query=query, page_size=50, mode="any"))
    return {hit.id for hit in results.hits}


def test_body_field_terms_put_the_headline_first_behind_a_gap():
    title, body = index_text("Cocoa harvest ends"), index_text("Farmers counted beans.")
    assert body_field_terms(title, body).split() == [
        *title.split(),
        HEADLINE_GAP,
        *body.split(),
    ]
    assert body_field_terms("", body) == body
    assert body_field_terms(title, "") == title
    # the list a phrase check uses is the very same sequence
    assert body_field_term_list("Cocoa harvest ends", "Farmers counted beans.") == (
        body_field_terms(title, body).split()
    )


def test_body_finds_a_word_of_the_headline_and_title_only_the_headline(layout_index):
    assert found(layout_index, "body:ghana") == {"headline"}
    assert found(layout_index, "body:weather") == {"text"}
    assert found(layout_index, "title:weather") == {"text"}
    assert found(layout_index, "title:cocoa") == {"headline"}
    assert found(layout_index, "cocoa") == {"headline", "text"}


def test_an_exact_phrase_never_runs_from_the_headline_into_the_text(layout_index):
    # "ends" closes the headline, "ghana" opens the text: adjacent only across the gap
    assert found(layout_index, '"ends ghana"') == set()
    assert found(layout_index, 'body:"ends ghana"') == set()
    assert found(layout_index, '"cocoa harvest"') == {"headline", "text"}


def test_a_proximity_search_reads_the_headline_into_the_text(layout_index):
    assert found(layout_index, '"ends ghana"~1') == {"headline"}
    # three words, the engines' loose path included: checked by our own rule on stored text
    assert found(layout_index, '"harvest ends ghana"~1') == {"headline"}
    assert found(layout_index, '"harvest ghana farmers"~2') == {"headline"}
    assert found(layout_index, '"harvest ghana farmers"~1') == set()
    assert found(layout_index, 'title:"ends ghana"~3') == set()


def test_the_gap_is_no_word_a_query_or_a_wildcard_can_reach(layout_index):
    with open_archive(layout_index) as engine:
        assert HEADLINE_GAP not in set(engine.terms_with_prefix(None, ""))
        assert HEADLINE_GAP not in set(engine.terms_with_prefix("body", ""))
    assert found(layout_index, HEADLINE_GAP) == set()
    assert found(layout_index, f"body:{HEADLINE_GAP}") == set()


def test_a_headline_the_text_opens_with_is_not_added_again():
    body = index_text("LONDON - Cocoa harvest ends early. Farmers counted beans.")
    assert body_field_terms(index_text("Cocoa harvest ends early"), body) == body
    assert body_field_terms(index_text("Cocoa harvest"), body) == body
    # a headline that only begins like the text's first word is not its first line
    assert body_field_terms(index_text("Coco"), index_text("Cocoa rose")).split()[0] == "coco"
    # nor one whose words stand later in the text
    later = index_text("Cocoa harvest ends early in Ghana after heavy rain. Farmers counted beans.")
    assert HEADLINE_GAP in body_field_terms(index_text("Farmers counted"), later)
