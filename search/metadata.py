"""What a record carries beyond the article's own fields: its section, language, tags and
publisher (searched as exact values and counted as facets), and everything else, kept as text.

Exports name these fields in many ways (a CMS's ``section_name``, a feed's ``categories``,
Reuters' ``topics``); the aliases below map them onto ours. A field nobody maps is not dropped:
an archive's own columns (a story's desk, a wire's priority code) are often what a researcher
needs to judge an article, so they are kept, as text, and shown on the article's page.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache

from search.keys import language_code, value_key
from search.types import METADATA_FIELDS

# Field names readers may use for each metadata field, in order of preference; every alias that
# holds values contributes (an export with both ``tags`` and ``keywords`` keeps both).
METADATA_ALIASES: dict[str, tuple[str, ...]] = {
    "section": ("section", "section_name", "category", "desk", "news_desk"),
    "language": ("language", "lang", "inlanguage"),
    "tags": ("tags", "tag", "keywords", "keyword", "topics", "subjects", "categories"),
    "publisher": ("publisher",),
}
assert tuple(METADATA_ALIASES) == METADATA_FIELDS

MAX_VALUE_CHARS = 200  # of one metadata value: a tag, not a paragraph
MAX_VALUES = 50  # of one field of one article
MAX_EXTRA_FIELDS = 40
MAX_EXTRA_CHARS = 1_000
_SEPARATORS = re.compile(r"\s*[,;|]\s*")  # between the tags of one text cell
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _line(value: object, limit: int) -> str:
    """One line of text: NFC, controls and runs of spaces as one space, cut at ``limit``. Most
    values are short printable ASCII already, which skips the work (a fifth of a build's time
    went here for Reuters' fourteen extra fields an article)."""
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if not text.isprintable() or "  " in text or text[:1].isspace() or text[-1:].isspace():
        text = _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


@lru_cache(maxsize=4096)
def _field_name(key: str) -> str:
    return _line(key, 80)


def _items(value: object, split: bool) -> list[str]:
    """A field's values: a list's items (a feed's tags are dicts with a ``term``), or one text,
    split at commas, semicolons and bars for a multi-valued field such as tags.

    Walked with a stack, not by recursion: a record nested thousands deep is odd input, and odd
    input gets a field with what it holds, never an aborted run."""
    found: list[str] = []
    stack: list[object] = [value]
    while stack and len(found) <= 10 * MAX_VALUES:
        value = stack.pop()
        if isinstance(value, dict):
            value = value.get("term") or value.get("name") or value.get("label") or ""
            if value:
                stack.append(value)
        elif isinstance(value, (list, tuple)):
            stack.extend(reversed(value))
        elif value is not None and not isinstance(value, bool):
            text = _line(value, 10 * MAX_VALUE_CHARS)
            found.extend(part for part in (_SEPARATORS.split(text) if split else [text]) if part)
    return found


def metadata_of(fields: dict) -> tuple[tuple[tuple[str, str], ...], set[str], list[str]]:
    """The record's metadata as (field, value) pairs in the input's order, the keys read, and
    what a user should be told (values beyond ``MAX_VALUES`` left out).

    Tags gather every alias that holds some (``tags`` and ``keywords`` both count); a section,
    language or publisher comes from the first alias that holds one, so a record's ``desk``
    beside its ``section`` stays a field of its own instead of becoming a second section. A
    value repeated in a form a search cannot tell apart (``keys.value_key``: another case,
    accent or spacing) is kept once, as first written, so a facet never counts it twice."""
    pairs: list[tuple[str, str]] = []
    used: set[str] = set()
    notes: list[str] = []
    for name, aliases in METADATA_ALIASES.items():
        seen: set[str] = set()
        dropped = 0
        for key in [key for key in aliases if key in fields]:
            items = _items(fields[key], split=name == "tags")
            if not items:
                continue
            used.add(key)
            for item in items:
                value = _line(item, MAX_VALUE_CHARS)
                if name == "language":
                    value = language_code(value)  # en-GB, en_US, EN: the language, en
                key = value_key(value)
                if not key or key in seen:
                    continue
                if len(seen) == MAX_VALUES:
                    dropped += 1
                    continue
                seen.add(key)
                pairs.append((name, value))
            if name != "tags":
                break
        if dropped:
            notes.append(f"{name}: {MAX_VALUES + dropped:,} values, the first {MAX_VALUES} kept")
    return tuple(pairs), used, notes


def extra_of(fields: dict, known: set[str]) -> tuple[tuple[str, str], ...]:
    """Every other non-empty field (``_``-prefixed keys are the readers' own notes), as text:
    a list joined by commas, anything nested as compact JSON, long values cut."""
    pairs = []
    for key, value in fields.items():
        if (
            not isinstance(key, str)
            or key.startswith("_")
            or key in known
            or value in (None, "", [], {}, ())
        ):
            continue
        if isinstance(value, (list, tuple)) and all(
            isinstance(v, (str, int, float)) for v in value
        ):
            text = ", ".join(str(v) for v in value)
        elif isinstance(value, (dict, list, tuple)):
            try:
                text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
            except (RecursionError, ValueError):
                text = "(nested too deeply to show)"
        else:
            text = str(value)
        text = _line(text, MAX_EXTRA_CHARS)
        if text:
            pairs.append((_field_name(key), text))
        if len(pairs) == MAX_EXTRA_FIELDS:
            break
    return tuple(pairs)
