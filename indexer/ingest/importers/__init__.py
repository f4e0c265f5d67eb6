"""Importers: public research corpora turned into corpus files.

An importer reads one research dataset exactly as it is distributed (a
`.tar.gz` or `.csv.gz` in ``../shared/corpora/``) and yields one plain article
mapping per source document, with the field names of SPEC §3, or a `Drop`
saying why a source document gives no article. `import_corpus` validates every
mapping with `indexer.ingest.article.make_article` (an article that fails is dropped
too, with its reason) and writes the articles as JSON Lines files into a
corpus folder, in chunks (``reuters-000.jsonl``, ``reuters-001.jsonl``, ...).

The output is deterministic: the same archive gives byte-identical files, so
an import can be repeated and diffed. Each file is written whole
(`indexer.system.files.atomic_write`), so an indexer
running at the same time never reads half a file; chunk files of an earlier
import of the same corpus that this import did not write again are removed.
"""

from __future__ import annotations

import importlib
import json
import re
import tarfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, cast

from indexer.ingest.article import make_article
from indexer.ingest.errors import CorpusError
from indexer.system.files import atomic_write

# Well under the corpus reader's 20 MB limit per file, whatever the chunk size.
MAX_FILE_BYTES = 16 * 1024 * 1024
# How many source documents to read between two calls of `progress`.
_PROGRESS_EVERY = 100


class ImportFailed(Exception):
    """The source is missing or is not the expected dataset; the message is one line."""


@dataclass(frozen=True)
class Drop:
    """A source document that gives no article, and why (the reason is counted)."""

    reason: str
    source_id: str = ""


Document = Mapping[str, Any] | Drop
Documents = Callable[[Path], Iterator[Document]]


@dataclass(frozen=True)
class Importer:
    """One research corpus: its name on the command line and where its reader lives."""

    name: str
    title: str
    module: str

    def documents(self, source: Path) -> Iterator[Document]:
        # Imported when used: `vindex import bbc` need not load the SGML parser.
        module = importlib.import_module(self.module)
        return cast(Documents, module.documents)(source)


IMPORTERS: dict[str, Importer] = {
    importer.name: importer
    for importer in (
        Importer("reuters", "Reuters-21578", "indexer.ingest.importers.reuters"),
        Importer("bbc", "BBC News", "indexer.ingest.importers.bbc"),
        Importer("gnad", "10kGNAD", "indexer.ingest.importers.gnad"),
    )
}


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: documents read, articles written, drops by reason, files."""

    name: str
    read: int
    written: int
    dropped: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    def describe(self) -> str:
        """One line for the command line: `reuters: 21,578 read, 21,574 written, ...`."""
        text = (
            f"{self.name}: {self.read:,} documents read, {self.written:,} articles written "
            f"to {len(self.files)} files, {self.dropped_total:,} dropped"
        )
        if self.dropped:
            reasons = "; ".join(f"{reason}: {count:,}" for reason, count in self.dropped.items())
            text += f" ({reasons})"
        return text


def tar_files(
    archive: Path, name: re.Pattern[str], title: str, expected: str
) -> Iterator[tuple[re.Match[str], bytes]]:
    """The files of a .tar.gz whose names match, with their bytes, in archive order.

    A damaged archive, or one without a single matching file, is `ImportFailed`
    naming the archive and what was `expected` in it.
    """
    found = False
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                match = name.fullmatch(member.name)
                if not (member.isfile() and match):
                    continue
                found = True
                handle = tar.extractfile(member)
                if handle is not None:
                    yield match, handle.read()
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        raise ImportFailed(f"{archive}: not a readable {title} archive ({exc})") from exc
    if not found:
        raise ImportFailed(f"{archive}: not the {title} archive (it has no {expected})")


def locate(source: Path, archive: str, title: str) -> Path:
    """The dataset's archive: `source` itself, or the file `archive` in the folder `source`."""
    if not source.exists():
        raise ImportFailed(f"{source}: no such file or folder (expected the {title} dataset)")
    if source.is_dir():
        path = source / archive
        if not path.is_file():
            raise ImportFailed(f"{source}: not the {title} folder (it has no {archive})")
        return path
    return source


