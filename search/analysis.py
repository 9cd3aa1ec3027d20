"""Text analysis: how article text and query words become index terms.

The chain, in order: a regex tokenizer (words, with inner dots, apostrophes and ampersands kept so
"U.S.", "Service's" and "AT&T" stay whole, and "9/11" too), lower case, accent folding, possessive
"'s" removed, our own English stop list, then NLTK's Snowball English stemmer behind a memo cache.

Why the details matter:

* Whoosh pickles the analyzer into the index by import path, so ``stem_english`` and the filter
  classes must stay at these paths; we also always open indexes with our own schema.
  Changing what the chain produces changes ``ANALYZER_VERSION``, and old indexes then ask for a
  rebuild instead of silently mismatching query and index terms.
* The stop list is ours: NLTK's stop-word corpus needs a download, and ``SnowballStemmer(...,
  ignore_stopwords=True)`` would need it too.
* The query parser, the highlighter and the indexer all call ``analyze_terms``/``analyzer()`` so a
  word is turned into a term one way everywhere.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

from nltk.stem.snowball import SnowballStemmer
from whoosh.analysis import Filter, RegexTokenizer
from whoosh.support.charset import accent_map

ANALYZER_VERSION = "en_stem_v2"

# A word, with what holds a name or a number together kept inside it: dots and apostrophes
# ("U.S.", "Service's"), an ampersand between letters ("AT&T", "S&P": split, "AT&T" became the
# stop word "at" and a "t" that matched every T-shirt), and a slash between digits ("9/11",
# "24/7": split, they matched "March 9, 11 people"). Hyphens split ("COVID-19" is the phrase
# "covid 19", so "covid" alone finds it too); a leading "@" or "#" is dropped ("#MeToo" -> metoo).
TOKEN_PATTERN = r"\w+(?:[.'\u2019&]\w+|(?<=\d)/\d+)*"

# Lucene's English stop set plus a few pronouns and auxiliaries that carry no topic in news text.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
        "from",
        "has",
        "have",
        "had",
        "its",
        "were",
        "been",
        "which",
        "would",
        "he",
        "she",
        "his",
        "her",
        "we",
        "you",
    ]
)

_snowball = SnowballStemmer("english")
_TOKEN = re.compile(TOKEN_PATTERN)
_ACRONYM = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]?$")


@lru_cache(maxsize=200_000)
def stem_english(word: str) -> str:
    """Snowball English stem of one lower-case word, memoised: news vocabularies repeat a lot."""
    return _snowball.stem(word)


def normalize_word(word: str) -> str:
    """One token's lower case, accent folding, possessive and acronym rules (shared by the
    analyzer and the highlighter's fast path, so the two cannot disagree)."""
    text = word.lower()
    if not text.isascii():
        text = text.translate(accent_map).replace("\u2019", "'")
    if "'" in text:
        text = text[:-2] if len(text) > 2 and text.endswith("'s") else text.rstrip("'")
    if "." in text and _ACRONYM.match(text):
        text = text.replace(".", "")
    return text


class NormalizeFilter(Filter):
    """Lower case, accent folding, possessive "'s" and acronym dots, in one pass per token.

    Four filters in one because each Whoosh filter layer costs a generator step per token, and
    on a news corpus that overhead was larger than the work itself (measured: 2.7 s of 10 s for
    lower case alone on Reuters-21578). Accent folding runs only on non-ASCII tokens.
    """

    def __call__(self, tokens):
        for token in tokens:
            token.text = normalize_word(token.text)
            yield token


class StemStopFilter(Filter):
    """Drops stop words and stems the rest with ``stem_english`` (memoised); one layer, not two.

    Positions are renumbered over the kept tokens (as Whoosh's StopFilter does by default), so a
    quoted phrase with a stop word inside ("deputize the IRS") matches the same text it reads.
    """

    def __call__(self, tokens):
        stop = STOP_WORDS
        stem = stem_english
        position = 0
        for token in tokens:
            text = token.text
            if text in stop or not text:
                continue
            token.text = stem(text)
            if token.positions:
                token.pos = position
                position += 1
            yield token


