"""Where the index lives on disk: generations, the `current` pointer, the write lock.

An index folder holds generation folders (`gen-<time>-<pid>/`, each a complete
Whoosh index plus `build.json`, and beside each segment the arrays and word
lists the search core would otherwise derive from it: `facet_arrays`,
`word_lists`) and a symlink `current` naming the one being served. A full
rebuild writes a new generation beside the live one and then replaces the
symlink with `os.replace`, which is atomic: a reader sees either the old
index or the new one, never a half-built one, and a rebuild killed at any
moment leaves `current` pointing at the intact previous generation.

Readers hold a shared lock on the generation they opened; `clean` removes
every other generation nobody holds. A file of the served generation that
cannot be read raises `IndexDamaged`, naming it: only a rebuild repairs that.

Every write (incremental update or rebuild) holds `write.lock` (an flock, so
the kernel releases it when a process dies); a second writer waits for it and
says who holds it, from the holder's record in the file. The flock belongs to
the open file, which forked children share: they let go of it at once, and a
lock kept by an orphan of a dead holder is recognised and replaced.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import json
import os
import shutil
import threading
import time
import traceback
import warnings
import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, FileIndex, Index
from whoosh.reading import SegmentReader

from indexer.archive.errors import ArchiveDamaged, ArchiveMissing
from indexer.embedded.index.schema import SCHEMA_VERSION, build_schema
from indexer.embedded.index.shared_files import SharedFileStorage
from indexer.system.files import (
    atomic_write,
    fsync_file,
    fsync_folder,
    remove_stale_temporaries,
)
from indexer.system.processes import ProcessId, command_line, this_command

CURRENT = "current"
LOCK = "write.lock"
BUILD_INFO = "build.json"
BUILDING = ".building"
GENERATION_PREFIX = "gen-"
# Whoosh's name of an index in a folder.
MAIN = "MAIN"


class IndexMissing(ArchiveMissing):
    """There is no built index at the given place."""


class IndexDamaged(ArchiveDamaged):
    """A file of the index cannot be read (truncated, overwritten): only a rebuild repairs it."""

    def __init__(self, path: Path, cause: BaseException) -> None:
        self.path = path
        self.cause = cause
        self.problem = (
            f"the index is damaged: {path} cannot be read ({type(cause).__name__}: {cause})"
        )
        super().__init__(
            f"{self.problem}; rebuild it with `vindex index --rebuild`",
            # The client is told which file, not where the server keeps it.
            f"The index is damaged: its file {path.name} cannot be read. "
            "Rebuild it with `vindex index --rebuild` (or POST /api/reindex).",
        )


def reading(generation: Path) -> _Reading:
    """Turn an error reading the generation into IndexDamaged, naming the file that fails.

    Whoosh says EOFError, UnpicklingError, struct.error or "Invalid argument"
    for a truncated or overwritten file, and never which file. An error is
    taken for damage only when one of the generation's files is found
    unreadable (`find_damage`); any other error stays what it was.
    """
    return _Reading(generation)


class _Reading:
    """The context manager of `reading` (a class: its exit lets go of the traceback)."""

    def __init__(self, generation: Path) -> None:
        self.generation = generation

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> Literal[False]:
        if not isinstance(error, Exception) or isinstance(error, IndexDamaged):
            return False
        found = find_damage(self.generation)
        if found is None:
            return False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            del tb
            _forget(error)
        raise IndexDamaged(*found) from None


def _forget(exc: BaseException) -> None:
    """Drop an error's traceback, and with it the files Whoosh left open in its frames.

    Whoosh does not close a file it fails to read; closed here, at once and
    without a ResourceWarning each, instead of whenever the collector runs.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        seen: set[int] = set()
        chained: BaseException | None = exc
        while chained is not None and id(chained) not in seen:
            seen.add(id(chained))
            # Its frames' locals, not only the traceback: others hold that too.
            traceback.clear_frames(chained.__traceback__)
            chained.__traceback__ = None
            chained = chained.__context__
        gc.collect()


