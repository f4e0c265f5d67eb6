"""Where the index lives on disk: generations, the `current` pointer, the write lock.

An index folder holds generation folders (`gen-<time>-<pid>/`, each a complete
Whoosh index plus `build.json`) and a symlink `current` naming the one being
served. A full rebuild writes a new generation beside the live one and then
replaces the symlink with `os.replace`, which is atomic: a reader sees either
the old index or the new one, never a half-built one, and a rebuild killed at
any moment leaves `current` pointing at the intact previous generation.

Every write (incremental update or rebuild) holds `write.lock` (an flock, so
the kernel releases it when a process dies); a second writer waits for it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index

from indexer.schema import SCHEMA_VERSION, build_schema

CURRENT = "current"
LOCK = "write.lock"
BUILD_INFO = "build.json"
BUILDING = ".building"
GENERATION_PREFIX = "gen-"


class IndexMissing(Exception):
    """There is no built index at the given place."""


def open_index(path: Path) -> Index:
    """The Whoosh index in a generation folder, its segment files read in place.

    Whoosh reads a file inside a memory-mapped compound segment through a
    BytesIO, which copies the whole file: every new searcher copied every
    segment's terms and postings (18-34 ms and tens of MB per index state of
    the Reuters import, a quarter of a server's time under an upload a
    second), and so did the writer for every update. Without mmap a searcher
    opens in 3 ms and searches as fast (the search core decodes each posting
    list once and keeps it; its reads are serialised by its lock anyway).
    """
    return FileStorage(str(path), supports_mmap=False).open_index()


class IndexLocation:
    """An index folder and its generations."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def current_link(self) -> Path:
        return self.root / CURRENT

    def current(self) -> Path | None:
        """The generation being served, or None when nothing was built yet."""
        try:
            target = os.readlink(self.current_link)
        except OSError:
            return None
        path = self.root / target
        return path if (path / BUILD_INFO).exists() else None

    def require_current(self) -> Path:
        current = self.current()
        if current is None:
            raise IndexMissing(f"no index in {self.root}: build one with `vindex index`")
        return current

    def open(self) -> Index:
        return open_index(self.require_current())

    def state_key(self) -> tuple[str, int] | None:
        """The served generation and its latest commit: every update or rebuild changes it."""
        current = self.current()
        if current is None:
            return None
        ix = open_index(current)
        try:
            return current.name, ix.latest_generation()
        finally:
            ix.close()

    def info(self, generation: Path | None = None) -> dict[str, Any]:
        """The generation's `build.json` (when and how it was built)."""
        generation = generation or self.require_current()
        try:
            data: dict[str, Any] = json.loads((generation / BUILD_INFO).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data

    def write_info(self, generation: Path, info: dict[str, Any]) -> None:
        _atomic_write(generation / BUILD_INFO, json.dumps(info, indent=2, sort_keys=True))

    def is_compatible(self) -> bool:
        """Whether the current generation was built with this code's schema."""
        current = self.current()
        return current is not None and self.info(current).get("schema") == SCHEMA_VERSION

    def new_generation(self) -> Path:
        """An empty Whoosh index in a fresh generation folder, marked as being built."""
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.root / f"{GENERATION_PREFIX}{stamp}-{os.getpid()}"
        path.mkdir()
        (path / BUILDING).write_text(str(os.getpid()))
        whoosh_index.create_in(str(path), build_schema())
        return path

    def publish(self, generation: Path, info: dict[str, Any]) -> None:
        """Make a finished generation the served one, atomically."""
        self.write_info(generation, info)
        (generation / BUILDING).unlink(missing_ok=True)
        for path in generation.iterdir():
            _fsync_file(path)
        fsync_folder(generation)
        temporary = self.root / f".{CURRENT}.{os.getpid()}"
        temporary.unlink(missing_ok=True)
        os.symlink(generation.name, temporary)
        os.replace(temporary, self.current_link)
        fsync_folder(self.root)

    def generations(self) -> list[Path]:
        return sorted(
            p for p in self.root.glob(f"{GENERATION_PREFIX}*") if p.is_dir() and not p.is_symlink()
        )

    def clean(self, keep: int = 2) -> list[Path]:
        """Remove old generations and abandoned half-built ones.

        The current one and the one before it are kept: a server that opened
        the previous generation just before a swap may still be reading it.
        """
        current = self.current()
        finished = [g for g in self.generations() if not (g / BUILDING).exists()]
        keep_set = {current} | set(finished[-keep:]) if current else set(finished[-keep:])
        removed = []
        for generation in self.generations():
            if generation in keep_set:
                continue
            building = generation / BUILDING
            if building.exists() and _alive(building):
                continue
            shutil.rmtree(generation, ignore_errors=True)
            removed.append(generation)
        return removed

    @contextlib.contextmanager
    def write_lock(
        self, wait_message: Callable[[], None] | None = None, timeout: float | None = None
    ) -> Iterator[None]:
        """Hold the index's write lock; call `wait_message` once if another writer has it.

        Re-entrant within a thread: the server's writer holds it over a whole
        batch (files and index), and the update inside takes it again. An
        flock is per open file, so a second open in the same thread would wait
        for itself; other threads and processes still wait for the holder.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        held: set[str] = _HELD.__dict__.setdefault("roots", set())
        key = os.path.realpath(self.root)
        if key in held:
            yield
            return
        with open(self.root / LOCK, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if wait_message:
                    wait_message()
                _wait_for_lock(handle, timeout)
            held.add(key)
            try:
                yield
            finally:
                held.discard(key)
                fcntl.flock(handle, fcntl.LOCK_UN)

    def size_bytes(self, generation: Path | None = None) -> int:
        generation = generation or self.require_current()
        return sum(p.stat().st_size for p in generation.iterdir() if p.is_file())


# The index folders whose write lock this thread holds.
_HELD = threading.local()


def _wait_for_lock(handle: Any, timeout: float | None) -> None:
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError("another process is writing the index") from None
            time.sleep(0.1)


def _alive(marker: Path) -> bool:
    """Whether the process that is building a generation still runs."""
    try:
        pid = int(marker.read_text().strip())
        os.kill(pid, 0)
    except (ValueError, OSError):
        return False
    return True


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_folder(path: Path) -> None:
    """Make a rename in the folder durable (a file's own fsync does not cover its name)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LiveIndex:
    """The index as a long-running server sees it: always the current generation.

    A rebuild swaps `current`; the next call opens the new generation. Old
    `Index` objects are left to readers that still hold them.
    """

    def __init__(self, location: IndexLocation) -> None:
        self.location = location
        self._generation: Path | None = None
        self._ix: Index | None = None

    def get(self) -> Index:
        generation = self.location.require_current()
        if self._ix is None or generation != self._generation:
            self._ix = open_index(generation)
            self._generation = generation
        return self._ix

    @property
    def generation(self) -> str:
        self.get()
        assert self._generation is not None
        return self._generation.name

    def close(self) -> None:
        if self._ix is not None:
            self._ix.close()
        self._ix = None
        self._generation = None
