"""Text analysis: how article text and query words become index terms, as plain functions.

The rules, in order: a regex tokenizer (words, with inner dots, apostrophes and ampersands kept so
"U.S.", "Service's" and "AT&T" stay whole, and "9/11" too), lower case, accent folding, possessive
"'s" removed, our own English stop list, then NLTK's Snowball English stemmer behind a memo cache.

Every part of Morgue that turns words into terms calls these functions: the indexer (which hands
engines the terms, space-separated, so every engine holds the same terms at the same positions),
the query parser and the highlighter (``token_terms``). Nothing here knows an engine. Changing
what these functions produce changes ``ANALYZER_VERSION``, and older indexes then ask for a
rebuild instead of silently mismatching query and index terms.

The stop list is ours: NLTK's stop-word corpus needs a download, and ``SnowballStemmer(...,
ignore_stopwords=True)`` would need it too. Accent folding is the standard Unicode one (NFKD, then
combining marks dropped) plus the Latin letters that do not decompose (ø, ß, æ, ł, đ ...).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import accumulate

from search.keys import body_field_terms

ANALYZER_VERSION = "en_stem_v2"

# A word, with what holds a name or a number together kept inside it: dots and apostrophes
# ("U.S.", "Service's"), an ampersand between letters ("AT&T", "S&P": split, "AT&T" became the
# stop word "at" and a "t" that matched every T-shirt), and a slash between digits ("9/11",
# "24/7": split, they matched "March 9, 11 people"). Hyphens split ("COVID-19" is the phrase
# "covid 19", so "covid" alone finds it too); a leading "@" or "#" is dropped ("#MeToo" -> metoo).
TOKEN_PATTERN = r"\w+(?:[.'\u2019&]\w+|(?<=\d)/\d+)*"
NAME_PATTERN = r"\w+"  # author and place names: plain words

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

_TOKEN = re.compile(TOKEN_PATTERN)
_NAME_TOKEN = re.compile(NAME_PATTERN)
_TOKEN_SPLIT = re.compile(f"({TOKEN_PATTERN})")
_ACRONYM = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]?$")
_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
     "ħ": "h", "ı": "i", "ŀ": "l", "\u2019": "'"}
)  # fmt: skip


@lru_cache(maxsize=200_000)
def stem_english(word: str) -> str:
    """Snowball English stem of one lower-case word, memoised: news vocabularies repeat a lot."""
    return _stemmer().stem(word)


@lru_cache(maxsize=1)
def _stemmer():
    """NLTK's Snowball stemmer, made on first use, so a command that never analyses text
    (``morgue --help``, ``stats``) does not import NLTK.

    Importing ``nltk`` imports its whole package, and where SciPy and NumPy are installed (the
    ``eval`` extra and the grouping bring them) that includes ``scipy.stats`` and NumPy for
    collocation tests and metrics we never use: 390 of the 510 ms. Both are hidden while NLTK
    loads (every NLTK import of them falls back by design when they are missing) and visible
    again right after, for whatever imports them later."""
    import sys

    hidden = [name for name in ("scipy", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "not installed", to NLTK
    try:
        from nltk.stem.snowball import SnowballStemmer
    finally:
        for name in hidden:
            del sys.modules[name]
    return SnowballStemmer("english")


def fold_accents(text: str) -> str:
    """ "Café" and "cafe", "Zürich" and "Zurich" as one: decompose, drop the accents."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_word(word: str) -> str:
    """One token's lower case, accent folding, possessive and acronym rules."""
    text = word.lower()
    if not text.isascii():
        text = fold_accents(text)
    if "'" in text:
        text = text[:-2] if len(text) > 2 and text.endswith("'s") else text.rstrip("'")
    if "." in text and _ACRONYM.match(text):
        text = text.replace(".", "")
    return text


class _TermCache(dict):
    """Token -> index term ("" for a stop word), filled on first sight of each spelling.

    Terms are computed by mapping every token through this dict in C (``map(cache.__getitem__,
    ...)``): news text repeats its vocabulary so much that the per-token cost is one lookup.
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


def analyze_terms(text: str) -> list[str]:
    """The index terms of ``text`` in order (stop words dropped): their positions are their
    places in this list."""
    return list(filter(None, map(_TEXT_TERMS.__getitem__, _TOKEN.findall(text))))


def tokens(text: str) -> list[str]:
    """The tokens of ``text`` as written, in order: what ``terms_of`` makes index terms of (the
    indexer splits once and also counts the written words for suggestions)."""
    return _TOKEN.findall(text)


def terms_of(written: list[str]) -> str:
    """``index_text`` of already split tokens."""
    return " ".join(filter(None, map(_TEXT_TERMS.__getitem__, written)))


def term_of(token: str) -> str:
    """The index term of one written token ("" for a stop word)."""
    return _TEXT_TERMS[token]


def remember_terms(terms: dict[str, str]) -> None:
    """Token -> term pairs another process analysed already: ``term_of`` then finds them."""
    if len(_TEXT_TERMS) + len(terms) >= _TEXT_TERMS.limit:
        _TEXT_TERMS.clear()
    _TEXT_TERMS.update(terms)


def analyze_names(text: str) -> list[str]:
    """The terms of an author or place name: folded words, not stemmed (names are not verbs)."""
    return list(filter(None, map(_NAME_TERMS.__getitem__, _NAME_TOKEN.findall(text))))


def index_text(text: str) -> str:
    """The index terms of ``text`` joined by spaces: what every engine indexes, tokenised on
    spaces, so all of them hold the very same terms at the same positions."""
    return " ".join(analyze_terms(text))


def index_names(text: str) -> str:
    """``index_text`` for author and place names."""
    return " ".join(analyze_names(text))


def token_terms(text: str) -> tuple[list[str], list[int]]:
    """Every token's term ("" for a stop word) and the token boundaries, computed in C.

    Token ``i`` spans ``bounds[2 * i]`` to ``bounds[2 * i + 1]``. Splitting on the token pattern
    and summing the part lengths gives the offsets without a Python step per token, which is what
    lets the highlighter scan ten article bodies per search in well under a millisecond.
    """
    parts = _TOKEN_SPLIT.split(text)
    bounds = list(accumulate(map(len, parts)))
    return list(map(_TEXT_TERMS.__getitem__, parts[1::2])), bounds


def fold(word: str) -> str:
    """Lower case and accent folding of one word: how wildcard patterns are compared with terms."""
    return "".join(map(normalize_word, _TOKEN.findall(word))) if word else ""


def body_field_term_list(title: str, body: str) -> list[str]:
    """``search.keys.body_field_terms`` of stored text, as the list a phrase is checked against."""
    return body_field_terms(index_text(title), index_text(body)).split()
