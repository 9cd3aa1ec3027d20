"""Turning a reader's raw fields into an ``Article``: dates, outlets, bylines, datelines, text.

Pure functions only, so each rule can be tested with a table. ``build_article`` is the one entry
point the indexer uses; it returns the article plus the warnings a user should see (an unparseable
date is a warning, not a rejection: the article is still worth finding).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from search.datelines import (
    WIRE_SUFFIX,
    parse_dateline,
    place_name,
    split_byline,
    split_byline_line,
)
from search.identity import content_hash, derived_id
from search.metadata import extra_of, metadata_of
from search.timestamps import parse_date
from search.types import Article

UNKNOWN_SOURCE = "unknown"
# Bump when a change here would turn the same raw record into a different Article: reindexing then
# parses every record again instead of skipping the ones whose raw bytes it has seen.
# 2: a day-only date takes the time of day another field gives; 3: metadata and extra fields;
# 4: stricter datelines and bylines, metadata values kept once by their search key; 5: a byline
# on its own line above a dateline in capitals, a page's article:tag and keywords both kept
NORMALIZER_VERSION = "5"
TITLE_MAX_CHARS = 140
# Longer texts are cut (with a warning): no news article is a million words, and one giant record
# must not take a reindex's memory with it (a 50 MB record is read, cut, and indexed at 2 MB).
MAX_BODY_CHARS = 2_000_000

# Field names readers may use for each Article attribute, in order of preference.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "guid", "uid", "article_id"),
    "title": ("title", "headline"),
    "body": ("body", "text", "content", "description", "summary"),
    "date": ("published", "date", "timestamp", "datetime", "pubdate", "updated"),
    "source": ("source", "outlet", "publisher", "site_name"),
    "url": ("url", "link"),
    "author": ("author", "authors", "byline"),
    "place": ("place", "dateline", "location"),
}

_KNOWN_KEYS = {key for keys in FIELD_ALIASES.values() for key in keys}

# Canonical spellings of outlets that appear under several names.
_OUTLET_ALIASES = {
    "reuters": "Reuters",
    "reuters news": "Reuters",
    "thomson reuters": "Reuters",
    "fox news": "Fox News",
    "foxnews": "Fox News",
    "foxnews.com": "Fox News",
    "fox news digital": "Fox News",
    "ap": "Associated Press",
    "associated press": "Associated Press",
    "the associated press": "Associated Press",
    "afp": "AFP",
    "agence france-presse": "AFP",
    "upi": "UPI",
    "bloomberg": "Bloomberg",
    "cnn": "CNN",
}

# Phrases an outlet uses about itself, checked only when there is no dateline credit. Quoting
# another paper ("the Wall Street Journal reported") must not make the article theirs, so these
# are self-references, not mentions.
_SELF_REFERENCES = (
    (re.compile(r"\bFox News Digital\b"), "Fox News"),
    (re.compile(r"\((?:Reporting|Writing) by [^)]*\)"), "Reuters"),
    (re.compile(r"\bThe Associated Press contributed to this report\b"), "Associated Press"),
)

_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)]?(?=\s+[\"'\u201c\u2018(]?[A-Z0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Za-z]\.){1,}|\b(?:Mr|Mrs|Ms|Dr|St|Sr|Jr|Gov|Sen|Rep|Gen|Col|Lt|Sgt|Inc|Corp|Co|Ltd"
    r"|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|vs|U\.S|U\.N|U\.K)\.)$"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n\s*|\n(?=[ \t]{2,}\S)")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
_TRACKING_PARAMS = re.compile(r"^(utm_|fbclid$|gclid$|mc_|ref$|cmpid$)")


@dataclass
class Normalized:
    """What ``build_article`` hands back: the article and anything the user should be told."""

    article: Article
    warnings: list[str] = field(default_factory=list)
    named_by_url: bool = False  # no id was given: the article is known by its URL


# ---------------------------------------------------------------------------------------- text


def clean_text(text: str) -> str:
    """Normalise whitespace but keep paragraphs.

    A paragraph ends at a blank line or where the next line is indented (the wire style of
    Reuters-21578). Hard-wrapped lines inside a paragraph are joined with one space.
    """
    if not text:
        return ""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    paragraphs = (" ".join(p.split()) for p in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def clean_line(text: str | None) -> str:
    """One-line fields (title, author, source): whitespace collapsed, controls dropped."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    return _SPACES.sub(" ", _CONTROL.sub("", text).replace("\n", " ").replace("\r", " ")).strip()


def title_from_text(text: str, max_chars: int = TITLE_MAX_CHARS) -> str:
    """The first sentence of ``text``, cut at a word boundary when it is long."""
    first_paragraph = text.strip().split("\n\n", 1)[0]
    sentence = first_paragraph
    for match in _SENTENCE_END.finditer(first_paragraph):
        head = first_paragraph[: match.start() + 1]
        if not _ABBREVIATION.search(head):
            sentence = first_paragraph[: match.end()]
            break
    sentence = sentence.strip()
    if len(sentence) <= max_chars:
        return sentence
    cut = sentence[:max_chars].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return cut + "\u2026"


# ---------------------------------------------------------------------------------------- sources


def canonical_source(name: str | None) -> str:
    """One spelling per outlet: 'REUTERS', 'reuters' and 'Thomson Reuters' are all 'Reuters'."""
    name = clean_line(name)
    if not name:
        return ""
    return _OUTLET_ALIASES.get(name.casefold(), name)


