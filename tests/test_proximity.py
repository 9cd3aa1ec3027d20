"""Our proximity rule, one way everywhere: the words of a sloppy phrase in order, each within
slop + 1 positions after the one before, through any occurrence of each word (not only the first
one after the previous word). Checked against brute force, and on both engines with the
highlighter, where a look-alike with the words reordered must not match."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.archive import open_archive
from search.query.tree import Phrase
from search.searching import run_search
from search.types import SearchRequest
from tests.conftest import build_index

pytestmark = pytest.mark.usefixtures("engine_name")


def brute_force(terms: list[str], phrase: Phrase) -> bool:
    places = [[i for i, t in enumerate(terms) if t == word] for word in phrase.terms]
    for combo in itertools.product(*places):
        steps = [b - a for a, b in itertools.pairwise(combo)]
        if all(1 <= step <= phrase.slop + 1 for step in steps):
            return True
    return False


@settings(max_examples=400, deadline=None)
@given(
    terms=st.lists(st.sampled_from("abcx"), max_size=14),
    words=st.lists(st.sampled_from("abc"), min_size=2, max_size=4),
    slop=st.integers(0, 4),
)
def test_the_rule_finds_exactly_what_brute_force_finds(terms, words, slop):
    phrase = Phrase(None, tuple(words), slop)
    assert phrase.occurs_in(terms) == brute_force(terms, phrase)
    for chain in phrase.chains(terms):  # every chain it gives is a real occurrence
        assert [terms[p] for p in chain] == words
        assert all(1 <= b - a <= slop + 1 for a, b in itertools.pairwise(chain))


@pytest.fixture(scope="module")
def proximity_index(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"proximity-{engine_name}")
    rows = [
        ("target", "Crude oil alpha beta oil gamma delta epsilon zeta eta price rose."),
        ("reordered", "Price alpha oil beta crude gamma delta."),  # tantivy's slop accepts it
        ("too-far", "Crude oil alpha beta gamma delta epsilon zeta eta theta price."),
    ]
    data = root / "p.jsonl"
    data.write_text(
        "".join(json.dumps({"id": i, "title": "Note", "body": b}) + "\n" for i, b in rows)
    )
    return build_index(root / "index", [data], engine_name)


def test_a_later_occurrence_completes_the_phrase_on_every_engine(proximity_index):
    with open_archive(proximity_index) as engine:
        results = run_search(engine, SearchRequest(query='"crude oil price"~5'))
    assert [h.id for h in results.hits] == ["target"]
    assert results.total == 1
    snippet = results.hits[0].snippet
    assert [snippet.text[a:b] for a, b in snippet.spans] == ["Crude", "oil", "price"]


@pytest.mark.parametrize(
    ("query", "body", "matches"),
    [
        ('"alpha beta gamma"~1', "Alpha x beta x gamma.", True),  # each step may stretch by one
        ('"alpha beta gamma"~1', "Alpha x x beta gamma.", False),
        ('"alpha beta"~1', "Alpha x beta.", True),
        ('"alpha beta"~1', "Beta alpha.", False),  # in order only
        ('"alpha alpha"~1', "Alpha x alpha.", True),
        ('"alpha beta gamma"', "Alpha beta gamma.", True),
        ('"alpha beta gamma"', "Alpha beta x gamma.", False),
    ],
)
def test_small_slops_mean_the_same_on_every_engine(tmp_path, engine_name, query, body, matches):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"id": "d", "title": "Note", "body": body}) + "\n")
    index = build_index(tmp_path / "index", [data], engine_name)
    with open_archive(index) as engine:
        assert run_search(engine, SearchRequest(query=query)).total == int(matches)
