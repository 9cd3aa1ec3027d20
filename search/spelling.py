"""Did you mean: spelling suggestions from the archive's own vocabulary, and the words a ``word~``
matched, as people write them.

Typed words are compared with the archive's written words (``search.vocabulary``, built at
index time beside the engine's commits, on every engine), and a candidate is offered only if
the engine still holds its term: a name that appears in today's articles is suggested today.
An index made before the vocabulary existed falls back to the engine's own term dictionary
(stems). For each word of the query (in words and phrases of the text) the archive's count
decides:

* a word no article holds gets the closest term that some article holds (one edit before two;
  among equals, the most common);
* a rare word (at most ``RARE`` articles) gets a suggestion only when the query found nothing
  and a term one edit away is at least ``COMMON_RATIO`` times as common. A query that found
  something never corrects a word the archive holds: measured on Reuters-21578, a fifth of its
  rare words have a much commoner neighbour one edit away ("nose" and "note", "truce" and
  "truck"), and a correct word must not be "corrected";
* a ``source:`` value no article has gets the closest outlet.

Candidates share the typed word's first letter and are ranked by edit distance (a swap of two
neighbours is one edit), then by how often they are written. A word is shown as most articles
write it ("Netanyahu"), and a suggestion is made only if its query finds something: the page can
then say how many.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import OSA

from search.analysis import analyze_terms, fold, token_terms
from search.errors import QuerySyntaxError
from search.facets import field_query
from search.keys import value_key
from search.query.tree import Fuzzy, Node, Phrase, Term, positive_leaves
from search.query.wildcards import WildcardExpander
from search.types import Engine, SearchRequest
from search.vocabulary import FILE_NAME, Vocabulary, load

RARE = 3
LONG_WORD = 7  # shorter words get one edit only ("Putin" is not two edits from "Put")
MIN_ARTICLES = 2  # a suggestion is a word at least two articles hold (not a one-off typo)
COMMON_RATIO = 20
SURFACE_SAMPLE = 5  # articles read to see how a term is written
_WORD = re.compile(r"(?<![\w:])(?:(?i:title|body):)?([^\W_][\w.'&-]*)")  # words of the text
# A field whose values are checked against the archive's (``section:polotics``), as typed.
VALUE_FIELDS = {"source": "source", "place": "place", "section": "section", "language": "language"}
VALUE_FIELDS |= {"lang": "language", "publisher": "publisher", "tags": "tags", "tag": "tags"}
VALUE_FIELDS |= {"keywords": "tags", "keyword": "tags"}
_VALUE = re.compile(r"(?i)\b(" + "|".join(VALUE_FIELDS) + r'):("[^"]*"|[^\s()"]+)')


def value_fields(text: str) -> set[str]:
    """The fields of ``text``'s clauses whose values a suggestion may correct."""
    return {VALUE_FIELDS[m.group(1).lower()] for m in _VALUE.finditer(text)}


@dataclass(frozen=True)
class Suggestion:
    query: str
    total: int  # with the request's filters
    corrections: tuple[tuple[str, str], ...]  # (as typed, as suggested)
    unfiltered: int | None = None  # when the filters leave nothing: how many without them


def surface(engine: Engine, term: str) -> str:
    """How the archive writes ``term`` most often in the bodies of its first few matching
    articles (headlines in capitals say less), else in their titles, else the term itself."""
    found = engine.search(Term(None, term), SearchRequest(page_size=SURFACE_SAMPLE))
    for part in ("body", "title"):
        written: Counter[str] = Counter()
        for match in found.hits:
            text = match.article.body[:20_000] if part == "body" else match.article.title
            terms, bounds = token_terms(text)
            for index, candidate in enumerate(terms):
                if candidate == term:
                    written[text[bounds[2 * index] : bounds[2 * index + 1]]] += 1
        if written:
            form = written.most_common(1)[0][0]
            return form.capitalize() if form.isupper() and len(form) > 4 else form
    return term


def _count(engine: Engine, term: str) -> int:
    """Articles holding ``term`` in title or body: the body field's document frequency (it
    holds the headline too). Asked of every word of every search, so read from the term
    dictionary, never by matching (which took 14 ms for "said" on Whoosh)."""
    return engine.doc_frequency("body", term)


def _text_terms(query: Node) -> list[str]:
    terms = []
    for leaf in positive_leaves(query):
        if isinstance(leaf, Term) and leaf.field in (None, "title", "body"):
            terms.append(leaf.text)
        elif isinstance(leaf, Phrase) and leaf.field in (None, "title", "body"):
            terms.extend(leaf.terms)
    return list(dict.fromkeys(terms))


