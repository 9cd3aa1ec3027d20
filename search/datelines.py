"""Datelines and bylines: where a story was filed, by whom, and for which wire.

News text opens with them ("By Ted Hesson", "WASHINGTON (Reuters) - ..."), and so does ordinary
prose ("By Monday, ...", "IBM, the computer maker, said - ..."): each rule here says what makes
the first a dateline or a byline and the second a sentence. Pure functions of text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Wire credits inside a dateline: "WASHINGTON (Reuters) -".
_WIRE_CREDITS = {
    "reuters": "Reuters",
    "ap": "Associated Press",
    "afp": "AFP",
    "upi": "UPI",
    "bloomberg": "Bloomberg",
    "cnn": "CNN",
}

_DATELINE = re.compile(
    r"""^\s*
    (?P<place>[A-Z][A-Za-z.'\- ]{1,40}?              # WASHINGTON, NEW YORK, St. LOUIS
      (?:/[A-Z][A-Za-z.'\- ]{1,40}?)?)               # NEW YORK/LONDON
    (?P<qualifiers>(?:,\s*[A-Za-z][A-Za-z0-9.\- ]{0,30}?){0,3})  # , Mass., April 7 / , Va. Feb 26
    \s*(?:\((?P<credit>[A-Za-z][A-Za-z .&-]{0,30})\))?
    \s*[-\u2013\u2014]{1,2}\s""",
    re.VERBOSE,
)
_BYLINE = re.compile(
    r"^\s*By\s+(?P<name>[A-Z][\w.'\-]*(?:[ ,]+(?:and\s+)?[A-Z][\w.'\-]*){0,5})\s*$"
)
# "By Ted Hesson WASHINGTON (Reuters) -": names in mixed case, then a dateline in capitals.
_BYLINE_BEFORE_DATELINE = re.compile(
    r"^\s*By\s+(?P<name>[A-Z][a-z][\w.'\-]*(?:[ ,]+(?:and\s+)?[A-Z][a-z][\w.'\-]*){0,5}?)"
    r"\s+(?=[A-Z][A-Z.'\-]+(?:[ /][A-Z.'\-]+)*\s*(?:,|\(|[-\u2013\u2014]))"
)
# A wire named after the names ("By Ted Hesson, Reuters"): the outlet, not an author.
WIRE_SUFFIX = re.compile(r",\s*(?:Reuters|AP|Associated Press|AFP|Bloomberg|UPI|CNN)\.?\s*$")
_BY_START = re.compile(r"\s*By\s")
# What a wire prints under a byline: "AP Business Writer", "Associated Press Writer".
_STAFF_LINE = re.compile(
    r"^\s*(?:[A-Z][\w.]*\s+){0,3}(?:Writer|Correspondent|Editor|Reporter|Staff)\s*$"
)


def place_name(raw: str) -> str:
    """'NEW YORK' -> 'New York'; already mixed-case names are kept as written."""
    raw = " ".join(raw.split()).strip(" ,-")
    if raw.isupper():  # each word, also after a slash: 'NEW YORK/LONDON' -> 'New York/London'
        return re.sub(r"[^\W\d_]+", lambda word: word.group(0).capitalize(), raw)
    return raw


@dataclass(frozen=True)
class Dateline:
    place: str | None
    credit: str | None  # the outlet credited in the dateline, canonical spelling
    end: int = 0  # where the story proper starts


def parse_dateline(text: str, trusted: bool = False) -> Dateline:
    """Read 'WASHINGTON (Reuters) - ...', 'SALVADOR, Feb 26 - ...' or 'NEW BEDFORD, Mass., April
    7 - ...' at the start of ``text``. ``trusted``: the text is a dateline field, so a place in
    mixed case ('Toronto, Feb 26 -') is one too."""
    match = _DATELINE.match(text)
    if not match:
        return Dateline(None, None)
    place = match.group("place").strip()
    credit = match.group("credit")
    # A dateline place is written in capitals; a mixed-case run is an ordinary sentence, unless
    # a wire credit follows it ('Washington, April 1 (Reuters) -').
    capitals = place.replace(".", "").replace("'", "").replace("-", "").replace(" ", "")
    if not (capitals.replace("/", "").isupper() or trusted or credit) or place[:3] == "By ":
        return Dateline(None, None)  # "By" starts a byline run into the dateline, not a place
    # Qualifiers are a state or a date ('Mass.', 'April 7'); one in lower case is a sentence
    # ('IBM, the computer maker, said on Monday - ...'), unless a credit or the field vouches.
    lowered = any(part.strip()[:1].islower() for part in match.group("qualifiers").split(","))
    if lowered and not (trusted or credit):
        return Dateline(None, None)
    credit_name = _WIRE_CREDITS.get(credit.strip().casefold()) if credit else None
    return Dateline(place_name(place), credit_name, match.end())


def split_byline(text: str) -> tuple[str | None, str]:
    """Take a leading 'By Ted Hesson' line off the text; return (author, remaining text). A
    byline on the line right above the dateline was joined to it as one paragraph: it is taken
    off up to the dateline ('By Ted Hesson WASHINGTON (Reuters) - ...')."""
    head, sep, rest = text.lstrip().partition("\n")
    match = _BYLINE.match(head)
    if not match:
        match = _BYLINE_BEFORE_DATELINE.match(head)
        rest = text.lstrip()[match.end() :] + sep + rest if match else ""
        if not match or parse_dateline(rest).place is None:  # "By Monday U.S.-led forces ..."
            return None, text
    return WIRE_SUFFIX.sub("", match.group("name")).strip(" ,"), rest.lstrip("\n")


def split_byline_line(raw: str) -> tuple[str | None, str]:
    """A byline on a line of its own right above the dateline ('By JANE SMITH' then 'BERLIN (AP)
    - ...'), perhaps with a staff line between ('AP Business Writer'), read off the raw text:
    once lines are joined into paragraphs, names and place in capitals run together."""
    if not _BY_START.match(raw):
        return None, raw
    lines = raw.lstrip().split("\n", 2)
    match = _BYLINE.match(lines[0])
    if not match or len(lines) < 2:
        return None, raw
    rest = lines[2:] if _STAFF_LINE.match(lines[1]) else lines[1:]
    text = "\n".join(rest)
    if parse_dateline(" ".join(text[:400].split()) + " ").place is None:
        return None, raw
    return WIRE_SUFFIX.sub("", match.group("name")).strip(" ,"), text
