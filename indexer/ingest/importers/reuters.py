"""Reuters-21578: 21,578 Reuters newswire stories of 1987 with gold labels.

The archive holds 22 SGML files (``reut2-000.sgm`` ...), each a run of
``<REUTERS NEWID="..">`` records with DATE, TOPICS, PLACES, PEOPLE, ORGS,
EXCHANGES and a TEXT holding TITLE, DATELINE and BODY. It is SGML, not XML
(control-character entities, bare ``&``), so the records are cut out with
regular expressions over that fixed structure; the files are latin-1.

How a record becomes an article:

- id ``reuters-<NEWID>``; source ``Reuters``; language ``en``.
- title: TITLE as written. Wire headlines are mostly ALL CAPS; the article
  keeps them so, and the index shows them in headline case
  (``indexer/archive/titles.py``), acronyms and tickers as written (``U.S.``,
  ``OPEC``, ``<BAC>``). The angle brackets are Reuters' own marks for company
  names and tickers and are kept too.
- body: BODY, a new paragraph at each indented line (how the wire marks
  paragraphs, and how tables keep one row per paragraph), without the
  ``Reuter`` sign-off. A ``TYPE="BRIEF"`` story is a headline-only flash: its
  headline is also its one-paragraph body, since an article needs text. A
  ``TYPE="UNPROC"`` story (tables, price reports) has no TITLE or BODY tags:
  its headline is its first line and the lines the wire wrapped it onto,
  whole (``VOLCKER REAFFIRMS G-6 NEGOTIATING PROCESS``, not ``... G``), up to
  a dateline that runs on from it; the rest is the body, a table one
  paragraph per row.
- published: DATE, taken as UTC (the collection gives no zone; the wire ran
  on GMT). The one broken time (``31-MAR-1987 605:12:19.12``) is dropped and
  the date kept, as midnight.
- section: the first topic's path in ``data/reuters_topics.tsv``, or a deeper
  path when a later topic lies beneath it (``grain, wheat`` -> ``Commodities >
  Grains > Wheat``); stories without a topic go to ``General``. tags: every
  topic's readable name.
- entities: PLACES, PEOPLE and ORGS (and EXCHANGES, as organisations) by the
  readable names of the ``data/reuters_*.tsv`` tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from indexer.ingest.article import SECTION_SEPARATOR
from indexer.ingest.importers import Document, Drop, locate, tar_files, trim_title

TITLE = "Reuters-21578"
ARCHIVE = "reuters21578.tar.gz"
NO_TOPIC_SECTION = "General"
_DATA = Path(__file__).resolve().parents[2] / "data"

_DATA_FILE = re.compile(r"(?:.*/)?reut2-\d{3}\.sgm")
_RECORD = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_NEWID = re.compile(r'\bNEWID="(\d+)"')
_TEXT = re.compile(r"<TEXT\b([^>]*)>(.*?)</TEXT>", re.S)
_TAGS = {
    tag: re.compile(rf"<{tag}>(.*?)</{tag}>", re.S)
    for tag in ("DATE", "TOPICS", "PLACES", "PEOPLE", "ORGS", "EXCHANGES", "TITLE", "DATELINE")
}
# BODY may lack its end tag when a story was cut off; it then runs to the end of TEXT.
_BODY = re.compile(r"<BODY>(.*?)(?:</BODY>|$)", re.S)
_CODE = re.compile(r"<D>(.*?)</D>", re.S)
_DATE = re.compile(
    r"(\d{1,2})-([A-Za-z]{3})-(\d{4})"
    r"(?:\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?!\d))?"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
        start=1,
    )
}
# Wire control characters (&#2; start of text, &#3; end, &#5;, &#22;, ...) are not text.
_CONTROL = re.compile(r"&#\d+;")
# Carriage returns that came through the wire as the two characters ^M.
_CARET_M = re.compile(r"\^M(?=\s|$)")
# The sign-off that ends most stories: " Reuter", "REUTER...", "reuter^M". Not
# "Reuters": a story may well end "..., he told Reuters."
_SIGN_OFF = re.compile(r"(?:^|\s)(?:Reuter|reuter|REUTERS?|REUTE)\s*(?:\.\.\.)?\s*$")
# A few flashes carry it inside the TITLE; only the lower-case form, since an
# ALL-CAPS headline may end in the company's name ("... STAKE IN REUTERS").
_TITLE_SIGN_OFF = re.compile(r"\s+[Rr]euter\s*$")
# A story's dateline running on from its headline in an unprocessed story:
# one upper-case place word (every such story in the archive has one).
_STORY_DATELINE = re.compile(
    r"(?<!\S)[A-Z][A-Z.'-]+, (?:Jan|Feb|March|April|May|June|July|Aug|Sept|Oct|Nov|Dec)"
    r"[a-z]*\.? \d{1,2} ?-"
)
# A flash's marker, after a time code or an embargo note: "161125******S/P DOWNGRADES ...".
_FLASH = re.compile(r"^.*\*{4,}\s*")
# Wire lines run to about 65 characters: one this long ended because it was full.
WRAPPED_LINE = 50
_BROKEN_WORD = re.compile(r"-\w")
# Longer than this, the first lines of an unprocessed story are a table, not a headline.
TITLE_LIMIT = 100


def documents(source: Path) -> Iterator[Document]:
    """One article mapping (or a `Drop`) per ``<REUTERS>`` record, in archive order."""
    return _read(locate(source, ARCHIVE, TITLE))


def _read(archive: Path) -> Iterator[Document]:
    for _, data in tar_files(archive, _DATA_FILE, TITLE, "reut2-*.sgm files"):
        yield from records(data)


def records(data: bytes) -> Iterator[Document]:
    """The article mappings (or `Drop`s) of one ``reut2-NNN.sgm`` file's bytes."""
    # One byte in reut2-017.sgm is above 0x7F: the files are read as latin-1.
    for match in _RECORD.finditer(data.decode("latin-1")):
        yield record(match.group(1), match.group(2))


