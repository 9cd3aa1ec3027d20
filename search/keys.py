"""How values become the keys an index holds and a query asks: the one rule both sides share.

An exact-value field (``section:politics``) matches in any case, accents and spacing, and a
language tag by its language; a search's matches are joined to their groups by a number hashed
from the article id; the body field holds the headline's terms before the text's. Engines index
these keys and the parser and the phrase check ask for them, so the rule lives here, in one place
all of them may import.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata


def id_hash(article_id: str) -> int:
    """A signed 64-bit number for an article id (engines' integer columns are signed): what a
    search's matches are joined to their groups by, cheaper to read and compare than the id.
    Two of a million ids share one with a chance of about 1 in 36 billion."""
    digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def value_key(value: str) -> str:
    """How an exact value is matched: any case, accents and spacing, quotes aside (a query's
    quotes delimit a value, so a value's own cannot be typed): ``section:economia`` finds
    "Economía". Engines index it, the parser asks it."""
    if value.isascii():  # most values: no accents to fold, and casefold is lower
        return " ".join(value.replace('"', " ").lower().split())
    folded = unicodedata.normalize("NFKD", value.replace('"', " ").casefold())
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


_LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")  # BCP 47 / POSIX


def language_code(value: str) -> str:
    """A language tag's language: ``en-GB``, ``en_US`` and ``EN`` are all ``en``, as stored and
    as searched, so ``language:en-GB`` finds what ``language:en`` finds."""
    code = _LANGUAGE_TAG.match(value)
    return code.group(1).lower() if code else value


def keyword_key(field: str, value: str) -> str:
    """The key a ``field:value`` clause on an exact-value field looks up (``value_key``)."""
    return value_key(language_code(value) if field == "language" else value)


# The body field holds the headline's terms, this gap, then the text's (Lucene's "catch-all"
# layout): a word of the headline is weighed once more in the text's statistics, where an article
# of only a headline and a short text is scored like any other, instead of through a field of its
# own at full IDF. The gap is one position that no query term can be, so an exact phrase never runs
# from the headline into the text; a proximity search (``~N``) may, as a reader reads the headline
# into the first line. Measured over four relevance collections in benchmarks/RESULTS.md.
HEADLINE_GAP = "\u00b6"


LEAD_TERMS = 6  # a dateline's terms ("NEW YORK, March 3 (AP) -") may stand before a headline


def _opens_with(body_terms: str, title_terms: str) -> bool:
    """Whether the text's first line is the headline (a title made from the first sentence, or
    a page that repeats its headline): its words are then in the text once already."""
    lead = body_terms.split(" ", LEAD_TERMS)[:LEAD_TERMS]
    window = len(title_terms) + sum(len(term) + 1 for term in lead)
    at = body_terms.find(title_terms, 0, window)
    end = at + len(title_terms)
    return (at == 0 or (at > 0 and body_terms[at - 1] == " ")) and (
        end == len(body_terms) or body_terms[end] == " "
    )


def body_field_terms(title_terms: str, body_terms: str) -> str:
    """What the body field indexes, from the headline's and the text's terms (space-separated)."""
    if not title_terms or _opens_with(body_terms, title_terms):
        return body_terms
    return f"{title_terms} {HEADLINE_GAP} {body_terms}" if body_terms else title_terms
