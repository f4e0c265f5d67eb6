"""NITF 3.x: the IPTC News Industry Text Format, one article per XML document.

The parts read, all optional except a headline, a date and some text:

- `head/docdata`: `doc-id@id-string` (id), `date.issue@norm` (published,
  ISO 8601 basic `20230704T233100+0200` or extended), `date.release@norm`
  (updated, when it differs), `doc.copyright@holder` (source, failing
  `pubdata@name`), `key-list/keyword@key` (tags), `identified-content` (people,
  organisations and places);
- `head/pubdata@name` (source) and `@position.section`, else
  `head/meta[@name=section]`, else `tobject.subject@tobject.subject.matter`
  (section); `head/meta[@name=source]` (source, failing both others);
  `head/title` (title when there is no `hl1`);
- `body/body.head`: `hedline/hl1` (title), `abstract` (lead; else `hl2`),
  `byline` (authors: its `person` elements, else its text minus "By"),
  `dateline` (dateline);
- `body/body.content`: its `p` elements (body) and `media-caption` (image
  caption); inline `person`, `org` and `location` markup adds entities.

`xml:lang` on `body.content`, `body` or `nitf` (the nearest wins) is the
language. Entity markup may carry a normalised name in `@value`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from dateutil import parser as dateparser

from indexer.ingest.dates import parse_datetime
from indexer.ingest.errors import CorpusError
from indexer.ingest.formats import Record
from indexer.ingest.formats.xmlroot import XML_LANG, parse_xml

_ENTITY_ELEMENTS = {"person": "person", "org": "organization", "location": "place"}
# Parts of a `location` that name a place of their own.
_PLACE_PARTS = ("city", "region", "state", "country")


def read(data: bytes, path: Path) -> Iterator[Record]:
    root = parse_xml(data, path)
    if root.tag != "nitf":
        raise CorpusError(f"expected an NITF document (root <nitf>), found <{root.tag}>", path=path)
    head = root.find("head")
    body = root.find("body")
    body_head = body.find("body.head") if body is not None else None
    content = body.find("body.content") if body is not None else None
    docdata = head.find("docdata") if head is not None else None

    published = _date(_attr(docdata, "date.issue", "norm") or _text(_find(docdata, "date.issue")))
    if not published:
        published = _date(_attr(head, "pubdata", "date.publication"))
    updated = _date(_attr(docdata, "date.release", "norm"))
    if _same_time(updated, published):
        updated = ""

    abstract = _find(body_head, "abstract")
    lead = (
        _paragraph_text(abstract)
        if abstract is not None
        else _text(_find(body_head, "hedline/hl2"))
    )
    record: dict[str, Any] = {
        "id": _attr(docdata, "doc-id", "id-string"),
        "title": _text(_find(body_head, "hedline/hl1")) or _text(_find(head, "title")),
        "lead": lead,
        "body": _body_paragraphs(content),
        "section": _section(head),
        "published": published,
        "updated": updated,
        "source": _attr(head, "pubdata", "name")
        or _attr(docdata, "doc.copyright", "holder")
        or _meta(head, "source"),
        "authors": _authors(_find(body_head, "byline")),
        "dateline": _text(_find(body_head, "dateline")),
        "language": _language(root, body, content),
        "tags": [
            key.strip()
            for key in (k.get("key", "") for k in _findall(docdata, "key-list/keyword"))
            if key.strip()
        ],
        "image_caption": _text(_find(content, ".//media-caption")),
        "entities": _entities(
            [*_findall(docdata, "identified-content/*"), *_inline_entities(content)]
        ),
    }
    yield Record(record)


def _find(element: Element | None, path: str) -> Element | None:
    return element.find(path) if element is not None else None


def _findall(element: Element | None, path: str) -> list[Element]:
    return element.findall(path) if element is not None else []


def _attr(element: Element | None, path: str, name: str) -> str:
    found = _find(element, path)
    return found.get(name, "").strip() if found is not None else ""


def _text(element: Element | None, skip: Iterable[str] = ()) -> str:
    """All text inside an element (nested inline markup included), on one line."""
    if element is None:
        return ""
    skipped = set(skip)
    parts: list[str] = []
    # A stack, not recursion: markup may nest thousands of levels deep.
    stack: list[Element | str] = [element]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            parts.append(node)
            continue
        if node.text:
            parts.append(node.text)
        for child in reversed(node):
            if child.tail:
                stack.append(child.tail)
            if child.tag not in skipped:
                stack.append(child)
    return " ".join("".join(parts).split())


def _paragraph_text(element: Element) -> str:
    """An `abstract`: its paragraphs, or its text when it has none, on one line."""
    paragraphs = [_text(p) for p in element.iter("p")]
    return " ".join(p for p in paragraphs if p) or _text(element)


def _body_paragraphs(content: Element | None) -> list[str]:
    if content is None:
        return []
    # Paragraphs of captions and other media are not the article's text.
    in_media = {id(p) for media in content.iter("media") for p in media.iter("p")}
    paragraphs = [_text(p) for p in content.iter("p") if id(p) not in in_media]
    return [p for p in paragraphs if p]


def _meta(head: Element | None, name: str) -> str:
    """The content of `head/meta[@name=name]`."""
    for meta in _findall(head, "meta"):
        if meta.get("name") == name:
            return meta.get("content", "").strip()
    return ""


def _section(head: Element | None) -> str:
    return (
        _attr(head, "pubdata", "position.section")
        or _meta(head, "section")
        or _attr(head, "tobject/tobject.subject", "tobject.subject.matter")
    )


def _authors(byline: Element | None) -> list[str]:
    if byline is None:
        return []
    people = [_name(person) for person in byline.iter("person")]
    if any(people):
        return [p for p in people if p]
    # The author's job title (`byttl`) is no part of the name.
    text = _text(byline, skip=("byttl",))
    if text[:3].lower() == "by ":
        text = text[3:].strip()
    return [text] if text else []


def _language(*elements: Element | None) -> str:
    for element in reversed(elements):
        if element is not None and element.get(XML_LANG):
            return element.get(XML_LANG, "").strip()
    return ""


def _name(element: Element) -> str:
    """An entity's normalised name (`@value`) or its text."""
    return element.get("value", "").strip() or _text(element)


def _inline_entities(content: Element | None) -> Iterator[Element]:
    if content is None:
        return
    for element in content.iter():
        if element.tag in _ENTITY_ELEMENTS:
            yield element


def _entities(elements: Iterable[Element]) -> dict[str, list[str]]:
    # Dicts keep the names in order and find a repeated one in constant time.
    found: dict[str, dict[str, None]] = {"person": {}, "organization": {}, "place": {}}
    for element in elements:
        kind = _ENTITY_ELEMENTS.get(element.tag)
        if kind is None:
            continue
        names = [_name(element)]
        if kind == "place":
            parts = [_text(part) for tag in _PLACE_PARTS for part in element.iter(tag)]
            if any(parts) and not element.get("value"):
                names = parts
        found[kind].update(dict.fromkeys(name for name in names if name))
    return {kind: list(names) for kind, names in found.items()}


def _date(value: str) -> str | datetime:
    """A `norm` date, basic or extended ISO 8601; other shapes go to `make_article` as text."""
    if not value:
        return ""
    try:
        return dateparser.isoparse(value)
    except (ValueError, OverflowError):
        return value


def _same_time(a: str | datetime, b: str | datetime) -> bool:
    if not a or not b:
        return False
    try:
        return parse_datetime(a) == parse_datetime(b)
    except ValueError:
        return False