def correction(
    engine: Engine, expander: WildcardExpander, word: str, term: str, rare_too: bool = False
) -> str | None:
    """The word to suggest for ``word`` (its term: ``term``), as the archive writes it, or
    None; a word the archive holds is corrected only with ``rare_too`` (the query found
    nothing)."""
    count = _count(engine, term)
    if count > (RARE if rare_too else 0):
        return None
    edits = 1 if count or len(word) < LONG_WORD else 2
    vocabulary = load(engine.path)
    if vocabulary is None:
        return _from_terms(engine, expander, word, term, count, edits)
    with vocabulary:
        return _from_vocabulary(engine, vocabulary, word, term, count, edits)


def _alive(engine: Engine, terms: list[str]) -> dict[str, int]:
    """Articles holding each term, in title or body (the body field holds the headline too)."""
    return dict(zip(terms, engine.doc_frequencies("body", terms), strict=True))


def _from_vocabulary(engine, vocabulary: Vocabulary, word, term, count, edits) -> str | None:
    """Written forms close to the typed word; the closest, then the most written, whose term
    some article still holds."""
    close = [(f, d) for f, d in vocabulary.close_forms(word, edits) if f.term != term]
    if not close:
        return None
    alive = _alive(engine, list(dict.fromkeys(f.term for f, _ in close)))
    ranked = sorted(
        ((f, d) for f, d in close if alive[f.term] >= MIN_ARTICLES),
        key=lambda fd: (fd[1], -fd[0].n, fd[0].form),
    )
    if not ranked:
        return None
    best, distance = ranked[0]
    if count and (distance > 1 or alive[best.term] < COMMON_RATIO * count):
        return None
    return best.shown


def _from_terms(engine, expander, word, term, count, edits) -> str | None:
    """Without a vocabulary (an index made before it existed): index terms close to the word."""
    candidates = [t for t in expander.close_terms(None, word, term, edits) if t != term]
    if not candidates:
        return None
    counts = _alive(engine, candidates)

    def distance(candidate: str) -> int:
        return min(OSA.distance(term, candidate), OSA.distance(word, candidate))

    best = min(candidates, key=lambda c: (distance(c), -counts[c], c))
    if counts[best] < MIN_ARTICLES:
        return None
    if count and (distance(best) > 1 or counts[best] < COMMON_RATIO * count):
        return None
    return surface(engine, best)


def _typed(text: str) -> dict[str, str]:
    """Each one-term word of a query: its term -> the word as typed."""
    typed: dict[str, str] = {}
    for match in _WORD.finditer(text):
        words = analyze_terms(match.group(1))
        if len(words) == 1:
            typed.setdefault(words[0], match.group(1))
    return typed


def other_spellings(engine: Engine, request: SearchRequest, query: Node) -> list[tuple[str, int]]:
    """Other spellings of a name in the query that the archive uses more ("Zelenskyy": also
    written Zelensky, 30 articles): names only (typed and mostly written with a capital), one
    edit away, at least as common; never a correction, only a hint that both exist."""
    vocabulary = load(engine.path)
    if vocabulary is None:
        return []
    found: dict[str, int] = {}
    with vocabulary:
        for term, word in _typed(request.query).items():
            if not word[:1].isupper() or term not in _text_terms(query):
                continue
            count = _count(engine, term)
            close = [
                f
                for f, d in vocabulary.close_forms(fold(word), 1)
                if f.term != term and f.shown[:1].isupper()
            ]
            alive = _alive(engine, list(dict.fromkeys(f.term for f in close)))
            for form in sorted(close, key=lambda f: -alive[f.term])[:3]:
                if _variant_of(count, alive[form.term]) and form.shown not in found:
                    found[form.shown] = _total(engine, form.term)
    return sorted(found.items(), key=lambda item: -item[1])[:3]


def _variant_of(count: int, other: int) -> bool:
    """Whether a name one edit away is likely another spelling of the typed one: the typed one
    is very rare (1 or 2 articles: Zelenskyy beside Zelensky), or the other five times as
    common. Two common names one edit apart are different names (Iraq and Iran, Cuba and
    Ciba), which a hint would confuse."""
    return other >= max(count, 1) and (count <= 2 or other >= 5 * count)


def _total(engine: Engine, term: str) -> int:
    """Articles a search for the word finds (title or body), exactly: what the hint shows."""
    return engine.counts(Term(None, term), SearchRequest()).total


