"""Uploads: where an editor's files land in the corpus, and how they get there safely.

Everything an editor sends is written into `corpus/uploads/`. A client's file
name never decides a path: `safe_name` keeps a plain stem and a known corpus
extension, so `../../etc/passwd`, absolute paths, NUL bytes and odd Unicode
all become a harmless name inside that folder. Files are written whole
(`indexer.system.files.atomic_write`): a reader or a process killed at any
moment sees the old file or the new one, never half of it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.ingest.article import Article, make_article
from indexer.ingest.corpus import reads_name
from indexer.ingest.errors import CorpusError
from indexer.ingest.formats import EXTENSIONS, reader_for

UPLOADS = "uploads"
# Long enough to keep a readable name, short enough for every file system.
MAX_STEM = 80

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

log = logging.getLogger(__name__)


def uploads_folder(corpus: Path) -> Path:
    return corpus / UPLOADS


def extension_of(name: str) -> str | None:
    """The corpus extension a name ends in (longest first: `.nitf.xml` before `.xml`)."""
    lower = name.lower()
    for extension in sorted(EXTENSIONS, key=len, reverse=True):
        if lower.endswith(extension):
            return extension
    return None


def safe_name(name: str, default_extension: str = ".json") -> str:
    """A file name made of `[A-Za-z0-9._-]` with a corpus extension, one the corpus walk reads.

    Never empty or hidden, and never a name the walk skips (`README.md`
    becomes `README-1.md`; see `indexer.ingest.corpus.reads_name`).

    Only the last path component of the client's name is looked at (after
    both `/` and `\\`); Unicode is folded to ASCII where it has a plain form
    (`Österreich` -> `Osterreich`) and dropped where it has none.
    """
    name = name.replace("\x00", "")
    base = re.split(r"[/\\]", name)[-1]
    extension = extension_of(base) or default_extension
    stem = base[: len(base) - len(extension)] if extension_of(base) else base
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE.sub("-", folded).strip(".-_")[:MAX_STEM].strip(".-_") or "upload"
    if extension and not reads_name(f"{stem}{extension}"):
        # `README.md`, `License.txt`: kept under that name, the next walk of the
        # corpus would skip the file and lose what the editor was told is stored.
        stem += "-1"
    return f"{stem}{extension}"


def free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `name-2`, `name-3`, ... when that is taken (or not read by the walk)."""
    candidate = folder / name
    extension = extension_of(name) or ""
    stem = name[: len(name) - len(extension)]
    n = 2
    while candidate.exists() or not reads_name(candidate.name):
        candidate = folder / f"{stem}-{n}{extension}"
        n += 1
    return candidate


def inside(folder: Path, path: Path) -> bool:
    """Whether `path` resolves to a place inside `folder` (a last line of defence)."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


# -- what an upload holds ------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    """One article of an upload, or why it cannot be taken (with where it was)."""

    article: Article | None
    record: Mapping[str, Any] | None
    where: str
    reasons: tuple[str, ...] = ()


def parse_records(records: Iterable[Mapping[str, Any]], label: str) -> list[Parsed]:
    """Articles from JSON objects (the API's JSON and JSONL bodies), each validated."""
    parsed = []
    for number, record in enumerate(records, 1):
        where = f"{label} item {number}"
        try:
            parsed.append(Parsed(make_article(record), record, where))
        except CorpusError as exc:
            parsed.append(Parsed(None, record, where, (str(exc.located(where)),)))
    return _logged(label, parsed)


def parse_file(name: str, data: bytes, max_bytes: int) -> list[Parsed]:
    """Articles from an uploaded file in any corpus format, read as the corpus reads it."""
    return _logged(safe_name(name), _parse_file(name, data, max_bytes))


def _parse_file(name: str, data: bytes, max_bytes: int) -> list[Parsed]:
    label = safe_name(name)
    if extension_of(name) is None:
        known = ", ".join(sorted(EXTENSIONS))
        return [Parsed(None, None, label, (f"{label}: not a corpus format (use {known})",))]
    if len(data) > max_bytes:
        reason = f"{label}: file too large ({len(data)} bytes; the limit is {max_bytes})"
        return [Parsed(None, None, label, (reason,))]
    if not data.strip():
        return [Parsed(None, None, label, (f"{label}: empty file",))]
    if b"\x00" in data[:8192]:
        return [Parsed(None, None, label, (f"{label}: binary file, not text",))]
    path = Path(label)
    parsed = []
    try:
        for record in reader_for(path, data)(data, path):
            where = label + "".join(
                f" {kind} {n}" for kind, n in (("line", record.line), ("item", record.item)) if n
            )
            if record.error is not None:
                error = record.error.located(label, line=record.line, item=record.item)
                parsed.append(Parsed(None, None, where, (str(error),)))
                continue
            assert record.data is not None
            try:
                parsed.append(Parsed(make_article(record.data), record.data, where))
            except CorpusError as exc:
                error = exc.located(label, line=record.line, item=record.item)
                parsed.append(Parsed(None, record.data, where, (str(error),)))
    except CorpusError as exc:
        return [Parsed(None, None, label, (str(exc.located(label)),))]
    except (ValueError, LookupError, TypeError, AttributeError, RecursionError) as exc:
        reason = f"{label}: cannot be parsed ({type(exc).__name__}: {exc})"
        return [Parsed(None, None, label, (reason,))]
    return parsed or [Parsed(None, None, label, (f"{label}: no articles found in the file",))]


def _logged(label: str, parsed: list[Parsed]) -> list[Parsed]:
    """One line per upload: how many articles were accepted, how many refused and why.

    The reasons name fields and places, never the content: the first few are
    enough to tell what went wrong.
    """
    refused = [p for p in parsed if p.article is None]
    reasons = [reason for p in refused for reason in p.reasons][:5]
    fields = {
        "upload": label,
        "accepted": len(parsed) - len(refused),
        "refused": len(refused),
        "reasons": reasons,
    }
    if refused:
        message = "upload %s: %d articles accepted, %d refused (%s)"
        log.warning(message, label, fields["accepted"], len(refused), reasons[0], extra=fields)
    else:
        log.info("upload %s: %d articles accepted", label, len(parsed), extra=fields)
    return parsed