def record(attributes: str, sgml: str) -> Document:
    """One ``<REUTERS>`` record (its attributes and inner SGML) as an article mapping."""
    newid = _NEWID.search(attributes)
    if newid is None:
        return Drop("no NEWID")
    source_id = newid.group(1)
    published = parse_date(_tag(sgml, "DATE"))
    if published is None:
        return Drop("no readable date", source_id)
    text_match = _TEXT.search(sgml)
    text_type = text_match.group(1) if text_match else ""
    text = text_match.group(2) if text_match else ""
    title = _TITLE_SIGN_OFF.sub("", clean(_tag(text, "TITLE")))
    body_match = _BODY.search(text)
    body = paragraphs(body_match.group(1)) if body_match else []
    dateline = clean(_tag(text, "DATELINE"))
    if "UNPROC" in text_type and not title and not body:
        title, story_dateline, body = unprocessed(text)
        dateline = dateline or story_dateline
    if not title and body:
        title = trim_title(body[0], TITLE_LIMIT)
    if not title:
        return Drop("no title and no body", source_id)
    if not body:
        # A headline-only flash (TYPE="BRIEF"): the headline is the whole story.
        body = [title]
    topics = _codes(sgml, "TOPICS")
    return {
        "id": f"reuters-{source_id}",
        "title": title,
        "body": body,
        "published": published,
        "dateline": dateline,
        "section": section(topics),
        "tags": [topic_name(code) for code in topics],
        "source": "Reuters",
        "language": "en",
        "entities": {
            "place": [name_of("places", code) for code in _codes(sgml, "PLACES")],
            "person": [name_of("people", code) for code in _codes(sgml, "PEOPLE")],
            "organization": [
                *(name_of("orgs", code) for code in _codes(sgml, "ORGS")),
                *(name_of("exchanges", code) for code in _codes(sgml, "EXCHANGES")),
            ],
        },
    }


