"""Names and numbers are findable as written, on every engine, in the index and the highlighter
alike: one table, each row a query as a researcher types it, the article that holds it, articles
that only look alike, and what the highlighter must mark in the article."""

from __future__ import annotations

import json

import pytest

from search.archive import open_archive
from search.highlight import find_matches
from search.query.modes import build_query
from search.searching import run_search
from search.types import SearchRequest
from tests.conftest import build_index

# (query, the article's text, texts that must not match (None: may match, but rank below), marked)
TOKENS = [
    (
        "AT&T",
        "AT&T agreed to buy the network for cash.",
        ["Sales of the T-shirt rose.", "The launch is at T-48 hours."],
        ["AT&T"],
    ),
    (
        "S&P 500",
        "The S&P 500 index fell two percent.",
        ["P. Jones scored 500 points.", "S. P. Smith retired."],
        ["S&P", "500"],
    ),
    ("U.S.", "U.S. officials met the envoy.", None, ["U.S"]),
    (
        '"Procter & Gamble"',
        "Procter & Gamble raised its prices.",
        ["A gamble by Procter Street stores."],
        ["Procter & Gamble"],
    ),
    ("e-mail", "He wrote in an e-mail to staff.", ["Vitamin E helps; mail it."], ["e-mail"]),
    ("COVID-19", "COVID-19 cases rose again.", ["Covid cases: 19 in all."], ["COVID-19"]),
    ("9/11", "After 9/11 the agency grew.", ["On March 9, 11 people died."], ["9/11"]),
    (
        "$1.5 billion",
        "They closed a $1.5 billion deal.",
        ["They closed a 1.5 million deal."],
        ["1.5", "billion"],
    ),
    ("@nytimes", "The story was posted by @nytimes overnight.", None, ["nytimes"]),
    ("#MeToo", "The #MeToo movement spread.", None, ["MeToo"]),
]


@pytest.fixture(scope="module")
def token_index(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"tokens-{engine_name}")
    rows = []
    for n, (_, text, others, _) in enumerate(TOKENS):
        rows.append({"id": f"target-{n}", "title": f"Item {n}", "body": text, "source": "Wire"})
        for m, other in enumerate(others or []):
            rows.append({"id": f"other-{n}-{m}", "title": f"Note {n}", "body": other})
    rows.append(
        {
            "id": "pronoun",
            "title": "Letter",
            "body": "They told us the envoy left the city on Monday.",
        }
    )
    data = root / "tokens.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return build_index(root / "index", [data], engine_name)


@pytest.mark.parametrize(("query", "text", "others", "marked"), TOKENS, ids=[t[0] for t in TOKENS])
def test_findable_as_written(token_index, query, text, others, marked):
    n = [t[0] for t in TOKENS].index(query)
    with open_archive(token_index) as engine:
        results = run_search(engine, SearchRequest(query=query, page_size=50))
    ids = [h.id for h in results.hits]
    assert ids, query
    # first, or tied for first (Xapian normalises by the whole article's length, where the
    # other engines use the body field's, so "us" in a letter of the same length can tie)
    top = results.hits[0].score
    assert f"target-{n}" in [h.id for h in results.hits if h.score == top], ids
    if others is not None:
        assert ids == [f"target-{n}"], ids  # the look-alikes do not match at all
    hit = next(h for h in results.hits if h.id == f"target-{n}")
    snippet = hit.snippet
    assert [snippet.text[s:e] for s, e in snippet.spans] == marked
    spans = find_matches(text, build_query(query), "body")  # the article page's highlighter
    assert [text[s:e] for s, e in spans] == marked
