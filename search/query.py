"""The query language, parsed into our own tree and validated before any engine sees it.

Syntax (AND between terms by default)::

    deputize IRS                 both words (stemmed: also "deputized", "deputizing")
    oil OR gas                   either
    oil NOT gas, oil -gas        the first without the second
    (oil OR gas) AND price*      grouping and wildcards (* any run, ? one character)
    "Kristi Noem"                an exact phrase; "oil prices"~5 within five words
    title:cocoa  source:Reuters  source:"Fox News"  author:hesson  place:washington
    Iran: the war                a word followed by a colon and a space is a word, not a field
    date:1987-03  date:1987-03-02  date:[1987-03-01 TO 1987-03-31]  date:[* TO 1987-03-31]

Whoosh's own parser quietly rewrites what it does not understand, so a user never learns their
query was changed. This parser refuses instead: an unbalanced quote, parenthesis or bracket, an
unknown field, a bad date or a dangling operator raises ``QuerySyntaxError`` naming the problem and
its position. Words are analysed here, with the index's own analyzer, so every engine receives the
same terms.
"""

from __future__ import annotations

import calendar
import fnmatch
import re
from dataclasses import dataclass
from datetime import date

from search.analysis import analyze_names, analyze_terms, fold
from search.errors import QuerySyntaxError

MAX_QUERY_CHARS = 2000
MAX_DEPTH = 32
MAX_CLAUSES = 256
MAX_SLOP = 100

# Field name -> kind. "text": stemmed full text; "keyword": one exact value, case-insensitive;
# "name": lower-cased words, unstemmed; "date": a day, month, year or range.
FIELDS: dict[str, str] = {
    "title": "text",
    "body": "text",
    "source": "keyword",
    "author": "name",
    "place": "name",
    "date": "date",
}


# ---------------------------------------------------------------------------------------- tree


@dataclass(frozen=True)
class Node:
    pass


@dataclass(frozen=True)
class MatchAll(Node):
    """Every article (an empty query, or the positive side of a purely negative one)."""


@dataclass(frozen=True)
class MatchNone(Node):
    """No article: a query made only of stop words."""


@dataclass(frozen=True)
class Term(Node):
    field: str | None  # None: title and body
    text: str  # the index term (stemmed for text fields)
    boost: float = 1.0  # a word said twice in a long question weighs twice


@dataclass(frozen=True)
class Phrase(Node):
    field: str | None
    terms: tuple[str, ...]
    slop: int = 0  # 0: adjacent, in order; N: within N positions


@dataclass(frozen=True)
class Wildcard(Node):
    field: str | None
    pattern: str  # folded to lower case; * and ? as in shells


@dataclass(frozen=True)
class DateRange(Node):
    start: date | None  # inclusive
    end: date | None  # inclusive


