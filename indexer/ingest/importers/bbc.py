"""BBC News (Greene & Cunningham, 2006): 2,225 BBC News website stories of 2004–2005.

The archive holds ``bbc/<category>/<NNN>.txt``: the first line is the title,
then a blank line, then the body with paragraphs separated by blank lines.
The files are UTF-8 except one with a raw latin-1 pound sign
(``sport/199.txt``), so a file that is not UTF-8 is read as latin-1.

How a file becomes an article: id ``bbc-<category>-<NNN>``; section from the
folder (``Business``, ``Entertainment``, ``Politics``, ``Sport``,
``Technology``); source ``BBC News``; language ``en``.

The dataset gives no dates, only that the stories are from 2004–2005. Every
article gets the same date, 1 January 2005, midnight in London: the middle of
that period, so no story is more than a year off, and one shared date invents
no order among the stories (spreading them over the period would look like
real, but false, publication dates).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from indexer.ingest.importers import Document, Drop, locate, tar_files

TITLE = "BBC News"
ARCHIVE = "bbc-fulltext.tar.gz"
# Stand-in date for the undated 2004–2005 stories: see the module docstring.
PUBLISHED = datetime(2005, 1, 1, tzinfo=UTC)
SECTIONS = {
    "business": "Business",
    "entertainment": "Entertainment",
    "politics": "Politics",
    "sport": "Sport",
    "tech": "Technology",
}

_ARTICLE_FILE = re.compile(r"(?:\./)?bbc/([a-z]+)/(\d+)\.txt")


def documents(source: Path) -> Iterator[Document]:
    """One article mapping (or a `Drop`) per story file, in archive order."""
    return _read(locate(source, ARCHIVE, TITLE))


def _read(archive: Path) -> Iterator[Document]:
    for match, data in tar_files(archive, _ARTICLE_FILE, TITLE, "bbc/<category>/*.txt"):
        yield story(match.group(1), match.group(2), data)


def story(category: str, number: str, data: bytes) -> Document:
    """One story file as an article mapping."""
    source_id = f"{category}/{number}"
    section = SECTIONS.get(category)
    if section is None:
        return Drop("unknown category", source_id)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    title, _, rest = text.strip().partition("\n")
    body = [" ".join(part.split()) for part in re.split(r"\n\s*\n", rest)]
    body = [paragraph for paragraph in body if paragraph]
    if not title.strip():
        return Drop("no title", source_id)
    if not body:
        return Drop("no body", source_id)
    return {
        "id": f"bbc-{category}-{number}",
        "title": title.strip(),
        "body": body,
        "published": PUBLISHED,
        "section": section,
        "source": "BBC News",
        "language": "en",
    }
