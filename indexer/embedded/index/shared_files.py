"""Index files that many threads read at once, each thread at its own position.

Whoosh reads a file by moving its position and reading on (`seek`, then
`read`, or `read_varint` a byte at a time), and a searcher opens each file
once and shares it between every read of every query: postings, the term
dictionary, stored fields and columns. Two threads reading through one
searcher at once would move each other's position and read each other's
bytes, so the search core used to hold one lock around every read.

Here a file is mapped into memory once and read by slicing the map (which
moves no shared position), and each thread keeps its own position in it:
Whoosh's seek-then-read sequences stay correct per thread, with no lock. The
sub-files of a compound segment (a `.seg` holds all of a segment's files) are
windows on their segment's map.

A map, not `os.pread`: each `pread` is a system call that lets the GIL go
and takes it again, and under load taking it again waited behind the other
threads (the reads were 9.7 % of a loaded worker's samples, read ahead a
kilobyte at a time already). A slice of a map is a copy in memory, under the
GIL. Not Whoosh's own mmap path either: it reads a mapped file through a
BytesIO, which copies the whole file (see `store._CheckedIndex`).

A mapped file truncated under a reader would kill the process (SIGBUS);
index files are never changed once written (updates write new files, and
files are replaced by renaming), so none is truncated while it is open. A
file damaged before it is opened is only shorter: reads past its end come
back short and Whoosh raises, as it did with `pread`.
"""

from __future__ import annotations

import mmap
import os
import sys
import threading
import weakref
from array import array
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile


class Descriptor:
    """An open file mapped into memory, shared by its windows; closed once (or when collected)."""

    def __init__(self, path: str) -> None:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            self.size = os.fstat(fd).st_size
            # An empty file cannot be mapped; it has nothing to read either.
            self.map = mmap.mmap(fd, 0, access=mmap.ACCESS_READ) if self.size else b""
        finally:
            os.close(fd)  # the map keeps the file
        self.closed = False
        # A reader dropped unclosed must not keep its map for ever.
        self._close = weakref.finalize(self, _unmap, self.map)

    def close(self) -> None:
        self.closed = True
        self._close()


def _unmap(mapped: mmap.mmap | bytes) -> None:
    if isinstance(mapped, mmap.mmap):
        mapped.close()


class Window:
    """A part of an open file, read from its map at each thread's own position.

    Closing the window of a whole file closes its map; a compound segment's
    sub-files close with their segment (their close is a no-op).
    """

    __slots__ = ("_file", "_length", "_owner", "_positions", "_start")

    def __init__(self, file: Descriptor, start: int, length: int, *, owner: bool = False) -> None:
        self._file = file
        self._start = start
        self._length = length
        self._positions = threading.local()
        self._owner = owner

    @property
    def closed(self) -> bool:
        return self._file.closed

    def tell(self) -> int:
        at: int = getattr(self._positions, "at", 0)
        return at

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            at = offset
        elif whence == os.SEEK_CUR:
            at = self.tell() + offset
        elif whence == os.SEEK_END:
            at = self._length + offset
        else:
            raise ValueError(f"invalid whence {whence!r}")
        self._positions.at = at
        return at

    def read(self, size: int | None = -1) -> bytes:
        at = self.tell()
        data = self.get(at, self._length - at if size is None or size < 0 else size)
        self._positions.at = at + len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        at = self.tell()
        line = b""
        while not line.endswith(b"\n") and (size is None or size < 0 or len(line) < size):
            chunk = self.get(at + len(line), 256)
            if not chunk:
                break
            end = chunk.find(b"\n")
            line += chunk if end < 0 else chunk[: end + 1]
        if size is not None and size >= 0:
            line = line[:size]
        self._positions.at = at + len(line)
        return line

    def get(self, position: int, length: int) -> bytes:
        """`length` bytes from `position` (fewer at the end), without moving any position."""
        if self._file.closed:
            raise ValueError("read of a closed file")
        length = min(length, self._length - position)
        if length <= 0:
            return b""
        start = self._start + position
        return self._file.map[start : start + length]

    def window(self, position: int, length: int) -> Window:
        """A part of this window, sharing its map."""
        return Window(self._file, self._start + position, length)

    def close(self) -> None:
        if self._owner:
            self._file.close()


class SharedFile(StructFile):  # type: ignore[misc]
    """Whoosh's structured file over a `Window`: positional reads go straight to the map."""

    file: Window

    def subset(self, offset: int, length: int, name: str | None = None) -> SharedFile:
        # A compound segment's sub-file (`CompoundStorage.open_file` asks for it).
        return SharedFile(self.file.window(offset, length), name=name or self._name)

    def get(self, position: int, length: int) -> bytes:
        return self.file.get(position, length)

    def get_array(self, position: int, typecode: str, length: int) -> array[Any]:
        # StructFile's seeks first, then reads: through `get`, no position moves.
        values = array(typecode)
        values.frombytes(self.get(position, length * values.itemsize))
        if sys.byteorder == "little":
            values.byteswap()  # Whoosh writes big-endian
        return values


class SharedFileStorage(FileStorage):  # type: ignore[misc]
    """A folder of index files whose open files threads may read at once (see the module)."""

    def __init__(self, path: str) -> None:
        # Whoosh's own mmap path is off: it copies each file through a BytesIO.
        super().__init__(path, supports_mmap=False)

    def open_file(self, name: str, **kwargs: Any) -> SharedFile:
        file = Descriptor(self._fpath(name))
        return SharedFile(Window(file, 0, file.size, owner=True), name=name, **kwargs)
