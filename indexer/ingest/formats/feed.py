"""News feeds: RSS 2.0 (and RSS 1.0/RDF) and Atom, one article per item or entry.

feedparser reads every feed dialect into one shape. Each item gives: title;
link (the canonical URL); guid or Atom id (the article id, made URL-safe by
`make_article`); description or summary (the lead, HTML reduced to text);
`content:encoded` or Atom content (the body's paragraphs); published and
updated dates (the raw string parsed with dateutil, so the publisher's UTC
offset is kept; an Atom entry with only `<updated>` is published then); the
first category (the section, possibly a path like `Organizations > UN` or
`Organizations/UN`) and further categories (tags); author or `dc:creator`
(authors). The channel's title is the source unless the
item names its own `<source>`; the channel's language is the articles'
language.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
from dateutil import parser as dateparser
from dateutil.parser import UnknownTimezoneWarning

from indexer.ingest.dates import ZONE_NAMES
from indexer.ingest.errors import CorpusError
from indexer.ingest.formats import Record
from indexer.ingest.formats.html import paragraphs_of_html, text_of_html
from indexer.ingest.formats.xmlroot import parse_xml, refuse_unsafe

_BLANK_LINE = re.compile(r"\n\s*\n")


def read(data: bytes, path: Path) -> Iterator[Record]:
    refuse_unsafe(data, path)
    try:
        # Bytes: feedparser treats a string as a URL or file name to open. Its HTML
        # sanitizer and relative-link resolver are two more passes over every tag of
        # the content (most of its time on markup-dense items, about 0.1 ms a tag);
        # the HTML is reduced to text here, without its scripts and styles.
        parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    except ValueError as exc:
        # feedparser reads the XML declaration's encoding name itself, and trips on
        # one that is not UTF-8 or holds a NUL (UnicodeDecodeError, ValueError).
        raise _feed_error(data, f"its encoding cannot be read ({exc})", path) from exc
    except LookupError as exc:
        # Its lenient parser, on broken markup, can close an element it never
        # opened: a `</category>` at channel level is KeyError: 'tags'.
        raise _feed_error(data, f"its markup could not be read ({exc!r})", path) from exc
    # feedparser reads what it can of a broken feed; an empty entry is what it could not.
    entries = [entry for entry in parsed.entries if entry]
    if not entries:
        if parsed.get("bozo"):
            raise _feed_error(data, parsed.get("bozo_exception"), path)
        if not parsed.get("version"):
            raise CorpusError("not an RSS or Atom feed", path=path)
        raise CorpusError("a feed without items: no articles", path=path)
    channel = parsed.feed
    for number, entry in enumerate(entries, start=1):
        yield Record(_article(entry, channel), item=number)


def _feed_error(data: bytes, exc: object, path: Path) -> CorpusError:
    """Why a feed could not be read at all, with the line where its XML broke."""
    # feedparser rewrites the document before parsing (an XML declaration added, the
    # DOCTYPE replaced), so its line numbers are off: ask a parser that sees the bytes.
    try:
        parse_xml(data, path)
    except CorpusError as error:
        return error
    return CorpusError(f"not a valid feed: {exc}", path=path)


def _article(entry: dict[str, Any], channel: Mapping[str, Any]) -> dict[str, Any]:
    categories = [
        name
        for name in (
            str(tag.get("label") or tag.get("term") or "").strip() for tag in entry.get("tags", [])
        )
        if name
    ]
    content = _content(entry)
    summary = entry.get("summary_detail") or {}
    # feedparser copies content into the summary when an item has no description.
    lead = "" if content and summary.get("value") == content.get("value") else _text(summary)
    source = entry.get("source") or {}
    title_detail = entry.get("title_detail") or {}
    # Not `entry.get`: feedparser would answer (and warn) with the published date.
    updated = _date(dict.get(entry, "updated"), dict.get(entry, "updated_parsed"))
    published = _date(dict.get(entry, "published"), dict.get(entry, "published_parsed"))
    if not published:
        # Atom requires only <updated>: then it is the one date the entry has.
        published, updated = updated, None
    return {
        "id": entry.get("id"),
        "title": _text(title_detail) if title_detail else entry.get("title"),
        "lead": lead,
        "body": _paragraphs(content) if content else [],
        "section": categories[0] if categories else "",
        "tags": categories[1:],
        "published": published,
        "updated": updated,
        "authors": _authors(entry),
        "source": source.get("title") or channel.get("title"),
        "language": title_detail.get("language") or channel.get("language"),
        "url": _url(entry.get("link")),
    }


def _content(entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for content in entry.get("content", []):
        if str(content.get("value", "")).strip():
            value: Mapping[str, Any] = content
            return value
    return None


def _is_html(detail: Mapping[str, Any]) -> bool:
    return "html" in str(detail.get("type", ""))


def _text(detail: Mapping[str, Any]) -> str:
    value = str(detail.get("value") or "")
    return text_of_html(value) if _is_html(detail) else " ".join(value.split())


def _paragraphs(detail: Mapping[str, Any]) -> list[str]:
    value = str(detail.get("value") or "")
    if _is_html(detail):
        return paragraphs_of_html(value)
    return [part for part in _BLANK_LINE.split(value) if part.strip()]


def _authors(entry: Mapping[str, Any]) -> list[str]:
    names = [str(a.get("name", "")).strip() for a in entry.get("authors", []) if a.get("name")]
    if not names and entry.get("author"):
        names = [str(entry["author"]).strip()]
    return [name for name in names if name]


def _url(link: object) -> str:
    # feedparser turns a permalink guid into the link; a `urn:` id is no URL.
    if not isinstance(link, str):
        return ""
    try:
        scheme = urlsplit(link).scheme
    except ValueError:
        # "http://[": a broken IPv6 host. No URL, but the article is still there.
        return ""
    return link if scheme in ("http", "https") else ""


def _date(raw: object, parsed: time.struct_time | None) -> object:
    """The item's date with its UTC offset, or the raw value for `make_article` to reject."""
    if isinstance(raw, str) and raw.strip():
        try:
            with warnings.catch_warnings():
                # An unknown zone name would silently become Vienna time: fall back instead.
                warnings.simplefilter("error", UnknownTimezoneWarning)
                return dateparser.parse(raw, tzinfos=ZONE_NAMES)
        except (ValueError, OverflowError, UnknownTimezoneWarning):
            pass
    if parsed is not None:
        try:
            # feedparser normalised it to UTC.
            return datetime(*parsed[:6], tzinfo=UTC)
        except (ValueError, OverflowError):
            # Year 0, or a day past the month's end: the raw text, for `make_article` to name.
            pass
    return raw
