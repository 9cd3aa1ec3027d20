"""Table-driven analyzer tests, in the style of Lucene's assertAnalyzesTo."""

from __future__ import annotations

import pickle

import pytest

from search.analysis import ANALYZER_VERSION, analyze_spans, analyze_terms, analyzer, stem_english


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
        ("", []),
    ],
)
def test_analyzes_to(text, terms):
    assert analyze_terms(text) == terms


def test_positions_skip_stop_words_and_offsets_point_at_the_words():
    text = "Deputize the IRS agents"
    spans = list(analyze_spans(text))
    assert [s.term for s in spans] == ["deput", "ir", "agent"]
    assert [s.position for s in spans] == [0, 1, 2]
    assert [text[s.start : s.end] for s in spans] == ["Deputize", "IRS", "agents"]


def test_stemmer_is_snowball_english_and_memoised():
    stem_english.cache_clear()
    assert stem_english("generously") == "generous"
    assert stem_english("generously") == "generous"
    assert stem_english.cache_info().hits == 1


def test_analyzer_pickles_by_import_path():
    # Whoosh pickles the analyzer into the index; it must round-trip to the same behaviour.
    restored = pickle.loads(pickle.dumps(analyzer()))
    assert [t.text for t in restored("Deputized agents")] == ["deput", "agent"]
    assert ANALYZER_VERSION.startswith("en_stem_v")


def test_fast_spans_agree_with_the_analyzer():
    import gzip

    from tests.conftest import REUTERS_SLICE

    texts = gzip.decompress(REUTERS_SLICE.read_bytes()).decode("utf-8").splitlines()
    texts += ["Caf\u00e9 DHS\u2019s U.S.A. don't 3.5 the  O'Brien's \u00c9cole"]
    for text in texts:
        spans = analyze_spans(text)
        assert [s.term for s in spans] == analyze_terms(text)
        # Whoosh reuses one Token object: read each one as it is yielded.
        tokens = [
            (t.pos, t.startchar, t.endchar) for t in analyzer()(text, positions=True, chars=True)
        ]
        assert [(s.position, s.start, s.end) for s in spans] == tokens
