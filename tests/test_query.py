"""The query language: what each form parses to, and the message each malformed query gets."""

from __future__ import annotations

from datetime import date

import pytest

from search.errors import QuerySyntaxError
from search.query.modes import build_query
from search.query.parser import parse_query
from search.query.tree import (
    And,
    DateRange,
    MatchAll,
    MatchNone,
    Not,
    Or,
    Phrase,
    Term,
    Wildcard,
    positive_leaves,
)
from search.query.wildcards import wildcard_matcher

T = Term


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("", MatchAll()),
        ("deputize", T(None, "deput")),
        ("deputize IRS", And((T(None, "deput"), T(None, "ir")))),
        ("oil AND gas", And((T(None, "oil"), T(None, "gas")))),
        ("oil OR gas", Or((T(None, "oil"), T(None, "gas")))),
        ("oil OR gas coal", Or((T(None, "oil"), And((T(None, "gas"), T(None, "coal")))))),
        ("oil -gas", And((T(None, "oil"), Not(T(None, "gas"))))),
        ("oil NOT gas", And((T(None, "oil"), Not(T(None, "gas"))))),
        ("NOT gas", And((MatchAll(), Not(T(None, "gas"))))),
        ("(oil OR gas) price", And((Or((T(None, "oil"), T(None, "gas"))), T(None, "price")))),
        ('"Kristi Noem"', Phrase(None, ("kristi", "noem"))),
        ('"oil prices"~5', Phrase(None, ("oil", "price"), 5)),
        ("money-laundering", Phrase(None, ("money", "launder"))),
        ("price*", Wildcard(None, "price*")),
        ("wom?n", Wildcard(None, "wom?n")),
        ("title:cocoa", T("title", "cocoa")),
        ("title:(cocoa OR coffee)", Or((T("title", "cocoa"), T("title", "coffe")))),
        ("source:Reuters", T("source", "reuters")),
        ('source:"Fox News"', T("source", "fox news")),
        ("author:Hesson", T("author", "hesson")),
        ('author:"Ted Hesson"', Phrase("author", ("ted", "hesson"))),
        ("place:washington", T("place", "washington")),
        ("date:2025", DateRange(date(2025, 1, 1), date(2025, 12, 31))),
        ("date:2025-02", DateRange(date(2025, 2, 1), date(2025, 2, 28))),
        ("date:2024-02", DateRange(date(2024, 2, 1), date(2024, 2, 29))),
        ("date:2025-02-10", DateRange(date(2025, 2, 10), date(2025, 2, 10))),
        ("date:[2025-01-01 TO 2025-02-10]", DateRange(date(2025, 1, 1), date(2025, 2, 10))),
        ("date:[* TO 2025-02]", DateRange(None, date(2025, 2, 28))),
        ("the", MatchNone()),
        ("the oil", T(None, "oil")),
        ("+oil", T(None, "oil")),
        ("oil - gas", And((T(None, "oil"), T(None, "gas")))),
    ],
)
def test_parses_to(text, tree):
    assert parse_query(text) == tree


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"unbalanced (AND', 'unbalanced quote: this " is never closed (at character 1)'),
        ("(oil OR gas", "unbalanced parenthesis: this ( is never closed (at character 1)"),
        ("oil) gas", "unbalanced parenthesis: ) without ( (at character 4)"),
        ("()", "empty parentheses (at character 1)"),
        (
            "foo:bar",
            "unknown field foo: (known: author:, body:, date:, keyword:, keywords:, lang:, "
            "language:, place:, publisher:, section:, source:, tag:, tags:, title:) "
            "(at character 1)",
        ),
        ("date:2025-13", "bad date '2025-13': month must be in 1..12 (at character 6)"),
        (
            "date:yesterday",
            "bad date 'yesterday' (expected YYYY, YYYY-MM or YYYY-MM-DD) (at character 6)",
        ),
        (
            "date:[2025-03-01 TO 2025-01-01]",
            "date range starts after it ends (2025-03-01 > 2025-01-01) (at character 6)",
        ),
        (
            "date:[2025-01-01 2025-02-01]",
            "a date range is written [1987-03-01 TO 1987-03-31] (at character 6)",
        ),
        ("date:[2025", "unbalanced bracket: this [ is never closed (at character 6)"),
        ("oil AND", "AND needs a term after it (at character 5)"),
        ("OR oil", "OR needs a term before it (at character 1)"),
        ("oil OR", "OR needs a term after it (at character 5)"),
        ("NOT", "NOT needs a term after it (at character 1)"),
        ('"a b"~', '~ after a phrase needs a number, as in "a b"~5 (at character 6)'),
        ("title:", "title: needs a value right after the colon (at character 1)"),
        (
            "***",
            "a wildcard needs at least one letter or digit (`*` alone, without a field, finds "
            "every article) (at character 1)",
        ),
        (
            "[a TO b]",
            "a [from TO to] range needs a field, as in date:[1987-03-01 TO *] (at character 1)",
        ),
        ("(" * 40 + "x" + ")" * 40, "parentheses nested too deep (at most 32) (at character 33)"),
    ],
)
def test_malformed_query_message(text, message):
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert str(info.value) == message


def test_too_many_terms():
    with pytest.raises(QuerySyntaxError, match="too many terms"):
        parse_query(" ".join(f"x{i}" for i in range(300)))


def test_positive_leaves_skip_negations():
    tree = parse_query('oil "crude prices" -gas price*')
    assert positive_leaves(tree) == [
        T(None, "oil"),
        Phrase(None, ("crude", "price")),
        Wildcard(None, "price*"),
    ]


@pytest.mark.parametrize(
    ("pattern", "term", "matches"),
    [
        ("price*", "price", True),
        ("price*", "pricey", True),
        ("deputiz*", "deput", True),  # the stem of "deputized"
        ("deputiz*", "dep", False),
        ("deputiz*", "deputi", False),  # "deputy": not a word "deputiz" begins
        ("governm*", "govern", True),  # government
        ("oil*", "oi", False),  # short prefixes get no stem slack
        ("price*", "pri", False),
        ("price*", "pric", False),
        ("wom?n", "women", True),
        ("wom?n", "woman", True),
        ("wom?n", "womn", False),
    ],
)
def test_wildcard_matcher(pattern, term, matches):
    assert wildcard_matcher(pattern)(term) is matches


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Iran: the war", And((T(None, "iran"), T(None, "war")))),
        ("Iran:", T(None, "iran")),
        ("Breaking: Iran", And((T(None, "break"), T(None, "iran")))),
        ("title:war Iran: talks", And((T("title", "war"), T(None, "iran"), T(None, "talk")))),
    ],
)
def test_a_word_ending_in_a_colon_is_a_word_not_a_field(text, expected):
    """The rule: ``word: more`` (a colon, then a space or the end) is the word, as a pasted
    headline writes it; ``field:value`` with no space is a field, and an unknown one is refused."""
    assert build_query(text) == expected


@pytest.mark.parametrize("text", ["nope:x", "Iran:war", "headline:oil"])
def test_an_unknown_field_written_as_field_value_is_still_refused(text):
    with pytest.raises(QuerySyntaxError, match="unknown field"):
        build_query(text)
