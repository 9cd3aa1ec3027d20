"""Query modes: how strictly the words of a query must all match.

* ``all``: the query language as written; words side by side must all match (AND).
* ``any``: the query language, but words side by side are alternatives (OR); ranking rewards
  articles that match more of them, since BM25 adds up the scores of the words each one matches.
* ``auto`` (the default): ``all`` for short queries and anything written with operators; a long
  query without operators (five or more words, as people type questions) is taken as plain words
  with OR semantics, because AND over ten words finds nothing.

Natural-language text is full of characters that are operators here (a closing "?", capitalised
AND/OR/NOT, quotes, parentheses). ``words_query`` reads such text as words only and never fails;
``morgue eval`` uses it for every query, and ``auto`` uses it for long operator-free queries.
"""

from __future__ import annotations

import re
from collections import Counter

from search.analysis import analyze_terms
from search.errors import QuerySyntaxError
from search.query.parser import ALIASES, FIELDS, MAX_CLAUSES, parse_query
from search.query.tree import And, MatchNone, Node, Or, Term

AUTO_MIN_TERMS = 5

# Quotes as word processors and phones write them: “oil prices” pasted in is a phrase.
_TYPOGRAPHIC = str.maketrans(dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb", '"'))
# A field clause (``source:reuters``, ``author:"Ted Hesson"``) beside plain words: a filter on a
# question, which is still read as a question.
_FIELD_NAMES = "|".join(sorted({*FIELDS, *ALIASES}, key=len, reverse=True))  # not http: of a URL
_FIELD_CLAUSE = re.compile(rf'(?:^|(?<=\s))(?i:{_FIELD_NAMES}):(?:"[^"]*"|[^\s"()]+)(?=\s|$)')
_OPERATOR = re.compile(r'["()\[\]*?~]|(?:^|\s)[-+]\S|\b[A-Za-z_]+:\S')
_BOOLEAN = re.compile(r"\b(?:AND|OR|NOT)\b")


def words_query(text: str, conjunction: bool = False) -> Node:
    """Every distinct term of ``text`` (operators read as punctuation), AND-ed or OR-ed."""
    plain = re.sub(r"[^\w\s.'\u2019&/-]", " ", text)
    counts = Counter(analyze_terms(plain))
    if not counts:
        return MatchNone()
    leaves = tuple(Term(None, t, float(n)) for t, n in counts.items())
    if len(leaves) > MAX_CLAUSES:
        raise QuerySyntaxError(f"too many different words ({len(leaves)}, at most {MAX_CLAUSES})")
    if len(leaves) == 1:
        return leaves[0]
    return And(leaves) if conjunction else Or(leaves)


def is_operator_free(text: str) -> bool:
    """No syntax in it. A question mark that ends the query is punctuation, not a wildcard, and
    in text written all in capitals (old archives, shouted questions) AND/OR/NOT are words."""
    body = text.rstrip().rstrip("?")
    if _OPERATOR.search(body):
        return False
    return not (_BOOLEAN.search(body) and any(c.islower() for c in body))


def _question(text: str) -> tuple[list[str], str] | None:
    """(field clauses, the words) when ``text`` is a long plain question, perhaps with field
    clauses beside it; None otherwise."""
    clauses = _FIELD_CLAUSE.findall(text)
    words = _FIELD_CLAUSE.sub(" ", text)
    if words.strip() and is_operator_free(words) and len(analyze_terms(words)) >= AUTO_MIN_TERMS:
        return clauses, words
    return None


def mode_used(text: str, mode: str = "auto") -> str:
    """How ``build_query`` reads ``text`` in ``mode``: "all" (words side by side must all
    match) or "any" (any of them, best first), what a page must say when auto chose "any"."""
    if mode == "any":
        return "any"
    if mode == "auto" and _question(text.translate(_TYPOGRAPHIC)):
        return "any"
    return "all"


def build_query(text: str, mode: str = "auto") -> Node:
    """The query tree for ``text`` in ``mode``; raises QuerySyntaxError only for written syntax.
    A long question's field clauses must all match; its words are any of them, best first."""
    text = text.translate(_TYPOGRAPHIC)
    if mode == "any":
        return parse_query(text, default_or=True)
    if mode == "auto" and (question := _question(text)):
        clauses, words = question
        if not clauses:
            return words_query(words)
        return And((parse_query(" ".join(clauses)), words_query(words)))
    if mode == "auto" and is_operator_free(text):
        return parse_query(text.rstrip().rstrip("?") or text)
    return parse_query(text)


def strict_query(text: str, mode: str = "auto") -> Node:
    """``text`` with every word required: what "show only those" runs beside a page that read
    the words as any of them (a question's field clauses stay as they are)."""
    text = text.translate(_TYPOGRAPHIC)
    question = _question(text) if mode == "auto" else None
    if question is None:
        return parse_query(text)
    clauses, words = question
    strict = words_query(words, conjunction=True)
    return And((parse_query(" ".join(clauses)), strict)) if clauses else strict


def question_words(text: str) -> int:
    """How many distinct words a query holds, its field clauses aside."""
    return len(set(analyze_terms(_FIELD_CLAUSE.sub(" ", text.translate(_TYPOGRAPHIC)))))


def some_words_query(text: str, mode: str = "auto") -> Node | None:
    """For a short plain query read as "all words" by ``auto``: its words OR-ed, whose best
    articles without every word a page lists after those with all of them, below a divider (AND
    alone drops the article that holds three of four words). None for anything else: another
    mode, syntax, one word, a question (already "any"), or words the query language reads
    otherwise (``oil-price`` is a phrase, so "some of the words" would not be the rest)."""
    text = text.translate(_TYPOGRAPHIC)
    if mode != "auto" or not is_operator_free(text) or _question(text):
        return None
    plain = text.rstrip().rstrip("?") or text
    some = words_query(plain)
    if not isinstance(some, Or) or parse_query(plain) != And(some.children):
        return None
    return some
