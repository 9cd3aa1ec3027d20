"""Words that characterise a result set: the terms and two-word phrases most over-represented in
the matching articles compared with the whole archive.

The measure is Dunning's log-likelihood ratio (G²) on document counts, as Elasticsearch's
``significant_text`` offers it: the matches' documents holding a term against the archive's
(a superset that includes them), kept only when the term is relatively more frequent among the
matches. Counting is done on bodies, in analysed terms (so "prices" and "priced" are one term,
shown as its most frequent spelling); stop words are never terms, and the query's own words and
anything without a letter are left out. Past ``SAMPLE_SIZE`` matches, a sample seeded by the
query's text is read instead of every article (the same query gives the same words), and the
result says how many articles were read. The archive's counts of a phrase come from the engine
(a phrase query), so they are exact.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from math import log
from zlib import crc32

from search.analysis import token_terms
from search.query.tree import Phrase, Term, positive_leaves
from search.searching import prepare, request_warnings
from search.types import Engine, SearchRequest

SAMPLE_SIZE = 500  # Elasticsearch's sampler reads 100 a shard; words settle well before 500
MIN_DOCS = 3  # a term must occur in at least this many matches (2 for small result sets)
PHRASE_CANDIDATES = 20  # phrases whose archive counts are asked of the engine
TERM_CANDIDATES = 300
_JOINS = re.compile(r"[\s\w'-]*")  # what may stand between a phrase's two words


@dataclass(frozen=True)
class SignificantTerm:
    text: str  # as most often written in the matches: "prices", "Bank of England"
    terms: tuple[str, ...]  # the analysed terms: one, or two for a phrase
    matches: int  # documents among those read that hold it
    archive: int  # documents in the whole archive that hold it
    score: float

    @property
    def phrase(self) -> bool:
        return len(self.terms) > 1

    @property
    def query(self) -> str:
        """What adds it to a query: a phrase in quotes."""
        return f'"{self.text}"' if self.phrase else self.text


@dataclass
class SignificantTerms:
    total: int  # matches of the query
    read: int  # matches read: all of them, or the sample
    sampled: bool
    terms: list[SignificantTerm] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def g2(a: int, n: int, b: int, total: int) -> float:
    """Log-likelihood ratio of ``a`` of ``n`` matches against ``b`` of ``total`` archive
    documents (the matches among them)."""
    rest_a, rest_n = max(b - a, 0), max(total - n, 0)
    cells = ((a, n - a), (rest_a, rest_n - rest_a))
    grand = n + rest_n
    score = 0.0
    for row, row_sum in zip(cells, (n, rest_n), strict=True):
        for value, col_sum in zip(row, (a + rest_a, grand - a - rest_a), strict=True):
            expected = row_sum * col_sum / grand if grand else 0.0
            if value > 0 and expected > 0:
                score += value * log(value / expected)
    return 2.0 * score


def significant_terms(engine: Engine, request: SearchRequest, size: int = 20) -> SignificantTerms:
    request = replace(request, page=1)
    prepared = prepare(engine, request)
    warnings = request_warnings(engine, prepared)
    if not positive_leaves(prepared.query):
        warnings.append("words that stand out need a query with words (not `*` alone)")
        return SignificantTerms(0, 0, False, [], warnings)
    ids = sorted(engine.match_keys(prepared.query, request))
    total_matches = len(ids)
    sampled = total_matches > SAMPLE_SIZE
    if sampled:
        ids = sorted(random.Random(crc32(request.query.encode())).sample(ids, SAMPLE_SIZE))
    own = set()
    for leaf in positive_leaves(prepared.query):
        if isinstance(leaf, Term):
            own.add(leaf.text)
        elif isinstance(leaf, Phrase):
            own.update(leaf.terms)
    single: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    spelling: dict[tuple[str, ...], Counter[str]] = {}
    read = 0
    for article_id in ids:
        article = engine.get(article_id)
        if article is None:
            continue
        read += 1
        _count(article.body, own, single, pairs, spelling)
    result = SignificantTerms(total_matches, read, sampled, [], warnings)
    archive = engine.stats().articles
    if not read or not archive:
        return result
    least = MIN_DOCS if read >= 30 else 2
    scored: list[SignificantTerm] = []
    terms = [t for t, n in single.most_common(TERM_CANDIDATES) if n >= least]
    for term, df in zip(terms, engine.doc_frequencies("body", terms), strict=True):
        scored.append(_scored((term,), single[term], read, df, archive, spelling))
    phrases = [p for p, n in pairs.most_common(PHRASE_CANDIDATES) if n >= least]
    for pair in phrases:
        df = engine.counts(Phrase("body", pair, 0), SearchRequest()).total
        scored.append(_scored(pair, pairs[pair], read, df, archive, spelling))
    kept = [s for s in scored if s.score > 0]
    kept.sort(key=lambda s: (-s.score, s.text))
    result.terms = _without_overlaps(kept)[:size]
    return result


def _scored(terms, a: int, n: int, b: int, total: int, spelling) -> SignificantTerm:
    b = max(b, a if n == total else 0)  # a sampled count can exceed nothing it is part of
    over = b and a / n > b / total
    score = g2(a, n, b, total) if over else 0.0
    text = spelling[terms].most_common(1)[0][0]
    return SignificantTerm(text, terms, a, b, round(score, 2))


def _count(text, own, single, pairs, spelling) -> None:
    """Adds one article's terms and adjacent pairs (stop words take no place, as in phrases)."""
    terms, bounds = token_terms(text)
    kept = [i for i, term in enumerate(terms) if term]
    seen_terms, seen_pairs = set(), set()
    for index, position in enumerate(kept):
        term = terms[position]
        if term in own or not any(c.isalpha() for c in term):
            continue
        seen_terms.add(term)
        written = text[bounds[2 * position] : bounds[2 * position + 1]]
        spelling.setdefault((term,), Counter())[written.casefold()] += 1
        if index + 1 < len(kept):
            after = kept[index + 1]
            second = terms[after]
            if second in own or second == term or not any(c.isalpha() for c in second):
                continue
            between = text[bounds[2 * position + 1] : bounds[2 * after]]
            if not _JOINS.fullmatch(between):  # "organization (ICO": not a phrase
                continue
            pair = (term, second)
            seen_pairs.add(pair)
            phrase = " ".join(text[bounds[2 * position] : bounds[2 * after + 1]].split())
            spelling.setdefault(pair, Counter())[phrase.casefold()] += 1
    single.update(seen_terms)
    pairs.update(seen_pairs)


def _without_overlaps(ranked: list[SignificantTerm]) -> list[SignificantTerm]:
    """A word that only ever comes inside a phrase that is also listed adds nothing beside it
    ("jorio" beside "jorio dauster")."""
    phrases = [item for item in ranked if item.phrase]
    return [
        item
        for item in ranked
        if item.phrase
        or not any(item.terms[0] in p.terms and p.matches >= item.matches for p in phrases)
    ]
