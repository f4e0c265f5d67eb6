"""10kGNAD: German news articles of DER STANDARD (Vienna), 2015–2016, test split.

``test.csv.gz`` has one article per row, ``label;text`` with ``'`` as the
quote character. The label is the newsroom section (Web, Panorama,
International, Wirtschaft, Sport, Inland, Etat, Wissenschaft, Kultur), kept as
the section in German. The text is the sub-headline, ``. ``, and the body run
together; there is no title, date, author or id.

How a row becomes an article:

- id ``gnad-<row>`` (1-based row number in the file); source ``DER
  STANDARD``; language ``de``.
- title: the sub-headline. Where the body opens with a dateline
  (``… Sub-headline. Wien – Die Gewerkschaft …``, also with ``-``) that marks the end of the
  sub-headline, and the place becomes the article's dateline; otherwise the
  sub-headline ends at the first full stop that does not belong to an
  ordinal (``am 21. August``), an initial (``John W. Kluge``) or an
  abbreviation (``St. Pölten``). A sub-headline over 120 characters is cut at
  a word boundary for the title and kept whole as the lead.
- body: the rest, in paragraphs of a few sentences (about 400 characters),
  since the dataset removed the original paragraph breaks.
- published: the dataset gives only 2015–2016. Every article gets the same
  date, 1 January 2016, midnight in Vienna: the middle of that period, so no
  article is more than a year off, and one shared date invents no order.
"""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from indexer.ingest.dates import VIENNA
from indexer.ingest.importers import Document, Drop, ImportFailed, locate, trim_title

TITLE = "10kGNAD"
ARCHIVE = "test.csv.gz"
# Stand-in date for the undated 2015–2016 articles: see the module docstring.
PUBLISHED = datetime(2016, 1, 1, tzinfo=VIENNA)
LABELS = frozenset(
    {"Web", "Panorama", "International", "Wirtschaft", "Sport", "Inland", "Etat"}
    | {"Wissenschaft", "Kultur"}
)
TITLE_LIMIT = 120
PARAGRAPH_CHARS = 400

_UPPER = "A-ZÄÖÜ"
# A dateline place: capitalised words, joined by spaces, slashes or small words
# ("Santiago de Chile", "Paris/Wien", "St. Pölten", "Salt Lake City (Utah)").
_PLACE_WORD = rf"(?:St\.\s+)?[{_UPPER}][\w'-]*(?:\s*/\s*(?:St\.\s+)?[{_UPPER}][\w'-]*)*"
_PLACE_LINK = r"(?:am|an|an der|bei|de|del|der|do|da|im|in|ob|upon|la|el)"
_PLACE = (
    rf"{_PLACE_WORD}(?:\s+(?:{_PLACE_LINK}\s+)?{_PLACE_WORD}){{0,3}}"
    rf"(?:\s+\([{_UPPER}][\w .-]{{1,30}}\))?"
)
# The dateline that opens the body, right after a sentence end: " Wien – ".
_DATELINE = re.compile(rf"\s+({_PLACE})\s+[–-]\s+(?=\S)")
# Sub-headlines are short: a "Place – " further on is inside the body.
_DATELINE_WITHIN = 300
# Words that open sentences, never place names ("Der Bürgermeister – ").
_NOT_PLACES = frozenset(
    [
        "Der",
        "Die",
        "Das",
        "Den",
        "Dem",
        "Des",
        "Ein",
        "Eine",
        "Einen",
        "Einem",
        "Einer",
        "Er",
        "Sie",
        "Es",
        "Wir",
        "Ich",
        "Man",
        "Auch",
        "Aber",
        "Doch",
        "Und",
        "Oder",
        "Nun",
        "Jetzt",
        "Dann",
        "So",
        "Sollten",
        "Wer",
        "Was",
        "Wie",
        "Wo",
    ]
)
# A sentence end: . ! or ? and a space before a capital, digit or quotation mark.
_SENTENCE_END = re.compile(rf"[.!?]\s+(?=[{_UPPER}0-9\"„»(])")
# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "St",
        "Dr",
        "Prof",
        "Mag",
        "Ing",
        "Nr",
        "Abs",
        "Art",
        "Bd",
        "Jh",
        "Hl",
        "Str",
        "Mio",
        "Mrd",
        "Tsd",
        "ca",
        "bzw",
        "usw",
        "etc",
        "vgl",
        "ggf",
        "inkl",
        "exkl",
        "zB",
        "bzw",
        "z",
        "B",
        "d",
        "h",
        "u",
        "a",
        "o",
        "ä",
        "Mr",
        "Mrs",
        "Ms",
        "Jr",
        "Sr",
        "Co",
        "Inc",
        "Ltd",
        "Corp",
        "vs",
        "Gen",
        "Min",
        "Abg",
    ]
)