def analyzer():
    """The stemming analyzer used for title and body."""
    return RegexTokenizer(TOKEN_PATTERN) | NormalizeFilter() | StemStopFilter()


def plain_analyzer():
    """The same chain without stop words and stemming: how wildcard patterns are compared."""
    return RegexTokenizer(TOKEN_PATTERN) | NormalizeFilter()


def name_analyzer():
    """Author and place: lower-cased, accent-folded words, no stemming (names are not verbs)."""
    return RegexTokenizer(r"\w+") | NormalizeFilter()


_ANALYZER = analyzer()
_NAMES = name_analyzer()
_PLAIN = plain_analyzer()


class TermSpan(NamedTuple):
    """One analysed token: its term, its position among kept tokens, and its character span.

    A named tuple, not a dataclass: one is made per word of every highlighted article, and a
    frozen dataclass cost several times more to build."""

    term: str
    position: int
    start: int
    end: int


def analyze_terms(text: str) -> list[str]:
    """The index terms of ``text`` in order (stop words dropped)."""
    return [t.text for t in _ANALYZER(text)]


def analyze_spans(text: str) -> list[TermSpan]:
    """Terms with positions and character offsets, as the highlighter needs them.

    The same rules as ``analyzer()`` in one plain loop over the shared token -> term cache,
    without Whoosh's token objects and generator layers: the highlighter runs this over ten
    article bodies per search. A test checks that both produce the same terms.
    """
    spans: list[TermSpan] = []
    terms = _TEXT_TERMS
    append = spans.append
    for match in _TOKEN.finditer(text):
        term = terms[match.group()]
        if term:
            append(TermSpan(term, len(spans), *match.span()))
    return spans


class _TermCache(dict):
    """Token -> index term ("" for a stop word), filled on first sight of each spelling.

    ``index_text`` maps every token through this dict in C (``map(cache.__getitem__, ...)``):
    news text repeats its vocabulary so much that the per-token cost is one dict lookup.
    """

    limit = 500_000

    def __init__(self, names: bool = False) -> None:
        super().__init__()
        self.names = names

    def __missing__(self, token: str) -> str:
        term = normalize_word(token)
        if not self.names:
            term = "" if (not term or term in STOP_WORDS) else stem_english(term)
        if len(self) >= self.limit:
            self.clear()
        self[token] = term
        return term


_TEXT_TERMS = _TermCache()
_NAME_TERMS = _TermCache(names=True)
_NAME_TOKEN = re.compile(r"\w+")


_TOKEN_SPLIT = re.compile(f"({TOKEN_PATTERN})")


def token_terms(text: str) -> tuple[list[str], list[int]]:
    """Every token's term ("" for a stop word) and the token boundaries, computed in C.

    Token ``i`` spans ``bounds[2 * i]`` to ``bounds[2 * i + 1]``. Splitting on the token pattern
    and summing the part lengths gives the offsets without a Python step per token, which is what
    lets the highlighter scan ten article bodies per search in well under a millisecond.
    """
    parts = _TOKEN_SPLIT.split(text)
    bounds = list(accumulate(map(len, parts)))
    return list(map(_TEXT_TERMS.__getitem__, parts[1::2])), bounds


def index_text(text: str) -> str:
    """The index terms of ``text`` joined by spaces: what an engine without our analyzer indexes
    with a whitespace tokenizer, so both engines see the very same terms at the same positions."""
    return " ".join(filter(None, map(_TEXT_TERMS.__getitem__, _TOKEN.findall(text))))


def index_names(text: str) -> str:
    """``index_text`` for author and place names (no stop words, no stemming)."""
    return " ".join(filter(None, map(_NAME_TERMS.__getitem__, _NAME_TOKEN.findall(text))))


def analyze_names(text: str) -> list[str]:
    """The terms of an author or place name."""
    return [t.text for t in _NAMES(text)] if text else []


def fold(word: str) -> str:
    """Lower case and accent folding of one word: how wildcard patterns are compared with terms."""
    return "".join(t.text for t in _PLAIN(word)) if word else ""