@dataclass(frozen=True)
class And(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    child: Node


# ---------------------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class _Token:
    kind: str  # WORD QUOTED RANGE LPAREN RPAREN AND OR NOT MINUS FIELD EOF
    text: str
    pos: int
    slop: int = 0


_WORD_END = re.compile(r'[\s()"\[]')
_FIELD = re.compile(r"^([A-Za-z_]+):(.*)$", re.DOTALL)


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "(":
            tokens.append(_Token("LPAREN", ch, i))
            i += 1
        elif ch == ")":
            tokens.append(_Token("RPAREN", ch, i))
            i += 1
        elif ch == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise QuerySyntaxError('unbalanced quote: this " is never closed', i, text)
            j = close + 1
            slop = 0
            if j < n and text[j] == "~":
                digits = re.match(r"\d+", text[j + 1 :])
                if not digits:
                    raise QuerySyntaxError(
                        '~ after a phrase needs a number, as in "a b"~5', j, text
                    )
                slop = int(digits.group())
                if slop > MAX_SLOP:
                    raise QuerySyntaxError(
                        f"proximity ~{slop} is too wide (at most {MAX_SLOP})", j, text
                    )
                j += 1 + len(digits.group())
            tokens.append(_Token("QUOTED", text[i + 1 : close], i, slop))
            i = j
        elif ch == "[":
            close = text.find("]", i + 1)
            if close < 0:
                raise QuerySyntaxError("unbalanced bracket: this [ is never closed", i, text)
            tokens.append(_Token("RANGE", text[i + 1 : close], i))
            i = close + 1
        elif ch == "]":
            raise QuerySyntaxError("unbalanced bracket: ] without [", i, text)
        elif ch == "-" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] not in "-)":
            tokens.append(_Token("MINUS", ch, i))
            i += 1
        elif ch == "+" and i + 1 < n and not text[i + 1].isspace():
            i += 1  # "+term" means what a bare term already means
        else:
            end = _WORD_END.search(text, i)
            j = end.start() if end else n
            word = text[i:j]
            field = _FIELD.match(word)
            if word in ("AND", "OR", "NOT"):
                tokens.append(_Token(word, word, i))
            elif field and not field.group(2) and field.group(1).lower() not in FIELDS:
                # "Iran: the war": a word that ends with a colon and is no field is a word (a
                # pasted headline), not a field; "nope:x" still gets the unknown-field error.
                tokens.append(_Token("WORD", field.group(1), i))
            elif field and not field.group(2).startswith("//"):
                name = field.group(1).lower()
                if name not in FIELDS:
                    known = ", ".join(f"{f}:" for f in sorted(FIELDS))
                    raise QuerySyntaxError(
                        f"unknown field {field.group(1)}: (known: {known})", i, text
                    )
                tokens.append(_Token("FIELD", name, i))
                if field.group(2):
                    tokens.append(_Token("WORD", field.group(2), i + len(field.group(1)) + 1))
                elif j >= n or text[j].isspace():
                    raise QuerySyntaxError(f"{name}: needs a value right after the colon", i, text)
            elif word.strip("-+"):
                tokens.append(_Token("WORD", word, i))
            i = j
    tokens.append(_Token("EOF", "", n))
    return tokens


