"""Dates as articles carry them: parsed leniently, always timezone-aware.

Publishers write dates in many shapes (ISO 8601, RFC 822 in feeds, "July 4,
2023; 23:31" in the portal's export). dateutil parses them; a date without a
zone is taken as Vienna local time, the home of the first publisher.

Most dates of a corpus are ISO 8601 as JSON writers make them
(``2023-07-04T21:31:00.123+02:00``), and dateutil's general parser spends
~100 µs on each; `indexer.ingest.isodates` reads that one shape directly and
gives the very datetime dateutil would, or leaves the text to dateutil.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser
from dateutil.parser import UnknownTimezoneWarning

from indexer.ingest.isodates import parse_iso

VIENNA = ZoneInfo("Europe/Vienna")

# Zone names that feeds and wires use and dateutil does not know (seconds east of UTC).
ZONE_NAMES = {
    "EST": -5 * 3600,
    "EDT": -4 * 3600,
    "CST": -6 * 3600,
    "CDT": -5 * 3600,
    "MST": -7 * 3600,
    "MDT": -6 * 3600,
    "PST": -8 * 3600,
    "PDT": -7 * 3600,
    "CET": 3600,
    "CEST": 2 * 3600,
    "MEZ": 3600,
    "MESZ": 2 * 3600,
}

# Missing parts of a date ("2023", "July 2023") are taken from here, not from today.
_DEFAULT = datetime(2000, 1, 1)
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")


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
        if not _YEAR.search(text):
            # dateutil would fill a bare "4" or "July 4" in from the default year.
            raise DateError(f"unparseable date {text[:60]!r} (no year)")
        iso = parse_iso(text)
        parsed = iso if iso is not None else _dateutil(text)
    else:
        raise DateError(f"expected a date, got {type(value).__name__}")
    return _zoned(parsed, value)


def _dateutil(text: str) -> datetime:
    """Any date dateutil understands; a `DateError` for the rest."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UnknownTimezoneWarning)
            return dateparser.parse(text, default=_DEFAULT, tzinfos=ZONE_NAMES)
    except UnknownTimezoneWarning as exc:
        raise DateError(f"unknown time zone in {text[:60]!r}") from exc
    except (ValueError, OverflowError) as exc:
        raise DateError(f"unparseable date {text[:60]!r}") from exc


def _zoned(parsed: datetime, value: object) -> datetime:
    """The datetime in Vienna time when it has no zone; a `DateError` when UTC cannot hold it."""
    try:
        if parsed.tzinfo is None or parsed.tzinfo.utcoffset(parsed) is None:
            parsed = parsed.replace(tzinfo=VIENNA)
        # The index keeps UTC: the time must have one (dateutil accepts an offset
        # of +99:00 that no datetime arithmetic does, and 1 January of year 1 at
        # 00:00 in Vienna is still year 0 in UTC).
        parsed.astimezone(UTC)
    except ValueError as exc:
        raise DateError(f"a time zone offset beyond ±24 hours in {_shown(value)}") from exc
    except OverflowError as exc:
        raise DateError(
            f"date out of range: {_shown(value)} is outside the years 1 to 9999 in UTC"
        ) from exc
    return parsed


def _shown(value: object) -> str:
    return repr(value.strip()[:60]) if isinstance(value, str) else str(value)
