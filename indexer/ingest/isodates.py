"""ISO 8601 dates read directly: the one shape most corpora write, at a fraction of dateutil's cost.

``2023-07-04``, ``2023-07-04T21:31``, ``2023-07-04 21:31:05.123456+02:00``,
``...Z``: `parse_iso` gives the very datetime dateutil's parser gives for the
same text, time zone object included, or None for anything else (another
shape, a month 13, an hour 24, seven digits of a second), which then goes to
dateutil as before. dateutil builds the zone of an offset as
`tzoffset(None, seconds)` and the zone of a zero offset, which it names
"UTC", as the machine's local zone when that zone is called UTC too, else as
`tzutc()`; so does this.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

from dateutil import tz

# Date, optionally a time (minutes at least), optionally a zone after the time.
# ASCII digits only: `\d` would take other scripts' digits, which dateutil reads otherwise.
_ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?"
    r"(?:(Z)|([+-])([0-9]{2}):?([0-9]{2}))?)?"
)
_UTC_NAME = "UTC"


def parse_iso(text: str) -> datetime | None:
    """The datetime dateutil would parse from an ISO 8601 text; None when it is not one."""
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, zone_h, zone_m = match.groups()
    try:
        naive = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            # dateutil reads ".79" as 790000 microseconds.
            int(fraction.ljust(6, "0")) if fraction else 0,
        )
    except ValueError:
        return None  # dateutil decides what to make of it (and words the error)
    if zulu is not None:
        return _utc(naive)
    if sign is None:
        return naive
    hours, minutes = int(zone_h), int(zone_m)
    if hours > 23 or minutes > 59:
        return None
    offset = (hours * 3600 + minutes * 60) * (-1 if sign == "-" else 1)
    if offset == 0:
        return _utc(naive)
    return naive.replace(tzinfo=tz.tzoffset(None, offset))


def _utc(naive: datetime) -> datetime:
    """A zero offset as dateutil's parser zones it (see the module docstring)."""
    if _UTC_NAME not in time.tzname:
        return naive.replace(tzinfo=tz.UTC)
    aware = naive.replace(tzinfo=_local_zone())
    if aware.tzname() != _UTC_NAME:
        folded = tz.enfold(aware, fold=1)
        if folded.tzname() == _UTC_NAME:
            aware = folded
    if aware.tzname() != _UTC_NAME:
        aware = aware.replace(tzinfo=tz.UTC)
    return aware


_local_zones: dict[tuple[int, int, int, tuple[str, ...]], tz.tzlocal] = {}


def _local_zone() -> tz.tzlocal:
    """dateutil's `tzlocal()`: one per setting of the machine's zone, not one per date.

    A `tzlocal` reads the zone's offsets and names from `time` when it is made
    (a third of this module's time went there); two made under the same settings are equal.
    """
    key = (time.timezone, time.altzone, time.daylight, tuple(time.tzname))
    zone = _local_zones.get(key)
    if zone is None:
        zone = _local_zones[key] = tz.tzlocal()
    return zone