# ---------------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str, default_or: bool = False) -> None:
        self.default_or = default_or  # "any" mode: words side by side are OR-ed, not AND-ed
        self.text = text
        self.tokens = _lex(text)
        self.index = 0
        self.depth = 0
        self.clauses = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def error(self, message: str, pos: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, pos, self.text)

    def parse(self) -> Node:
        if self.peek().kind == "EOF":
            return MatchAll()
        node = self.parse_or(None)
        token = self.peek()
        if token.kind == "RPAREN":
            raise self.error("unbalanced parenthesis: ) without (", token.pos)
        if token.kind != "EOF":  # pragma: no cover - every token kind is consumed above
            raise self.error(f"unexpected {token.text!r}", token.pos)
        return node

    def parse_or(self, field: str | None) -> Node:
        children = [self.parse_and(field)]
        while self.peek().kind == "OR" or (
            self.default_or and self.peek().kind not in ("EOF", "RPAREN")
        ):
            if self.peek().kind == "OR":
                op = self.take()
                if self.peek().kind in ("EOF", "RPAREN", "OR", "AND"):
                    raise self.error("OR needs a term after it", op.pos)
            children.append(self.parse_and(field))
        if len(children) == 1:
            return children[0]
        if self.default_or:
            # "oil gas -coal" in any mode: either word, and never coal (exclusions stay global).
            excluded = [c for c in children if isinstance(c, Not)]
            wanted = [c for c in children if not isinstance(c, Not)]
            if excluded and wanted:
                either = wanted[0] if len(wanted) == 1 else Or(tuple(wanted))
                return And((either, *excluded))
        return Or(tuple(children))

    def parse_and(self, field: str | None) -> Node:
        first = self.peek()
        if first.kind in ("OR", "AND"):
            raise self.error(f"{first.kind} needs a term before it", first.pos)
        children = [self.parse_unary(field)]
        while self.peek().kind not in ("EOF", "RPAREN", "OR"):
            if self.default_or and self.peek().kind != "AND":
                break
            if self.peek().kind == "AND":
                op = self.take()
                if self.peek().kind in ("EOF", "RPAREN", "OR", "AND"):
                    raise self.error("AND needs a term after it", op.pos)
            children.append(self.parse_unary(field))
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self, field: str | None) -> Node:
        token = self.peek()
        if token.kind in ("NOT", "MINUS"):
            self.take()
            if self.peek().kind in ("EOF", "RPAREN", "OR", "AND"):
                raise self.error(f"{token.text} needs a term after it", token.pos)
            return Not(self.parse_unary(field))
        return self.parse_primary(field)

    def parse_primary(self, field: str | None) -> Node:
        token = self.take()
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise self.error(f"too many terms (at most {MAX_CLAUSES})", token.pos)
        if token.kind == "LPAREN":
            return self.parse_group(token, field)
        if token.kind == "RPAREN":
            raise self.error("unbalanced parenthesis: ) without (", token.pos)
        if token.kind == "FIELD":
            if field is not None:
                raise self.error(f"{token.text}: cannot stand inside {field}:( )", token.pos)
            return self.parse_field_value(token)
        if token.kind == "RANGE":
            raise self.error(
                "a [from TO to] range needs a field, as in date:[1987-03-01 TO *]", token.pos
            )
        if token.kind == "QUOTED":
            return _phrase(field, token, self)
        if token.kind == "WORD":
            return _word(field, token, self)
        raise self.error(f"unexpected {token.kind}", token.pos)  # pragma: no cover

    def parse_group(self, opener: _Token, field: str | None) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"parentheses nested too deep (at most {MAX_DEPTH})", opener.pos)
        if self.peek().kind == "RPAREN":
            raise self.error("empty parentheses", opener.pos)
        if self.peek().kind == "EOF":
            raise self.error("unbalanced parenthesis: this ( is never closed", opener.pos)
        node = self.parse_or(field)
        if self.peek().kind != "RPAREN":
            raise self.error("unbalanced parenthesis: this ( is never closed", opener.pos)
        self.take()
        self.depth -= 1
        return node

    def parse_field_value(self, field_token: _Token) -> Node:
        name = field_token.text
        kind = FIELDS[name]
        value = self.peek()
        if value.kind == "EOF":
            raise self.error(f"{name}: needs a value", field_token.pos)
        if kind == "date":
            token = self.take()
            if token.kind == "RANGE":
                return _date_range(token, self)
            if token.kind == "WORD":
                start, end = _date_period(token.text, token.pos, self)
                return DateRange(start, end)
            raise self.error("date: takes YYYY, YYYY-MM, YYYY-MM-DD or [from TO to]", token.pos)
        if value.kind == "LPAREN":
            return self.parse_group(self.take(), name)
        if value.kind in ("WORD", "QUOTED"):
            token = self.take()
            self.clauses += 1
            return (
                _phrase(name, token, self) if token.kind == "QUOTED" else _word(name, token, self)
            )
        raise self.error(f'{name}: needs a word, a "phrase" or ( ) after it', value.pos)


# ---------------------------------------------------------------------------------------- leaves


def _word(field: str | None, token: _Token, parser: _Parser) -> Node:
    kind = FIELDS.get(field, "text") if field else "text"
    text = token.text
    if kind == "keyword":
        value = " ".join(text.split()).casefold()
        return Wildcard(field, value) if ("*" in value or "?" in value) else Term(field, value)
    if "*" in text or "?" in text:
        pattern = "".join(
            fold(part) if part not in "*?" else part for part in re.split(r"([*?])", text)
        )
        if not pattern.strip("*?"):
            raise parser.error("a wildcard needs at least one letter or digit", token.pos)
        return Wildcard(field, pattern)
    terms = _analyze(kind, text)
    if not terms:
        return MatchNone()
    if len(terms) == 1:
        return Term(field, terms[0])
    return Phrase(field, tuple(terms), 0)  # "money-laundering": its parts, adjacent


