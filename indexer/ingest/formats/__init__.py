"""File formats of the corpus: one module per format, one `read` function each.

A reader takes a file's bytes and yields `Record`s: plain mappings with the
field names of SPEC §3, plus where in the file each came from. A whole-file
failure (not JSON at all, not XML) raises `CorpusError`; a failure of one item
in a multi-article file (a bad JSONL line) is yielded as a `Record` with an
`error`, so the file's other articles are still read. Validation of the fields
themselves is `indexer.ingest.article.make_article`'s job, not the readers'.

`reader_for` picks the reader by extension, and for `.xml` by root element.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.ingest.errors import CorpusError


@dataclass(frozen=True)
class Record:
    """One article's raw fields, or the error that stopped reading it."""

    data: Mapping[str, Any] | None
    line: int | None = None
    item: int | None = None
    error: CorpusError | None = None


Reader = Callable[[bytes, Path], Iterator[Record]]


def decode_text(data: bytes, path: Path) -> str:
    """UTF-8 text (a BOM is dropped); invalid bytes are an error naming the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CorpusError(
            f"invalid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            path=path,
            line=line,
        ) from exc


# Extensions are matched longest first, so `.nitf.xml` wins over `.xml`.
EXTENSIONS = {
    ".nitf.xml": "nitf",
    ".nitf": "nitf",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "textexport",
    ".html": "html",
    ".htm": "html",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "xml",
}


# Each format's reader module (its `read` function).
_READERS = {
    "json": "json_format",
    "jsonl": "jsonl",
    "markdown": "markdown",
    "textexport": "textexport",
    "html": "html",
    "feed": "feed",
    "nitf": "nitf",
}


def format_of(path: Path) -> str | None:
    """The format name of a corpus file by its extension, or None if not an article file."""
    name = path.name.lower()
    for ext in sorted(EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext):
            return EXTENSIONS[ext]
    return None


def reader_for(path: Path, data: bytes) -> Reader:
    """The reader for a file; `.xml` is told apart by its root element."""
    kind = format_of(path)
    if kind == "xml":
        kind = sniff_xml(data, path)
    module = _READERS.get(kind or "")
    if module is not None:
        # Imported lazily: a corpus of JSON files need not load the XML and HTML parsers.
        read: Reader = importlib.import_module(f"indexer.ingest.formats.{module}").read
        return read
    raise CorpusError("not an article file (unknown extension)", path=path)


def sniff_xml(data: bytes, path: Path) -> str:
    """`nitf` or `feed`, by the name of the XML document's root element."""
    from indexer.ingest.formats.xmlroot import root_name

    root = root_name(data, path)
    if root == "nitf":
        return "nitf"
    if root in ("rss", "feed", "RDF"):
        return "feed"
    raise CorpusError(f"unknown XML document type <{root}> (expected rss, feed or nitf)", path=path)
