"""The portal's plain-text export: one article per `.txt` file.

```
Security Review Conference Convened by OSCE Chairpersonship

OrganizationsInternational Organizations ♦ Published: July 4, 2023; 23:31 ♦ (Vindobona)

The lead paragraph.

A picture caption. / Picture: © Credit

The body, one paragraph per block of lines...
```

Line 1 is the title; the next non-blank line (line 3) is the meta line, whose
parts are separated by `♦`: the section path, `Published: <date>; <time>`
(Vienna time unless a zone is given; an `Updated: ...` part is read too) and
the source in parentheses. The export glues the parts of the section path
together (`OrganizationsInternational Organizations`); they are split again
where a lower-case letter meets an upper-case one. A paragraph `Dateline: ...`
right after the meta line gives the dateline. Then come the lead (the first
paragraph), an optional picture caption (the paragraph ending in
`/ Picture: ©` and a credit, which is dropped) and the body.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from indexer.ingest.article import SECTION_SEPARATOR
from indexer.ingest.dates import DateError, parse_datetime
from indexer.ingest.errors import CorpusError
from indexer.ingest.formats import Record, decode_text

_META_SEPARATOR = "♦"
_META_EXAMPLE = "'Section ♦ Published: July 4, 2023; 23:31 ♦ (Source)'"
_PICTURE = "Picture:"
_DATELINE = "Dateline:"


def read(data: bytes, path: Path) -> Iterator[Record]:
    lines = decode_text(data, path).splitlines()
    numbered = [(number, line.strip()) for number, line in enumerate(lines, start=1)]
    filled = [(number, line) for number, line in numbered if line]
    if not filled or filled[0][0] != 1:
        raise CorpusError("expected the title on line 1", path=path, line=1)
    title = filled[0][1]
    meta_line = filled[1][0] if len(filled) > 1 else 3
    meta = filled[1][1] if len(filled) > 1 else ""
    record: dict[str, Any] = {"title": title, **_meta(meta, path, meta_line)}

    paragraphs = _paragraphs(lines[meta_line:])
    if paragraphs and paragraphs[0].startswith(_DATELINE):
        record["dateline"] = paragraphs.pop(0)[len(_DATELINE) :].strip()
    for index, paragraph in enumerate(paragraphs):
        caption = _caption(paragraph)
        if caption is not None:
            record["image_caption"] = caption
            del paragraphs[index]
            break
    record["lead"] = paragraphs[0] if paragraphs else ""
    record["body"] = paragraphs[1:]
    yield Record(record)


def _meta(line: str, path: Path, number: int) -> dict[str, Any]:
    """Section, dates and source from the meta line."""
    parts = [part.strip() for part in line.split(_META_SEPARATOR)]
    published = next((p for p in parts if p.lower().startswith("published:")), None)
    if published is None:
        raise CorpusError(
            f"expected the meta line like {_META_EXAMPLE} after the title", path=path, line=number
        )
    fields: dict[str, Any] = {"section": glued_section(parts[0]) if parts[0] != published else ""}
    for part in parts[1:]:
        if part.startswith("(") and part.endswith(")"):
            fields["source"] = part[1:-1].strip()
    fields["published"] = _date(published, path, number, "published")
    updated = next((p for p in parts if p.lower().startswith("updated:")), None)
    if updated is not None:
        fields["updated"] = _date(updated, path, number, "updated")
    return fields


def _date(part: str, path: Path, line: int, field: str) -> datetime:
    # "Published: July 4, 2023; 23:31": the semicolon only separates date and time.
    value = part.partition(":")[2].strip()
    try:
        return parse_datetime(value.replace(";", " "))
    except DateError as exc:
        raise CorpusError(
            f"unparseable date {value[:60]!r}", path=path, line=line, field=field
        ) from exc


def glued_section(text: str) -> str:
    """`OrganizationsInternational Organizations` -> `Organizations > International Organizations`.

    A path that already has its separators is kept as it is.
    """
    text = " ".join(text.split())
    if SECTION_SEPARATOR in text:
        return text
    parts: list[str] = []
    start = 0
    for index in range(1, len(text)):
        if text[index - 1].islower() and text[index].isupper():
            parts.append(text[start:index])
            start = index
    parts.append(text[start:])
    return SECTION_SEPARATOR.join(part.strip() for part in parts if part.strip())


def _paragraphs(lines: list[str]) -> list[str]:
    """Blocks of non-blank lines, each joined into one paragraph."""
    paragraphs: list[str] = []
    block: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            block.append(line.strip())
        elif block:
            paragraphs.append(" ".join(block))
            block = []
    return paragraphs


def _caption(paragraph: str) -> str | None:
    """The caption of a `... / Picture: © Credit` paragraph, or None for other paragraphs."""
    before, marker, credit = paragraph.rpartition(_PICTURE)
    if not marker or not credit.strip().startswith("©") or not before.rstrip().endswith("/"):
        return None
    return before.rstrip()[:-1].strip()
