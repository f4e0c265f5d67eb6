"""Times as an editor reads them: in words ("3 minutes ago") and in the archive's time zone.

The writer, the jobs and the trash stamp what they do in UTC, as ISO 8601
(`2026-12-04T05:20:29+00:00`). The editor's page shows each as a `<time>`
element whose text says how long ago it was and whose title gives the moment
in the archive's time zone (`VINDEX_TIME_ZONE`): "4 December 2026, 06:20 CET".
The words are CLDR's, through Babel.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta
from markupsafe import Markup


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse(iso: str | None) -> datetime | None:
    """An ISO 8601 moment; one without a zone is UTC (as the writer stamps them)."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def ago(moment: datetime, now: datetime | None = None) -> str:
    """ "3 minutes ago", "2 days ago"; "just now" within ten seconds (clocks differ a little)."""
    now = datetime.now(UTC) if now is None else now
    delta = moment - now
    if abs(delta.total_seconds()) < 10:
        return "just now"
    return str(format_timedelta(delta, add_direction=True, locale="en"))


def local(moment: datetime, time_zone: str) -> str:
    """ "4 December 2026, 06:20 CET": the moment in the archive's time zone."""
    there = moment.astimezone(zone(time_zone))
    return f"{there.day} {there:%B %Y, %H:%M} {there.tzname()}"


def time_element(iso: str | None, time_zone: str, now: datetime | None = None) -> Markup:
    """A `<time>` saying how long ago, with the moment in the archive's zone as its title.

    Text that is not a moment is shown as it is (escaped).
    """
    moment = parse(iso)
    if moment is None:
        return Markup.escape(iso or "never")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        moment.isoformat(), local(moment, time_zone), ago(moment, now)
    )