def suggest(
    engine: Engine,
    request: SearchRequest,
    query: Node,
    known: dict[str, list[str]],
    count: Callable[[SearchRequest], int],
    found: int = 0,
) -> Suggestion | None:
    """A corrected query for ``request`` (its tree as parsed: ``query``, which ``found``
    articles match) with its number of matches (``count``: the pipeline's), or None. ``known``
    holds the archive's values of the query's ``field:value`` fields; a place (matched by its
    words) is corrected only when nothing was found."""
    expander = WildcardExpander(engine.terms_with_prefix)
    corrections: dict[str, str] = {}
    typed = _typed(request.query)
    for term in _text_terms(query):
        word = typed.get(term)
        if word is None:
            continue
        better = correction(engine, expander, fold(word), term, rare_too=not found)
        if better:
            corrections[word] = better
    text = request.query
    for word, fixed in corrections.items():
        fixed = fixed.capitalize() if word[:1].isupper() and fixed.islower() else fixed
        text = re.sub(
            rf"(?<![\w:])((?i:title:|body:)?){re.escape(word)}(?!\w)", rf"\g<1>{fixed}", text
        )
    for match in _VALUE.finditer(request.query):
        typed_field, value = match.group(1), match.group(2).strip('"')
        name = VALUE_FIELDS[typed_field.lower()]
        folded = {value_key(v): v for v in known.get(name, ())}
        if (
            value_key(value) in folded
            or (name == "place" and found)
            or "*" in value
            or "?" in value
        ):
            continue
        close = difflib.get_close_matches(value_key(value), list(folded), n=1, cutoff=0.6)
        if close:
            fixed = folded[close[0]]
            text = text.replace(match.group(0), field_query(typed_field, fixed))
            corrections[value] = fixed
    if not corrections or text == request.query:
        return None
    fixed_request = SearchRequest(
        query=text,
        sources=request.sources,
        date_from=request.date_from,
        date_to=request.date_to,
        mode=request.mode,
    )
    try:
        total = count(fixed_request)
    except QuerySyntaxError:  # a correction must never turn a working query into an error
        return None
    if total:
        return Suggestion(text, total, tuple(corrections.items()))
    bare = SearchRequest(query=text, mode=request.mode)
    unfiltered = count(bare) if bare != fixed_request else 0
    if not unfiltered:
        return None
    return Suggestion(text, 0, tuple(corrections.items()), unfiltered)


def variant_forms(
    engine: Engine, variants: dict[str, tuple[str, ...]], shown: dict[str, str] | None = None
) -> dict[str, list[str]]:
    """What each ``word~`` matched, as the archive writes it (at most 12 forms each): the
    spellings within reach when known (``shown``), else each term's commonest spelling."""
    result: dict[str, list[str]] = {}
    vocabulary = load(engine.path)
    try:
        for key, terms in variants.items():
            result[key] = _forms(engine, vocabulary, terms, shown or {})
    finally:
        if vocabulary is not None:
            vocabulary.close()
    return result


def _forms(engine, vocabulary: Vocabulary | None, terms: tuple[str, ...], shown) -> list[str]:
    """The spellings of the terms some article holds (the typed word itself may be none)."""
    forms: list[str] = []
    alive = _alive(engine, list(terms))
    for term in [t for t in terms if alive[t]][:12]:
        known = vocabulary.commonest(term) if vocabulary is not None else None
        form = shown.get(term) or (known.shown if known is not None else surface(engine, term))
        if form.casefold() not in {f.casefold() for f in forms}:
            forms.append(form)
    return forms


def written_terms(engine: Engine, query: Node, shown: dict[str, str]):
    """For a query with ``word~``: the terms of the archive's written words within n edits of a
    typed word (closest first, then most written), only those the engine still holds, each
    term's matched spelling put in ``shown``; None without a ``word~`` or without a vocabulary
    (the expander then measures edits on stems)."""
    if not any(isinstance(leaf, Fuzzy) for leaf in positive_leaves(query)):
        return None
    if not (Path(engine.path) / FILE_NAME).exists():
        return None

    def close(word: str, edits: int) -> list[str]:
        vocabulary = load(engine.path)
        if vocabulary is None:
            return []
        with vocabulary:
            forms = sorted(vocabulary.close_forms(word, edits), key=lambda fd: (fd[1], -fd[0].n))
        alive = _alive(engine, list(dict.fromkeys(f.term for f, _ in forms))) if forms else {}
        for form, _ in forms:
            if alive[form.term]:
                shown.setdefault(form.term, form.shown)
        return [t for t in dict.fromkeys(f.term for f, _ in forms) if alive[t]]

    return close