def find_damage(generation: Path) -> tuple[Path, BaseException] | None:
    """The first file of the generation that cannot be read, and why; None if all can.

    Reads the table of contents, then opens every segment (its compound
    file's directory, its stored fields at both ends).
    """
    storage = FileStorage(str(generation), supports_mmap=False)
    try:
        generations = [
            int(name.rsplit("_", 1)[1][: -len(".toc")])
            for name in storage.list()
            if name.startswith("_MAIN_") and name.endswith(".toc")
        ]
    except (OSError, ValueError) as exc:
        return generation, exc
    toc = generation / TOC._filename(MAIN, max(generations, default=0))
    try:
        ix = FileIndex(storage, indexname=MAIN)
        segments = ix._segments()
        schema = ix.schema
    except Exception as exc:
        _forget(exc)
        return toc, exc
    for segment in segments:
        name = segment.make_filename(segment.COMPOUND_EXT) if segment.is_compound() else None
        try:
            reader = SegmentReader(storage, schema, segment)
            try:
                total = reader.doc_count_all()
                for docnum in {0, total - 1} if total else ():
                    reader.stored_fields(docnum)
            finally:
                reader.close()
        except Exception as exc:
            _forget(exc)
            return (generation / name if name else generation), exc
    return None


class _CheckedIndex(FileIndex):  # type: ignore[misc]
    """A generation's Whoosh index whose unreadable files raise IndexDamaged, read in place.

    It may hold the generation for readers (see `open_generation`): until it
    is closed, or else collected.

    Its files are read with `pread` at each thread's own position
    (`shared_files`), so the threads of a server search one searcher at once.

    No mmap: Whoosh reads a file inside a memory-mapped compound segment
    through a BytesIO, which copies the whole file, so every new searcher
    copied every segment's terms and postings (18-34 ms and tens of MB per
    index state of the Reuters import, a quarter of a server's time under an
    upload a second), and so did the writer for every update. Without mmap a
    searcher opens in 3 ms and searches as fast (the search core decodes each
    posting list once and keeps it).
    """

    def __init__(self, generation: Path, hold: int | None = None) -> None:
        self.path = generation
        with reading(generation):
            super().__init__(SharedFileStorage(str(generation)), indexname=MAIN)
        self._hold = weakref.finalize(self, os.close, hold) if hold is not None else None

    def close(self) -> None:
        super().close()
        if self._hold is not None:
            self._hold()

    def _read_toc(self) -> Any:
        with reading(self.path):
            return super()._read_toc()

    def reader(self, reuse: Any = None) -> Any:
        # A searcher opens its reader here too.
        with reading(self.path):
            return super().reader(reuse)


