"""Publication dates in every form archives write them, as timezone-aware UTC datetimes:
ISO 8601, RFC 822 (feeds), epoch seconds or milliseconds given as a number, dotted European
dates (day first), and the written forms ("Feb 26, 1987", "26-FEB-1987 15:01:01.79") through
dateutil. A value that is no plausible date raises ``ValueError`` with the reason; the article is
then kept undated with a warning."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime

from dateutil import parser as dateutil_parser

EARLIEST_YEAR = 1700


def parse_date(value: object) -> datetime | None:
    """Parse a publication date into a timezone-aware UTC datetime.

    Accepts ISO 8601, RFC 822 (feeds), epoch seconds or milliseconds given as a number (a JSON
    ``timestamp``) and the common written forms ("Feb 26, 1987",
    "26-FEB-1987 15:01:01.79"); a date without a zone is taken as UTC. Raises ``ValueError`` with a
    reason for text that is not a plausible date; returns None for an empty value.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > 1e11 else value  # milliseconds, as JavaScript
        try:
            parsed = datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"implausible date {value!r}") from None
    elif isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        parsed = _parse_date_text(str(value).strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        parsed = parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise ValueError(f"unparseable date {value!r} (impossible time zone)") from None
    if not EARLIEST_YEAR <= parsed.year <= datetime.now(timezone.utc).year + 1:
        raise ValueError(f"implausible date {value!r}")
    return parsed


_DOTTED_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}\b")


def _parse_date_text(text: str) -> datetime:
    if not text:
        raise ValueError("empty date")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    if re.match(r"^[A-Za-z]{3},", text):
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError):
            pass
    if not re.search(r"\d{4}", text):
        raise ValueError(f"unparseable date {text!r} (no year)")
    # 11.03.2025 is the 11th of March wherever dates are written with dots (German, Russian,
    # Scandinavian...); slashes keep the US month-first reading.
    day_first = bool(_DOTTED_DATE.match(text))
    try:
        return dateutil_parser.parse(text, default=datetime(1900, 1, 1), dayfirst=day_first)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"unparseable date {text!r}") from exc
