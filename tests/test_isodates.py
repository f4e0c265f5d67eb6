"""The ISO 8601 fast path gives exactly what dateutil gives, or leaves the text to it."""

from __future__ import annotations

import random
import re
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil import parser as dateparser

from indexer.ingest.dates import ZONE_NAMES, DateError, parse_datetime
from indexer.ingest.isodates import parse_iso

# Real ones (the JSON of our importers, feeds, CMS exports) and odd ones.
DATES = [
    "1987-02-26T15:01:01.790000+00:00",
    "1987-02-26T15:02:20+00:00",
    "2005-01-01T00:00:00+00:00",
    "2016-01-01T00:00:00+01:00",
    "2023-07-04",
    "2023-07-04T21:31",
    "2023-07-04 21:31",
    "2023-07-04T21:31:05Z",
    "2023-07-04T21:31:05.5Z",
    "2023-07-04T21:31:05.123-05:00",
    "2023-07-04T21:31:05+0200",
    "2023-07-04T21:31:05-00:00",
    "2023-07-04T21:31:05+00:30",
    "2023-07-04T21:31:05+14:00",
    "2023-07-04T21:31:05-12:45",
    "2023-07-04T21:31:05+23:59",
    "2023-07-04T21:31:05+24:00",
    "2023-07-04T21:31:05+99:00",
    "2023-07-04T21:31:05+01:60",
    "2023-03-26T02:30:00",  # a time that does not exist in Vienna
    "2023-10-29T02:30:00",  # one that exists twice there
    "2023-07-04T21:31:05.1234567+02:00",
    "2023-07-04T24:00:00",
    "2023-07-04T23:59:60",
    "2023-13-01",
    "2023-02-29",
    "2024-02-29T12:00:00+01:00",
    "2023-00-10",
    "0000-01-01",
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "2023-07-04T21",
    "2023-07-04T21:31:05 +02:00",
    "2023-07-04t21:31:05z",
    "2023-7-4",
    "20230704",
    "2023-07-04T21:31:05.+02:00",
    "٢٠٢٣-٠٧-٠٤",
    "Tue, 04 Jul 2023 21:31:05 GMT",
    "July 4, 2023; 23:31",
    "2023-07-04T21:31:05 CEST",
]


def _random_dates(count: int) -> Iterator[str]:
    """ISO-looking texts with every part sometimes out of range or missing."""
    pick = random.Random(16)
    for _ in range(count):
        text = f"{pick.randint(0, 9999):04d}-{pick.randint(0, 13):02d}-{pick.randint(0, 32):02d}"
        if pick.random() < 0.8:
            text += pick.choice("T ") + f"{pick.randint(0, 25):02d}:{pick.randint(0, 61):02d}"
            if pick.random() < 0.7:
                text += f":{pick.randint(0, 61):02d}"
                if pick.random() < 0.5:
                    text += "." + str(pick.randint(0, 10**7))[: pick.randint(1, 8)]
            zone = pick.random()
            if zone < 0.3:
                text += "Z"
            elif zone < 0.8:
                separator = pick.choice([":", ""])
                text += f"{pick.choice('+-')}{pick.randint(0, 25):02d}{separator}"
                text += f"{pick.choice([0, 0, 30, 45, 60]):02d}"
        yield text


def _dateutil(text: str) -> datetime | str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return dateparser.parse(text, default=datetime(2000, 1, 1), tzinfos=ZONE_NAMES)
    except (ValueError, OverflowError) as exc:
        return f"error: {type(exc).__name__}"


def _same(fast: datetime, slow: datetime) -> bool:
    """The same datetime, with the same kind of zone, offset, name and fold."""
    return (
        fast == slow
        and fast.replace(tzinfo=None) == slow.replace(tzinfo=None)
        and type(fast.tzinfo) is type(slow.tzinfo)
        and fast.utcoffset() == slow.utcoffset()
        and fast.tzname() == slow.tzname()
        and fast.fold == slow.fold
        and fast.isoformat() == slow.isoformat()
    )


@pytest.fixture(params=["UTC", "Europe/Vienna", "America/New_York"])
def local_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # dateutil zones a zero offset by the machine's zone name: run under several.
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("local_zone")
def test_the_fast_path_agrees_with_dateutil_or_declines() -> None:
    read = 0
    for text in [*DATES, *_random_dates(5000)]:
        fast = parse_iso(text)
        if fast is None:
            continue
        read += 1
        slow = _dateutil(text)
        assert isinstance(slow, datetime), (text, slow)
        assert _same(fast, slow), (text, fast, slow)
    assert read > 1500  # most of them took the fast path


@pytest.mark.usefixtures("local_zone")
@pytest.mark.parametrize("text", DATES)
def test_parse_datetime_gives_what_dateutil_alone_gave(text: str) -> None:
    # Before the fast path parse_datetime was dateutil, then the Vienna default.
    slow = _dateutil(text)
    try:
        parsed: datetime | str = parse_datetime(text)
    except DateError:
        parsed = "error"
    if isinstance(slow, str) or not re.search(r"(?<!\d)\d{4}(?!\d)", text):
        assert parsed == "error"  # unparseable, or no year of four digits (dates.py)
        return
    expected = slow if slow.tzinfo is not None else slow.replace(tzinfo=ZoneInfo("Europe/Vienna"))
    try:
        expected.astimezone(UTC)
    except (ValueError, OverflowError):
        assert parsed == "error"  # beyond what UTC holds: refused, as before
        return
    assert isinstance(parsed, datetime), (text, parsed)
    assert _same(parsed, expected)


@pytest.mark.parametrize(
    "text",
    ["2023-07-04T24:00:00", "2023-13-01", "2023-07-04T21:31:05.1234567+02:00", "2023-07-04T21"],
)
def test_texts_the_fast_path_declines(text: str) -> None:
    assert parse_iso(text) is None