def unprocessed(text: str) -> tuple[str, str, list[str]]:
    """Title, dateline and body of a ``TYPE="UNPROC"`` story's text.

    The wire wrapped the headline like any other line, so it is the first
    run of unindented lines, joined (``VOLCKER REAFFIRMS G`` / ``-6 NEGOTIATING
    PROCESS`` is one headline, not a title cut at ``G``). In a few stories the
    story itself follows the headline without a break: it starts at the
    dateline (``... BUMPER CROPS HARARE, March 3 - Zimbabwe's ...``). A run too
    long for a headline is a table's first rows: then the first line is the
    title and every line a row, one paragraph each.
    """
    lines = [line.rstrip() for line in unescape(text).splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return "", "", []
    head = 1
    while head < len(lines) and _wraps(lines[head - 1], lines[head]):
        head += 1
    headline = _headline(lines[:head])
    story = _STORY_DATELINE.search(headline)
    if story is not None:
        rest = clean(headline[story.end() :])
        following = paragraphs("\n".join(lines[head:]))
        body = _without_sign_off([rest, *following] if rest else following)
        return headline[: story.start()].strip(), clean(story.group(0)), body
    rows = _without_sign_off([clean(line) for line in lines if line.strip()])
    if not rows:
        return "", "", []
    if len(headline) <= TITLE_LIMIT and head < len(rows):
        return headline, "", rows[head:]
    if len(headline) <= TITLE_LIMIT and head >= len(rows):
        # A headline-only flash: the sign-off may have been its last line.
        return _headline(rows), "", []
    return trim_title(rows[0], TITLE_LIMIT), "", rows[1:]


def _wraps(line: str, following: str) -> bool:
    """True when `following` goes on with the headline `line` (the wire wrapped it)."""
    if not following.strip() or following[:1].isspace():
        return False  # an indented line starts a paragraph, a table's row or the story
    # A full line was wrapped; a short one ended where its writer ended it
    # ("CBT SILVER 10:30 EDT" above the table's "1,000 OUNCE"), unless the
    # break fell inside a hyphenated word ("VOLCKER REAFFIRMS G" / "-6 ...").
    return len(line.strip()) >= WRAPPED_LINE or bool(_BROKEN_WORD.match(following))


def _headline(lines: list[str]) -> str:
    return _FLASH.sub("", unwrap(lines))


def unwrap(lines: list[str]) -> str:
    """Wrapped wire lines as one line; a word the wire broke at its hyphen is rejoined."""
    text = ""
    for line in (clean(line) for line in lines):
        if not line:
            continue
        # "G" + "-6 NEGOTIATING": the break fell inside "G-6".
        glued = text and _BROKEN_WORD.match(line)
        text = f"{text}{line}" if glued or not text else f"{text} {line}"
    return text


def parse_date(value: str) -> datetime | None:
    """``26-FEB-1987 15:01:01.79`` as UTC; a broken time leaves the date at midnight."""
    match = _DATE.search(value)
    if match is None:
        return None
    day, month_name, year, hour, minute, second, fraction = match.groups()
    month = _MONTHS.get(month_name.upper())
    if month is None:
        return None
    try:
        date = datetime(int(year), month, int(day), tzinfo=UTC)
    except ValueError:
        return None
    if hour is None:
        return date
    try:
        return date.replace(
            hour=int(hour),
            minute=int(minute),
            second=int(second),
            microsecond=int((fraction or "0").ljust(6, "0")),
        )
    except ValueError:
        return date


def unescape(text: str) -> str:
    """Wire text without control characters and with its three entities decoded."""
    text = _CARET_M.sub("", _CONTROL.sub("", text))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clean(text: str) -> str:
    """One line of wire text, whitespace collapsed."""
    return " ".join(unescape(text).split())


def paragraphs(text: str) -> list[str]:
    """Wire text split at indented or blank lines, without the ``Reuter`` sign-off."""
    lines = unescape(text).splitlines()
    result: list[list[str]] = []
    for line in lines:
        if not line.strip():
            if result and result[-1]:
                result.append([])
            continue
        if not result or line[:1].isspace():
            result.append([])
        result[-1].append(line.strip())
    return _without_sign_off([" ".join(parts) for parts in result if parts])


def _without_sign_off(joined: list[str]) -> list[str]:
    while joined:
        last = _SIGN_OFF.sub("", joined[-1]).strip()
        if last == joined[-1]:
            break
        if last:
            joined[-1] = last
            break
        joined.pop()
    return joined


def section(topics: list[str]) -> str:
    """The first topic's section path, or a deeper one among the later topics."""
    if not topics:
        return NO_TOPIC_SECTION
    path = topic_path(topics[0])
    for code in topics[1:]:
        deeper = topic_path(code)
        if deeper.startswith(path + SECTION_SEPARATOR):
            return deeper
    return path


def topic_path(code: str) -> str:
    return table("topics").get(code) or f"Other > {_readable(code)}"


def topic_name(code: str) -> str:
    """The topic's readable name: the last part of its section path."""
    return topic_path(code).rsplit(SECTION_SEPARATOR, 1)[-1]


def name_of(kind: str, code: str) -> str:
    """The readable name of a place, person, organisation or exchange code."""
    return table(kind).get(code) or _readable(code)


@cache
def table(kind: str) -> dict[str, str]:
    """``data/reuters_<kind>.tsv``: code -> name; ``#`` starts a comment line."""
    path = _DATA / f"reuters_{kind}.tsv"
    mapping: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        code, separator, name = line.partition("\t")
        if not separator or not name.strip():
            raise ValueError(f"{path}: line {number}: expected 'code<TAB>name'")
        mapping[code.strip()] = name.strip()
    return mapping


def _readable(code: str) -> str:
    # Only for codes missing from the tables; the tests keep the tables complete.
    return code.replace("-", " ").title()


def _tag(sgml: str, tag: str) -> str:
    match = _TAGS[tag].search(sgml)
    return match.group(1) if match else ""


def _codes(sgml: str, tag: str) -> list[str]:
    codes = (code.strip().lower() for code in _CODE.findall(_tag(sgml, tag)))
    return list(dict.fromkeys(code for code in codes if code))
