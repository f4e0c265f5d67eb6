"""The corpus: the folder of article files the index is built from.

`find_files` lists the article files under some paths (skipping hidden and
trash folders, READMEs and the editor's entity file); `read_file` turns one
file into articles and errors, guarding against what a real folder holds:
empty files, binary files, huge files, bad encodings.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.ingest.article import Article, make_article
from indexer.ingest.errors import CorpusError
from indexer.ingest.formats import format_of, reader_for

DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024

# Files in the corpus that are not articles.
_NOT_ARTICLES = {"readme.md", "readme.txt", "readme", "license", "license.txt"}


@dataclass(frozen=True)
class FileResult:
    """What one file yielded: its articles and the errors of what could not be read."""

    path: Path
    articles: tuple[Article, ...]
    errors: tuple[CorpusError, ...]


def reads_name(name: str) -> bool:
    """Whether the corpus walk reads a file of this name (in a folder it walks).

    The one statement of the walk's rules for names: `find_files` skips every
    other name, and `indexer.editing.uploads.safe_name` never gives an upload one,
    so that nothing an editor was told is stored can be left out of the index.
    """
    return (
        format_of(Path(name)) is not None
        and name.lower() not in _NOT_ARTICLES
        and not name.startswith(".")
    )


def is_article_file(path: Path) -> bool:
    return reads_name(path.name)


def file_key(path: Path, corpus: Path) -> str:
    """How an archive names a corpus file: relative to the corpus when inside it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(corpus.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def find_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Article files under the given files or folders, in a stable order.

    Hidden files and folders (`.trash`, `.git`) are skipped; a file named
    explicitly is always returned, so that an unknown extension is reported.
    """
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if any(part.startswith(".") for part in relative):
                    continue
                if child.is_file() and is_article_file(child):
                    yield child
        else:
            yield path


def read_file(path: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> FileResult:
    """All articles of one file, and an error for each part that could not be read."""
    try:
        articles, errors = _read(path, max_bytes)
    except CorpusError as exc:
        return FileResult(path, (), (exc.located(path),))
    except (ValueError, LookupError, TypeError, AttributeError, RecursionError) as exc:
        # A parser tripping over malformed input must not stop the whole build.
        error = CorpusError(f"cannot be parsed ({type(exc).__name__}: {exc})", path=path)
        return FileResult(path, (), (error,))
    return FileResult(path, tuple(articles), tuple(errors))


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; anything else is a `CorpusError`.

    A FIFO would wait for a writer forever and a device (/dev/zero) never
    ends, so the file is opened without blocking and refused unless it is a
    regular file; at most one byte more than the limit is read, in case the
    file grows after its size was looked at.
    """
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise CorpusError("no such file") from exc
    except OSError as exc:
        raise CorpusError(f"cannot read: {exc.strerror}") from exc
    try:
        info = os.fstat(handle)
        if stat.S_ISDIR(info.st_mode):
            raise CorpusError("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise CorpusError("not a regular file (a pipe, device or socket): only files are read")
        if info.st_size > max_bytes:
            raise _too_large(info.st_size, max_bytes)
        try:
            data = _read_all(handle, max_bytes + 1)
        except OSError as exc:
            raise CorpusError(f"cannot read: {exc.strerror}") from exc
    finally:
        os.close(handle)
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    return data


def _read_all(handle: int, limit: int) -> bytes:
    """Up to `limit` bytes: what is there before the end of the file."""
    parts = []
    while limit > 0:
        part = os.read(handle, min(limit, 1 << 20))
        if not part:
            break
        parts.append(part)
        limit -= len(part)
    return b"".join(parts)


def _too_large(size: int, max_bytes: int) -> CorpusError:
    return CorpusError(
        f"file too large ({size / 1048576:.1f} MB; the limit is "
        f"{max_bytes / 1048576:.0f} MB): split it into smaller files"
    )


def _read(path: Path, max_bytes: int) -> tuple[list[Article], list[CorpusError]]:
    data = read_bytes(path, max_bytes)
    if not data.strip():
        raise CorpusError("empty file")
    if b"\x00" in data[:8192]:
        raise CorpusError("binary file, not text (it contains NUL bytes)")
    reader = reader_for(path, data)
    articles: list[Article] = []
    errors: list[CorpusError] = []
    for record in reader(data, path):
        if record.error is not None:
            errors.append(record.error.located(path, line=record.line, item=record.item))
            continue
        assert record.data is not None
        try:
            articles.append(make_article(record.data))
        except CorpusError as exc:
            errors.append(exc.located(path, line=record.line, item=record.item))
    if not articles and not errors:
        errors.append(CorpusError("no articles found in the file", path=path))
    return articles, errors
