"""Table-driven analyzer tests, in the style of Lucene's assertAnalyzesTo."""

from __future__ import annotations

import pytest

from search.analysis import (
    analyze_names,
    analyze_terms,
    fold,
    index_text,
    stem_english,
    token_terms,
)


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("deputize deputized deputizing", ["deput", "deput", "deput"]),
        ("The IRS agents", ["ir", "agent"]),
        ("Service's Service\u2019s", ["servic", "servic"]),
        ("U.S. and US", ["us", "us"]),
        ("U.S.A. e.g.", ["usa", "eg"]),
        ("3.5 pct 1,750", ["3.5", "pct", "1", "750"]),
        ("Caf\u00e9 na\u00efve S\u00e3o Paulo", ["cafe", "naiv", "sao", "paulo"]),
        ("money-laundering", ["money", "launder"]),
        ("It is not to be", []),
        ("RUNNING Runs", ["run", "run"]),
        (
            "S\u00f8ren Stra\u00dfe \u00c6ther \u0141\u00f3d\u017a",
            ["soren", "strass", "aether", "lodz"],
        ),
        ("", []),
    ],
)
def test_analyzes_to(text, terms):
    assert analyze_terms(text) == terms


def test_stop_words_take_no_term_and_offsets_point_at_the_words():
    text = "Deputize the IRS agents"
    terms, bounds = token_terms(text)
    assert terms == ["deput", "", "ir", "agent"]
    assert [text[bounds[2 * i] : bounds[2 * i + 1]] for i in range(4)] == [
        "Deputize",
        "the",
        "IRS",
        "agents",
    ]


def test_stemmer_is_snowball_english_and_memoised():
    stem_english.cache_clear()
    assert stem_english("generously") == "generous"
    assert stem_english("generously") == "generous"
    assert stem_english.cache_info().hits == 1


def test_names_are_folded_not_stemmed():
    assert analyze_names("Ted Hesson, Jos\u00e9 Mar\u00eda") == ["ted", "hesson", "jose", "maria"]


def test_wildcard_patterns_fold_like_words():
    assert fold("Z\u00fcrich") == "zurich"
    assert fold("") == ""


def test_every_route_to_terms_agrees():
    """The indexer (index_text), the parser (analyze_terms) and both highlighter paths
    (token_terms) must turn text into the very same terms in the same order."""
    import gzip

    from tests.conftest import REUTERS_SLICE

    texts = gzip.decompress(REUTERS_SLICE.read_bytes()).decode("utf-8").splitlines()
    texts += ["Caf\u00e9 DHS\u2019s U.S.A. don't 3.5 the  O'Brien's \u00c9cole AT&T 9/11"]
    for text in texts:
        terms = analyze_terms(text)
        assert index_text(text).split() == terms
        tokens, bounds = token_terms(text)
        assert [t for t in tokens if t] == terms
        assert len(bounds) == 2 * len(tokens) + 1  # every token spans bounds[2i]..bounds[2i+1]