def _phrase(field: str | None, token: _Token, parser: _Parser) -> Node:
    kind = FIELDS.get(field, "text") if field else "text"
    if kind == "keyword":
        return Term(field, " ".join(token.text.split()).casefold())
    if "*" in token.text or "?" in token.text:
        # Inside quotes the user asked for exact words; wildcard characters are just punctuation.
        pass
    terms = _analyze(kind, token.text)
    if not terms:
        if not token.text.strip():
            raise parser.error('empty phrase ""', token.pos)
        return MatchNone()
    if len(terms) == 1:
        return Term(field, terms[0])
    return Phrase(field, tuple(terms), token.slop)


def _analyze(kind: str, text: str) -> list[str]:
    return analyze_names(text) if kind == "name" else analyze_terms(text)


_DATE_FORMS = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _date_period(text: str, pos: int, parser: _Parser) -> tuple[date, date]:
    """YYYY, YYYY-MM or YYYY-MM-DD as the first and last day it covers."""
    match = _DATE_FORMS.match(text.strip())
    if not match:
        raise parser.error(f"bad date {text!r} (expected YYYY, YYYY-MM or YYYY-MM-DD)", pos)
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        if day is None:
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        return date(year, month, day), date(year, month, day)
    except ValueError as exc:
        raise parser.error(f"bad date {text!r}: {exc}", pos) from None


def _date_range(token: _Token, parser: _Parser) -> DateRange:
    parts = re.split(r"\s+TO\s+", token.text.strip())
    if len(parts) != 2:
        raise parser.error("a date range is written [1987-03-01 TO 1987-03-31]", token.pos)
    bounds: list[date | None] = []
    for index, part in enumerate(parts):
        if part.strip() == "*":
            bounds.append(None)
            continue
        start, end = _date_period(part, token.pos, parser)
        bounds.append(start if index == 0 else end)
    start, end = bounds
    if start and end and start > end:
        raise parser.error(f"date range starts after it ends ({start} > {end})", token.pos)
    return DateRange(start, end)


# ---------------------------------------------------------------------------------------- api


def parse_query(text: str, default_or: bool = False) -> Node:
    """Parse ``text`` into a query tree, or raise ``QuerySyntaxError`` saying what is wrong.

    ``default_or`` makes words side by side alternatives ("any" mode); explicit AND still binds.
    """
    check_length(text)
    return _anchor(simplify(_Parser(text, default_or).parse()))


def check_length(text: str) -> None:
    """The first, cheapest guard: before any parsing or analysis."""
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            f"query too long ({len(text):,} characters, at most {MAX_QUERY_CHARS:,})"
        )


def _anchor(node: Node) -> Node:
    """A purely negative query ("NOT oil") means everything except: give it a positive side."""
    return And((MatchAll(), node)) if isinstance(node, Not) else node


def simplify(node: Node) -> Node:
    """Fold away stop-word leaves and single-child groups; keep the meaning."""
    if isinstance(node, And):
        kids = [simplify(c) for c in node.children]
        # A stop word in an AND list constrains nothing: drop it rather than match nothing.
        kids = [k for k in kids if not isinstance(k, MatchNone)]
        kids = [k for k in kids if not (isinstance(k, Not) and isinstance(k.child, MatchNone))]
        if not kids:
            return MatchNone()
        if all(isinstance(k, Not) for k in kids):
            kids.insert(0, MatchAll())
        return kids[0] if len(kids) == 1 else And(tuple(kids))
    if isinstance(node, Or):
        kids = [_anchor(k) for k in (simplify(c) for c in node.children)]
        kids = [k for k in kids if not isinstance(k, MatchNone)]
        if not kids:
            return MatchNone()
        return kids[0] if len(kids) == 1 else Or(tuple(kids))
    if isinstance(node, Not):
        child = simplify(node.child)
        return MatchAll() if isinstance(child, MatchNone) else Not(child)
    return node


