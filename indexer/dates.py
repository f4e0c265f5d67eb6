"""Dates as articles carry them: parsed leniently, always timezone-aware.

Publishers write dates in many shapes (ISO 8601, RFC 822 in feeds, "July 4,
2023; 23:31" in the portal's export). dateutil parses them; a date without a
zone is taken as Vienna local time, the home of the first publisher.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser

VIENNA = ZoneInfo("Europe/Vienna")


class DateError(ValueError):
    """A value that is not a date."""


def parse_datetime(value: object) -> datetime:
    """A timezone-aware datetime from a string, date or datetime.

    Naive values are taken as Europe/Vienna local time.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise DateError("empty date")
        try:
            parsed = dateparser.parse(text)
        except (ValueError, OverflowError) as exc:
            raise DateError(f"unparseable date {text[:60]!r}") from exc
    else:
        raise DateError(f"expected a date, got {type(value).__name__}")
    if parsed.tzinfo is None or parsed.tzinfo.utcoffset(parsed) is None:
        parsed = parsed.replace(tzinfo=VIENNA)
    return parsed
