"""The query language: a lexer and a recursive-descent parser from text to the query tree.

Syntax (AND between terms by default)::

    deputize IRS                 both words (stemmed: also "deputized", "deputizing")
    oil OR gas                   either
    oil NOT gas, oil -gas        the first without the second
    (oil OR gas) AND price*      grouping and wildcards (* any run, ? one character)
    zelensky~  netanyahu~2       the word and words one (two) edits away
    "Kristi Noem"                an exact phrase; "oil prices"~5 within five words
    title:cocoa  source:"Fox News"  author:hesson  place:washington  section:politics  tags:oil
    Iran: the war                a word followed by a colon and a space is a word, not a field
    date:1987-03  date:1987-03-02  date:[1987-03-01 TO 1987-03-31]  date:[* TO 1987-03-31]

Whoosh's own parser quietly rewrites what it does not understand; this one refuses instead: an
unbalanced quote, parenthesis or bracket, an unknown field, a bad date or a dangling operator
raises ``QuerySyntaxError`` naming the problem and its position. Words are analysed here, with
the index's own analyzer, so every engine receives the same terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from search.analysis import analyze_names, analyze_terms, fold
from search.errors import QuerySyntaxError
from search.keys import keyword_key
from search.query import tree
from search.query.dates import BadDate, parse_period
from search.query.tree import And, Fuzzy, MatchAll, MatchNone, Node, Not, Or, Phrase, Term
from search.types import METADATA_FIELDS

MAX_DEPTH = 32
MAX_CLAUSES = 256
MAX_SLOP = 100

# Field name -> kind. "text": stemmed full text; "keyword": one exact value, case-insensitive;
# "name": lower-cased words, unstemmed; "date": a day, month, year or range.
FIELDS: dict[str, str] = {"title": "text", "body": "text", "source": "keyword"}
FIELDS |= {"author": "name", "place": "name", "date": "date"}
FIELDS |= {name: "keyword" for name in METADATA_FIELDS}  # section:politics, tags:oil
ALIASES = {"tag": "tags", "keyword": "tags", "keywords": "tags", "lang": "language"}


# ---------------------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class _Token:
    kind: str  # WORD QUOTED RANGE LPAREN RPAREN AND OR NOT MINUS FIELD EOF
    text: str
    pos: int
    slop: int = 0


_WORD_END = re.compile(r'[\s()"\[]')
_FIELD = re.compile(r"^([A-Za-z_]+):(.*)$", re.DOTALL)
_FUZZY = re.compile(r"^([^~]+)~([12])?$")  # word~ or word~2: edits, as in Lucene
_LOOSE = '~ after a word: 1 or 2 edits (zelensky~); after a phrase: a distance ("oil prices"~5)'


def _name(typed: str) -> str:
    return ALIASES.get(typed.lower(), typed.lower())


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
            edits = 0
            if "~" in word and not word.startswith(("http://", "https://")):
                if not (loose := _FUZZY.match(word)) or word[:5].lower() == "date:":
                    raise QuerySyntaxError(_LOOSE, i + word.index("~"), text)
                word, edits = loose.group(1), int(loose.group(2) or 1)
            field = _FIELD.match(word)
            if word in ("AND", "OR", "NOT"):
                tokens.append(_Token(word, word, i))
            elif field and not field.group(2) and _name(field.group(1)) not in FIELDS:
                # "Iran: the war": a word that ends with a colon and is no field is a word (a
                # pasted headline), not a field; "nope:x" still gets the unknown-field error.
                tokens.append(_Token("WORD", field.group(1), i))
            elif field and not field.group(2).startswith("//"):
                name = _name(field.group(1))
                if name not in FIELDS:
                    known = ", ".join(f"{f}:" for f in sorted({*FIELDS, *ALIASES}))
                    raise QuerySyntaxError(
                        f"unknown field {field.group(1)}: (known: {known})", i, text
                    )
                tokens.append(_Token("FIELD", name, i))
                if field.group(2):
                    start = i + len(field.group(1)) + 1
                    tokens.append(_Token("WORD", field.group(2), start, edits))
                elif j >= n or text[j].isspace():
                    raise QuerySyntaxError(f"{name}: needs a value right after the colon", i, text)
            elif word.strip("-+"):
                tokens.append(_Token("WORD", word, i, edits))
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
                return tree.DateRange(start, end)
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
    if token.slop and kind != "text":
        raise parser.error(f"~ works on words of the text, not on {field}: values", token.pos)
    if kind == "keyword":
        value = keyword_key(field, text)  # section:Économie finds what section:economie finds
        return tree.Wildcard(field, value) if ("*" in value or "?" in value) else Term(field, value)
    if token.slop:  # word~: edits, not a phrase's distance
        return _fuzzy(field, kind, token, parser)
    if text == "*" and field is None:  # browsing without words: every article
        return MatchAll()
    if "*" in text or "?" in text:
        pattern = "".join(
            fold(part) if part not in "*?" else part for part in re.split(r"([*?])", text)
        )
        if not pattern.strip("*?"):
            raise parser.error(
                "a wildcard needs at least one letter or digit (`*` alone, without a field, "
                "finds every article)",
                token.pos,
            )
        return tree.Wildcard(field, pattern)
    terms = _analyze(kind, text)
    if not terms:
        return MatchNone()
    if len(terms) == 1:
        return Term(field, terms[0])
    return Phrase(field, tuple(terms), 0)  # "money-laundering": its parts, adjacent


def _fuzzy(field: str | None, kind: str, token: _Token, parser: _Parser) -> Node:
    """``word~``: a text field's word (``_word`` refused any other field already)."""
    if "*" in token.text or "?" in token.text:
        raise parser.error("a word cannot be both a wildcard and loose (~)", token.pos)
    if len(terms := _analyze(kind, token.text)) != 1:
        raise parser.error("~ works on one word (not a common one such as the)", token.pos)
    return Fuzzy(field, fold(token.text).strip(".'"), terms[0], token.slop)


def _phrase(field: str | None, token: _Token, parser: _Parser) -> Node:
    kind = FIELDS.get(field, "text") if field else "text"
    if kind == "keyword":
        return Term(field, keyword_key(field, token.text))
    # Inside quotes the user asked for exact words: wildcard characters are just punctuation.
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


def _date_period(text: str, pos: int, parser: _Parser) -> tuple[date, date]:
    try:
        return parse_period(text)
    except BadDate as exc:
        raise parser.error(str(exc), pos) from None


def _date_range(token: _Token, parser: _Parser) -> tree.DateRange:
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
    return tree.DateRange(start, end)


# ---------------------------------------------------------------------------------------- api


def parse_query(text: str, default_or: bool = False) -> Node:
    """Parse ``text`` into a query tree, or raise ``QuerySyntaxError`` saying what is wrong.

    ``default_or`` makes words side by side alternatives ("any" mode); explicit AND still binds.
    The length of ``text`` is the caller's to bound (``searching`` checks it once per request).
    """
    return tree.anchor(tree.simplify(_Parser(text, default_or).parse()))