def date_bound(text: str, end: bool = False) -> date:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as the first day it covers (the last with ``end``):
    how ``--from``/``--to`` and the URL's ``from``/``to`` read a date. Raises QuerySyntaxError."""
    try:
        node = parse_query(f"date:{text.strip()}")
    except QuerySyntaxError:
        node = None
    if not isinstance(node, DateRange):
        raise QuerySyntaxError(f"{text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    return node.end if end else node.start


STEM_SLACK = 2  # how many letters a stem may drop from a wildcard's literal prefix
STEM_SLACK_MIN_PREFIX = 6  # shorter prefixes get none: "price*" must not match the stem "pri"


def wildcard_prefix(pattern: str) -> str:
    """The literal start of a pattern: the part an index can seek to."""
    return re.split(r"[*?]", pattern, maxsplit=1)[0]


def wildcard_matcher(pattern: str):
    """A predicate on index terms for a wildcard pattern.

    Index terms are stems, so "deputiz*" would miss "deput" (the stem of "deputized"). A pattern
    that ends in * with a literal prefix of six or more letters therefore also matches a stem the
    prefix starts with, if the stem drops at most ``STEM_SLACK`` letters of it. Shorter prefixes
    get no slack: "price*" accepting "pri" (from "PRI", a ticker) ranked junk first.
    """
    exact = re.compile(fnmatch.translate(pattern)).match
    prefix = wildcard_prefix(pattern)
    if not _has_slack(pattern):
        return lambda term: exact(term) is not None
    shortest = len(prefix) - STEM_SLACK
    return lambda term: (
        exact(term) is not None or (len(term) >= shortest and prefix.startswith(term))
    )


def wildcard_seek(pattern: str) -> str:
    """The prefix to scan the lexicon from so every term ``wildcard_matcher`` accepts is seen."""
    prefix = wildcard_prefix(pattern)
    return prefix[: len(prefix) - STEM_SLACK] if _has_slack(pattern) else prefix


def _has_slack(pattern: str) -> bool:
    prefix = wildcard_prefix(pattern)
    return pattern.endswith("*") and pattern[:-1] == prefix and len(prefix) >= STEM_SLACK_MIN_PREFIX


MAX_WILDCARD_TERMS = 1024  # words one query's wildcards may expand to, in all (as Lucene's cap)


class WildcardExpander:
    """Expands a query's wildcards against an engine's term dictionary, with one budget for the
    whole query: 250 wildcards of 1,000 words each would otherwise take Whoosh half a minute.

    ``lexicon(field, prefix)`` yields the field's terms that start with ``prefix``. Results are
    cached per (field, pattern), so an engine may expand the same wildcard twice (to match and
    to rank) at no extra cost.
    """

    def __init__(self, lexicon, limit: int = MAX_WILDCARD_TERMS) -> None:
        self.lexicon = lexicon
        self.limit = limit
        self.total = 0
        self.cache: dict[tuple[str, str], list[str]] = {}

    def __call__(self, field: str, pattern: str) -> list[str]:
        key = (field, pattern)
        if key in self.cache:
            return self.cache[key]
        matches = wildcard_matcher(pattern)
        found = []
        for term in self.lexicon(field, wildcard_seek(pattern)):
            if matches(term):
                found.append(term)
                if len(found) > self.limit:
                    raise QuerySyntaxError(
                        f"{pattern} matches more than {self.limit:,} words; make it more specific"
                    )
        self.total += len(found)
        if self.total > self.limit:
            raise QuerySyntaxError(
                f"the wildcards of this query match more than {self.limit:,} words in all; "
                "make them more specific"
            )
        self.cache[key] = found
        return found


def positive_leaves(node: Node) -> list[Node]:
    """The terms, phrases and wildcards a match is made of (none under NOT): what to highlight."""
    if isinstance(node, (And, Or)):
        return [leaf for child in node.children for leaf in positive_leaves(child)]
    if isinstance(node, Not):
        return []
    if isinstance(node, (Term, Phrase, Wildcard)):
        return [node]
    return []