def import_corpus(
    name: str,
    source: Path,
    out_dir: Path,
    *,
    chunk_size: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import the research corpus `name` from `source` into JSONL files in `out_dir`.

    `source` is the dataset's folder (e.g. ``../shared/corpora/reuters21578``)
    or its archive file. `progress`, if given, is called with the number of
    source documents read since its previous call (suits `tqdm.update`).
    Raises `ImportFailed` when the corpus is unknown or the source is missing,
    unreadable or not that dataset; nothing is written then.
    """
    importer = IMPORTERS.get(name)
    if importer is None:
        known = ", ".join(sorted(IMPORTERS))
        raise ImportFailed(f"unknown corpus {name!r} (known: {known})")
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    documents = importer.documents(source)
    # The first document proves the source is the dataset before anything is written.
    first = next(documents, None)
    if first is None:
        raise ImportFailed(f"{source}: no documents found in the {importer.title} dataset")
    if out_dir.exists() and not out_dir.is_dir():
        raise ImportFailed(f"{out_dir}: exists and is not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)

    writer = _ChunkWriter(out_dir, name, chunk_size)
    dropped: Counter[str] = Counter()
    seen: set[str] = set()
    read = 0
    unreported = 0
    for document in chain([first], documents):
        read += 1
        unreported += 1
        if progress is not None and unreported >= _PROGRESS_EVERY:
            progress(unreported)
            unreported = 0
        if isinstance(document, Drop):
            dropped[document.reason] += 1
            continue
        try:
            article = make_article(document)
        except CorpusError as exc:
            dropped[_reason(exc)] += 1
            continue
        if article.id in seen:
            dropped["duplicate id"] += 1
            continue
        seen.add(article.id)
        writer.add(_line(article.to_dict()))
    writer.close()
    if progress is not None and unreported:
        progress(unreported)
    removed = _remove_stale(out_dir, name, keep=writer.files)
    return ImportSummary(
        name=name,
        read=read,
        written=writer.written,
        dropped=dict(sorted(dropped.items(), key=lambda item: (-item[1], item[0]))),
        files=list(writer.files),
        removed=removed,
    )


def _reason(exc: CorpusError) -> str:
    return f"invalid {exc.field}: {exc.reason}" if exc.field else f"invalid: {exc.reason}"


def _line(data: Mapping[str, Any]) -> bytes:
    """One article as one JSON line; empty fields are left out to keep files small."""
    compact: dict[str, Any] = {}
    for key, value in data.items():
        if key == "entities":
            value = {kind: names for kind, names in value.items() if names}
        if value in (None, "", [], {}):
            continue
        compact[key] = value
    return (json.dumps(compact, ensure_ascii=False) + "\n").encode("utf-8")


class _ChunkWriter:
    """Numbered JSONL files of at most `chunk_size` lines, each written atomically."""

    def __init__(self, out_dir: Path, prefix: str, chunk_size: int) -> None:
        self.out_dir = out_dir
        self.prefix = prefix
        self.chunk_size = chunk_size
        self.files: list[Path] = []
        self.written = 0
        self._lines: list[bytes] = []
        self._bytes = 0

    def add(self, line: bytes) -> None:
        if self._lines and (
            len(self._lines) >= self.chunk_size or self._bytes + len(line) > MAX_FILE_BYTES
        ):
            self._flush()
        self._lines.append(line)
        self._bytes += len(line)
        self.written += 1

    def close(self) -> None:
        if self._lines:
            self._flush()

    def _flush(self) -> None:
        target = self.out_dir / f"{self.prefix}-{len(self.files):03d}.jsonl"
        atomic_write(target, b"".join(self._lines))
        self.files.append(target)
        self._lines = []
        self._bytes = 0


def _remove_stale(out_dir: Path, prefix: str, keep: Iterable[Path]) -> list[Path]:
    """Chunk files of an earlier, longer import of this corpus: they would duplicate articles."""
    pattern = re.compile(rf"{re.escape(prefix)}-\d{{3,}}\.jsonl")
    kept = {path.name for path in keep}
    removed = []
    for path in sorted(out_dir.iterdir()):
        if pattern.fullmatch(path.name) and path.name not in kept and path.is_file():
            path.unlink()
            removed.append(path)
    return removed


def trim_title(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most about `limit` characters, marked with `…`."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:-–") + "…"
