"""Text analysis: how article text and query words become index terms.

The chain, in order: a regex tokenizer (words, with inner dots and apostrophes kept so "U.S." and
"Service's" stay whole), lower case, accent folding, possessive "'s" removed, our own English stop
list, then NLTK's Snowball English stemmer behind a memo cache.

Why the details matter:

* Whoosh pickles the analyzer into the index by import path, so ``stem_english`` and
  ``PossessiveFilter`` must stay at these paths; we also always open indexes with our own schema.
  Changing what the chain produces changes ``ANALYZER_VERSION``, and old indexes then ask for a
  rebuild instead of silently mismatching query and index terms.
* The stop list is ours: NLTK's stop-word corpus needs a download, and ``SnowballStemmer(...,
  ignore_stopwords=True)`` would need it too.
* The query parser, the highlighter and the indexer all call ``analyze_terms``/``analyzer()`` so a
  word is turned into a term one way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
import re
from functools import lru_cache

from nltk.stem.snowball import SnowballStemmer
from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.support.charset import accent_map

ANALYZER_VERSION = "en_stem_v1"

TOKEN_PATTERN = r"\w+(?:[.'\u2019]\w+)*"

# Lucene's English stop set plus a few pronouns and auxiliaries that carry no topic in news text.
STOP_WORDS = frozenset(
    """a an and are as at be but by for if in into is it no not of on or such that the their then
    there these they this to was will with from has have had its were been which would he she his
    her we you""".split()
)

_snowball = SnowballStemmer("english")
_ACRONYM = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]?$")


@lru_cache(maxsize=200_000)
def stem_english(word: str) -> str:
    """Snowball English stem of one lower-case word, memoised: news vocabularies repeat a lot."""
    return _snowball.stem(word)


class PossessiveFilter(Filter):
    """Drops a trailing possessive: "service's" and "service\u2019s" both become "service"."""

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            if len(text) > 2 and text[-2] in "'\u2019" and text[-1] == "s":
                token.text = text[:-2]
            elif text.endswith(("'", "\u2019")):
                token.text = text.rstrip("'\u2019")
            yield token


class AcronymFilter(Filter):
    """Drops the dots of dotted acronyms, so "U.S." and "US" are one term (as Lucene's ClassicFilter)."""

    def __call__(self, tokens):
        for token in tokens:
            if "." in token.text and _ACRONYM.match(token.text):
                token.text = token.text.replace(".", "")
            yield token


def analyzer():
    """The stemming analyzer used for title and body."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | PossessiveFilter()
        | AcronymFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(stemfn=stem_english, cachesize=None)
    )


def plain_analyzer():
    """The same chain without stop words and stemming: how wildcard patterns are compared."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | PossessiveFilter()
        | AcronymFilter()
    )


_ANALYZER = analyzer()
_PLAIN = plain_analyzer()


@dataclass(frozen=True, slots=True)
class TermSpan:
    """One analysed token: its term, its position among kept tokens, and its character span."""

    term: str
    position: int
    start: int
    end: int


def analyze_terms(text: str) -> list[str]:
    """The index terms of ``text`` in order (stop words dropped)."""
    return [t.text for t in _ANALYZER(text)]


def analyze_spans(text: str) -> Iterator[TermSpan]:
    """Terms with positions and character offsets, as the highlighter needs them."""
    for token in _ANALYZER(text, positions=True, chars=True):
        yield TermSpan(token.text, token.pos, token.startchar, token.endchar)


def fold(text: str) -> str:
    """Lower case and accent folding only: how wildcard patterns are compared with terms."""
    return "".join(t.text for t in _PLAIN(text)) if text else ""
