"""Dates as a researcher writes them in a query or a filter: ``YYYY``, ``YYYY-MM`` or
``YYYY-MM-DD``, each standing for the days it covers. The parser's ``date:`` field and the
``--from``/``--to`` options (and the URL's ``from``/``to``) read dates here, the same way."""

from __future__ import annotations

import calendar
import re
from datetime import date

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class BadDate(ValueError):
    """Not a date of one of the accepted forms; the message says what is wrong with it."""


def parse_period(text: str) -> tuple[date, date]:
    """The first and last day ``text`` covers: a year, a month or a day."""
    match = _PERIOD.match(text.strip())
    if not match:
        raise BadDate(f"bad date {text!r} (expected YYYY, YYYY-MM or YYYY-MM-DD)")
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        if day is None:
            last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
            return date(year, month, 1), date(year, month, last)
        return date(year, month, day), date(year, month, day)
    except ValueError as exc:
        raise BadDate(f"bad date {text!r}: {exc}") from None


def date_bound(text: str, end: bool = False) -> date:
    """The first day ``text`` covers, or with ``end`` the last: what a from/to filter means
    (``--to 1987-03`` is the end of March). Raises ``BadDate``."""
    start, last = parse_period(text)
    return last if end else start