def open_generation(path: Path) -> Index:
    """A generation's index for reading, the generation held until it is closed or collected.

    The holding is a shared lock on the generation's folder, which `clean`
    respects: it removes only generations nobody holds. The lock goes with
    the `Index` object (its searchers keep it alive), so a reader of an old
    generation keeps it while any of its searchers is in use. Raises
    FileNotFoundError when the generation is gone (`clean` removed it just
    before): the caller looks at `current` again.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        if not (path / BUILD_INFO).exists():
            raise FileNotFoundError(errno.ENOENT, "generation removed", str(path))
        return _CheckedIndex(path, hold=fd)
    except BaseException:
        os.close(fd)
        raise


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
        """The current generation's index, held against `clean` while it lives."""
        return self.open_current()[1]

    def open_current(self) -> tuple[Path, Index]:
        """The current generation and its index (held against `clean` while it lives)."""
        while True:
            generation = self.require_current()
            try:
                return generation, open_generation(generation)
            except FileNotFoundError:
                if self.current() == generation:
                    raise
                # Replaced and removed between reading `current` and opening it.

    def state_key(self) -> tuple[str, int] | None:
        """The served generation and its latest commit: every update or rebuild changes it."""
        if self.current() is None:
            return None
        current, ix = self.open_current()
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
        atomic_write(generation / BUILD_INFO, json.dumps(info, indent=2, sort_keys=True))

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
        (path / BUILDING).write_text(json.dumps(ProcessId.current().to_dict()))
        whoosh_index.create_in(str(path), build_schema())
        return path

    def publish(self, generation: Path, info: dict[str, Any]) -> None:
        """Make a finished generation the served one, atomically."""
        self.write_info(generation, info)
        (generation / BUILDING).unlink(missing_ok=True)
        for path in generation.iterdir():
            fsync_file(path)
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

    def clean(self) -> list[Path]:
        """Remove the generations nobody serves or reads any more, and abandoned half-built ones.

        Kept: the current generation, every generation a reader still holds
        (a server that opened it just before a swap: see `open_generation`),
        and generations being built by a process that still runs. At the
        Reuters import's size every other one is 74 MB of disk.

        In the current generation, Whoosh removes a segment's files (its
        stored facet arrays too) when a commit drops the segment; what is
        left here is the temporary file of a process killed while it stored
        facet arrays (`indexer.embedded.index.facet_arrays`).
        """
        current = self.current()
        if current is not None:
            remove_stale_temporaries(current)
        removed = []
        for generation in self.generations():
            if generation == current:
                continue
            building = generation / BUILDING
            if building.exists() and _builder_alive(building):
                continue
            try:
                fd = os.open(generation, os.O_RDONLY)
            except OSError:
                continue
            try:
                # Readers hold a shared lock on the folder: taken, nobody reads it.
                if not _try_flock(fd):
                    continue
                shutil.rmtree(generation, ignore_errors=True)
            finally:
                os.close(fd)
            removed.append(generation)
        return removed

    @contextlib.contextmanager
    def write_lock(
        self, wait_message: Callable[[str], None] | None = None, timeout: float | None = None
    ) -> Iterator[None]:
        """Hold the index's write lock; call `wait_message(holder)` once if another writer has it.

        The holder (pid, start time, command, since when) is written into the
        lock file, for the waiting writer's message and to recognise a stale
        lock: one whose holder has died while another process (a worker it
        forked) still has the file open, so that the kernel keeps it locked.
        Such a lock file is removed and a fresh one taken.

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
        handle = self._lock(wait_message, timeout)
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
            with self._guard():
                # A lock that ends normally leaves no holder behind to be mistaken for it.
                handle.truncate(0)
                handle.flush()
                _HELD_LOCKS.discard(handle.fileno())
                fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def _lock(self, wait_message: Callable[[str], None] | None, timeout: float | None) -> Any:
        """The write lock's file, locked by this process and naming it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        told = False
        path = self.root / LOCK
        while True:
            # Every try, its outcome and the holder's record are decided under the
            # guard: what a waiter reads there is the record of the lock's holder.
            with self._guard():
                handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (returned open)
                locked = False
                try:
                    # A file replaced meanwhile is no longer the lock (closing unlocks it).
                    locked = _try_flock(handle) and _same_file(handle, path)
                    if locked:
                        handle.truncate(0)
                        handle.write(json.dumps(_holder_record()))
                        handle.flush()
                        _HELD_LOCKS.add(handle.fileno())
                        return handle
                finally:
                    if not locked:
                        handle.close()
                holder = _read_holder(path)
                owner = ProcessId.from_dict(holder)
                if owner is not None and not owner.alive():
                    # Its holder is gone; whoever still has the file open is an
                    # orphan of it (a forked worker). A new file is a new lock.
                    path.unlink(missing_ok=True)
                    continue
            if not told and wait_message is not None:
                wait_message(describe_holder(holder))
                told = True
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"the index is being written by {describe_holder(holder)}")
            time.sleep(0.1)

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """A short lock around taking, releasing and replacing the write lock (on the folder)."""
        fd = os.open(self.root, os.O_RDONLY)
        try:
            _HELD_LOCKS.add(fd)
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            _HELD_LOCKS.discard(fd)
            os.close(fd)

    def size_bytes(self, generation: Path | None = None) -> int:
        generation = generation or self.require_current()
        return sum(p.stat().st_size for p in generation.iterdir() if p.is_file())


# File descriptors of locks this process holds: a forked child lets go of its
# copies at once (see _let_go_in_child).
_HELD_LOCKS: set[int] = set()

# The index folders whose write lock this thread holds.
_HELD = threading.local()


def _let_go_in_child() -> None:
    """In a forked child: drop the inherited descriptors of this process's locks.

    flock belongs to the open file, which a fork shares: a child that kept
    the descriptor would hold the lock after its parent died. /dev/null takes
    the descriptor's place, so that the parent's file object, closed later in
    the child, closes that and not a file the child opened meanwhile.
    """
    if not _HELD_LOCKS:
        return
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        for fd in list(_HELD_LOCKS):
            with contextlib.suppress(OSError):
                os.dup2(null, fd)
    finally:
        os.close(null)
    _HELD_LOCKS.clear()