def infer_source(text: str) -> str | None:
    """The outlet an article's own text gives away: a dateline credit, else a self-reference."""
    dateline = parse_dateline(text)
    if dateline.credit:
        return dateline.credit
    for pattern, outlet in _SELF_REFERENCES:
        if pattern.search(text):
            return outlet
    return None


# ---------------------------------------------------------------------------------------- urls


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no fragment, no tracking parameters, no trailing slash."""
    url = clean_line(url)
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return url
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING_PARAMS.match(k)
        ]
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


# ---------------------------------------------------------------------------------------- article


def pick(fields: dict, name: str) -> object:
    """The first non-empty value among the aliases of ``name``."""
    for key in FIELD_ALIASES[name]:
        value = fields.get(key)
        if value not in (None, "", [], ()):
            return value
    return None


_BY = re.compile(r"^by\s+", re.IGNORECASE)


def _join_authors(value: object) -> str:
    """One byline from a name or a list of names; a leading "By " is the byline's, not the
    name's ("By Ann Lee" in a CSV is Ann Lee, as a "By" line in the text is)."""
    if isinstance(value, (list, tuple)):
        names = [clean_line(v.get("name") if isinstance(v, dict) else str(v)) for v in value if v]
        names = [_BY.sub("", n) for n in names]
        return ", ".join(n for n in names if n)
    return WIRE_SUFFIX.sub("", _BY.sub("", clean_line(str(value))))


def _publication_time(fields: dict) -> tuple[datetime | None, list[str]]:
    """The first date field that parses; when it gives only a day and a later field gives a
    time on that same day (Reuters' ``date`` and ``timestamp``), the time is kept too: it says
    which of a day's reports came first."""
    published, errors = None, []
    for key in FIELD_ALIASES["date"]:
        value = fields.get(key)
        if value in (None, ""):
            continue
        try:
            found = parse_date(value)
        except ValueError as exc:
            errors.append(f"{key}: {exc}")
            continue
        if published is None:
            published = found
            if not _day_only(value):
                break
        elif found is not None and found.date() == published.date() and found != published:
            published = found
            break
    return published, errors


def _day_only(value: object) -> bool:
    return isinstance(value, str) and len(value.strip()) <= 10 and ":" not in value


def _provenance(fields: dict, published) -> tuple[tuple[str, str], ...]:
    """How the reader made the article: its extractor, where its date came from."""
    date_from = fields.get("_date_from") or ("the record's date field" if published else "none")
    extractor = fields.get("_extractor") or "the record's own fields"
    return (("extractor", str(extractor)), ("date from", str(date_from)))


def build_article(fields: dict, default_source: str | None = None) -> Normalized:
    """Normalise one raw record into an Article.

    Raises ``ValueError`` (turned into an IngestError by the caller) only when there is nothing
    to index: no title, no text and no id. An empty record with an id is kept (with a warning):
    archives cite such placeholders, and dropping them would make counts disagree with the source.
    """
    warnings: list[str] = []
    raw_body = str(pick(fields, "body") or "")
    if len(raw_body) > MAX_BODY_CHARS:
        warnings.append(f"text of {len(raw_body):,} characters cut to the first {MAX_BODY_CHARS:,}")
        raw_body = raw_body[:MAX_BODY_CHARS]
    line_author, raw_body = split_byline_line(raw_body)
    body = clean_text(raw_body)
    author = _join_authors(pick(fields, "author")) if pick(fields, "author") else None
    if body:
        byline_author, body = split_byline(body)
        author = author or line_author or byline_author
    title = clean_line(pick(fields, "title"))
    given_id = clean_line(str(pick(fields, "id") or ""))
    if not title and not body:
        if not given_id:
            raise ValueError("no title, no text and no id: nothing to index")
        warnings.append("empty article (no title, no text); kept under its id")

    raw_place = pick(fields, "place")
    dateline = parse_dateline(body)
    place = None
    if raw_place:
        given = str(raw_place)
        place = parse_dateline(given + " ", trusted=True).place or place_name(
            clean_line(given.split(",")[0])
        )
    place = place or dateline.place

    source = (
        canonical_source(str(pick(fields, "source") or ""))
        or infer_source(body)
        or canonical_source(default_source)
        or UNKNOWN_SOURCE
    )

    published, date_errors = _publication_time(fields)
    if published is None and date_errors:
        warnings.append("stored as undated: " + "; ".join(date_errors))
    elif published is None and fields.get("_missing_date"):
        missing = fields["_missing_date"]
        reason = missing if isinstance(missing, str) else "no ' date YYYY-MM-DD' header"
        warnings.append(f"{reason}; stored as undated")

    title = title or title_from_text(body[dateline.end :])
    url = canonical_url(str(pick(fields, "url") or "")) if pick(fields, "url") else None
    article_id = given_id or url or derived_id(source, published, body, title)
    metadata, read, notes = metadata_of(fields)
    warnings.extend(notes)
    extra = extra_of(fields, _KNOWN_KEYS | read)
    digest = content_hash(
        metadata=metadata,
        extra=extra,
        title=title,
        body=body,
        source=source,
        published=published,
        url=url,
        author=author,
        place=place,
    )
    article = Article(
        id=article_id,
        title=title,
        body=body,
        source=source,
        published=published,
        url=url,
        author=author or None,
        place=place or None,
        content_hash=digest,
        metadata=metadata,
        extra=extra,
        provenance=_provenance(fields, published),
    )
    return Normalized(article, warnings, named_by_url=not given_id and url is not None)