def documents(source: Path) -> Iterator[Document]:
    """One article mapping (or a `Drop`) per CSV row, in file order."""
    return _read(locate(source, ARCHIVE, TITLE))


def _read(path: Path) -> Iterator[Document]:
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as text:
            rows = csv.reader(text, delimiter=";", quotechar="'")
            for number, row in enumerate(rows, start=1):
                if number == 1 and (len(row) != 2 or row[0] not in LABELS):
                    raise ImportFailed(
                        f"{path}: not the {TITLE} test split (expected rows 'label;text'"
                        f" with a label such as Wirtschaft)"
                    )
                yield article(number, row)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as exc:
        raise ImportFailed(f"{path}: not a readable {TITLE} file ({exc})") from exc


def article(number: int, row: list[str]) -> Document:
    """One CSV row (``[label, text]``) as an article mapping."""
    source_id = str(number)
    if len(row) != 2:
        return Drop("not two columns (label;text)", source_id)
    label, text = row[0].strip(), " ".join(row[1].split())
    if label not in LABELS:
        return Drop("unknown label", source_id)
    headline, dateline, body_text = split_text(text)
    if not headline:
        return Drop("no text", source_id)
    title = trim_title(headline, TITLE_LIMIT)
    body = paragraphs(body_text)
    lead = headline if title != headline else ""
    if not body and not lead:
        # A row that is a sub-headline only: it is its own one-paragraph body.
        body = [headline]
    return {
        "id": f"gnad-{number}",
        "title": title,
        "lead": lead,
        "body": body,
        "published": PUBLISHED,
        "dateline": dateline,
        "section": label,
        "source": "DER STANDARD",
        "language": "de",
    }


def split_text(text: str) -> tuple[str, str, str]:
    """``Sub-headline. Wien – Body …`` -> (sub-headline, dateline place, body)."""
    ends = [end for end in _sentence_ends(text) if text[end - 1] == "."]
    for end in ends:
        if end > _DATELINE_WITHIN:
            break
        dateline = _DATELINE.match(text, end)
        if dateline is not None and dateline.group(1).split()[0] not in _NOT_PLACES:
            return text[: end - 1].strip(), dateline.group(1), text[dateline.end() :].strip()
    if ends:
        return text[: ends[0] - 1].strip(), "", text[ends[0] :].strip()
    return text.strip(), "", ""


def paragraphs(text: str) -> list[str]:
    """Sentences grouped into paragraphs of about `PARAGRAPH_CHARS` characters."""
    result: list[str] = []
    current = ""
    start = 0
    for end in [*_sentence_ends(text), len(text)]:
        sentence = text[start:end].strip()
        start = end
        if not sentence:
            continue
        current = f"{current} {sentence}" if current else sentence
        if len(current) >= PARAGRAPH_CHARS:
            result.append(current)
            current = ""
    if current:
        # A short tail joins the paragraph before it rather than standing alone.
        if result and len(current) < PARAGRAPH_CHARS // 4:
            result[-1] = f"{result[-1]} {current}"
        else:
            result.append(current)
    return result


def _sentence_ends(text: str) -> Iterator[int]:
    """Offsets just after each sentence-ending punctuation mark (before the space)."""
    for match in _SENTENCE_END.finditer(text):
        mark = match.start()
        if text[mark] == ".":
            word = text[:mark].rsplit(maxsplit=1)[-1] if text[:mark].strip() else ""
            word = word.lstrip('("„»')
            if word.isdigit() or len(word) == 1 or word.split(".")[-1] in _ABBREVIATIONS:
                continue
        yield mark + 1