os.register_at_fork(after_in_child=_let_go_in_child)


def _try_flock(handle: Any) -> bool:
    """Lock a file (or folder) exclusively if nobody else has it locked."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EAGAIN, errno.EACCES):
            raise
        return False
    return True


def _same_file(handle: Any, path: Path) -> bool:
    """Whether the open file is still the one at `path` (not removed or replaced)."""
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(handle.fileno())
    return (named.st_dev, named.st_ino) == (mine.st_dev, mine.st_ino)


def _holder_record() -> dict[str, Any]:
    return {
        **ProcessId.current().to_dict(),
        "command": this_command(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _read_holder(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def describe_holder(holder: dict[str, Any] | None) -> str:
    """Who holds the write lock, for a waiting writer: pid, command and since when."""
    owner = ProcessId.from_dict(holder)
    if holder is None or owner is None:
        return "another process"
    command = holder.get("command") or command_line(owner.pid) or "?"
    since = holder.get("since") or "?"
    return f"process {owner.pid} ({command}), since {since}"


def _builder_alive(marker: Path) -> bool:
    """Whether the process that is building a generation still runs (not another of its pid)."""
    try:
        text = marker.read_text("utf-8").strip()
        owner = ProcessId.from_dict(json.loads(text))
    except (OSError, ValueError):
        return False
    return owner is not None and owner.alive()


# How long before a full look at the index folder its write lock file must
# have last changed for `LiveIndex` to trust that file's status alone until it
# changes again. File times are coarse (a kernel tick), so a change made just
# after a look could otherwise carry the time of the change before it.
SETTLED = 0.1


class LiveIndex:
    """The index as a long-running server sees it: always the current generation.

    A rebuild swaps `current`; the next call opens the new generation. Old
    `Index` objects are left to readers that still hold them. Safe to share
    between threads: a search and a health check may ask at once.

    Every request asks which state is current. A full look (the `current`
    link, its `build.json`, the latest Whoosh table of contents: a listdir)
    costs 15 µs; one `stat` of the write lock file costs 2. Every write, of
    any process, takes the write lock and lets go of it, rewriting the file
    both times (`IndexLocation.write_lock`), so while the file's status is the
    one seen at the last full look, nothing was written since: the answer of
    that look stands. An upload this process answered let go of the lock
    before its answer, so the next request looks again.
    """

    def __init__(self, location: IndexLocation) -> None:
        self.location = location
        self._generation: Path | None = None
        self._ix: Index | None = None
        self._lock = threading.Lock()
        # The last full look's answer, and the lock file's status it stands for
        # (None: look again next time).
        self._known: tuple[str, Index, int] | None = None
        self._seen: tuple[int, ...] | None = None

    def state(self) -> tuple[str, Index, int]:
        """The current generation's name, its index and its latest table of contents' number."""
        with self._lock:
            looked = time.time()
            seen = self._lock_status()
            if self._known is not None and seen is not None and seen == self._seen:
                return self._known
            generation = self.location.require_current()
            if self._ix is None or generation != self._generation:
                # The old generation's index is dropped, not closed: its searchers may
                # be in use still, and hold it (and the generation) until they are done.
                self._generation, self._ix = self.location.open_current()
            self._known = (self._generation.name, self._ix, self._ix.latest_generation())
            # Trusted next time only if the file had settled before this look.
            settled = seen is not None and seen[-1] < (looked - SETTLED) * 1e9
            self._seen = seen if settled else None
            return self._known

    def _lock_status(self) -> tuple[int, ...] | None:
        """What changes in the write lock file's status whenever a writer takes or leaves it."""
        try:
            status = os.stat(self.location.root / LOCK)
        except OSError:
            return None
        return (status.st_ino, status.st_size, status.st_ctime_ns, status.st_mtime_ns)

    def opened(self) -> tuple[str, Index]:
        """The current generation's name and its index, read together."""
        name, ix, _ = self.state()
        return name, ix

    def get(self) -> Index:
        return self.opened()[1]

    @property
    def generation(self) -> str:
        return self.opened()[0]

    def close(self) -> None:
        with self._lock:
            if self._ix is not None:
                self._ix.close()
            self._ix = None
            self._generation = None
            self._known = self._seen = None
