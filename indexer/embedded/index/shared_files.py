"""Index files that many threads read at once, each thread at its own position.

Whoosh reads a file by moving its position and reading on (`seek`, then
`read`, or `read_varint` a byte at a time), and a searcher opens each file
once and shares it between every read of every query: postings, the term
dictionary, stored fields and columns. Two threads reading through one
searcher at once would move each other's position and read each other's
bytes, so the search core used to hold one lock around every read.

Here a file is one descriptor read with `os.pread` (which takes its offset
as an argument and moves no shared position), and each thread keeps its own
position in it: Whoosh's seek-then-read sequences stay correct per thread,
with no lock. The sub-files of a compound segment (a `.seg` holds all of a
segment's files) are windows on their segment's descriptor.

Not mmap: Whoosh reads a memory-mapped file through a BytesIO, which copies
the whole file (see `store._CheckedIndex`); and a mapped file that is
truncated under a reader kills the process (SIGBUS) where a short read only
raises.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from array import array
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

# Bytes read at once for a short read, kept per thread and window: Whoosh reads
# a term's hash slots, a block's header and varints a few bytes at a time, and
# a `pread` for each (a system call, and the GIL let go and taken again, which
# under load waited behind the other threads) was 9 % of a worker's samples.
# Index files are never changed once written, so what was read ahead stays true.
READ_AHEAD = 1024


class Descriptor:
    """An open file's descriptor, shared by its windows; closed once (or when collected)."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        self.closed = False
        # A reader dropped unclosed must not keep its descriptor for ever (a
        # Python file would close itself when collected; a bare number does not).
        self._close = weakref.finalize(self, os.close, self.fd)

    def close(self) -> None:
        self.closed = True
        self._close()


class Window:
    """A part of an open file, read with `pread` at each thread's own position.

    Closing the window of a whole file closes its descriptor; a compound
    segment's sub-files close with their segment (their close is a no-op).
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
            # Its number may already name another file: never read through it.
            raise ValueError("read of a closed file")
        length = min(length, self._length - position)
        if length <= 0:
            return b""
        local = self._positions
        ahead: tuple[int, bytes] | None = getattr(local, "ahead", None)
        if ahead is not None:
            offset = position - ahead[0]
            if offset >= 0 and offset + length <= len(ahead[1]):
                return ahead[1][offset : offset + length]
        if length >= READ_AHEAD:
            return os.pread(self._file.fd, length, self._start + position)
        chunk = os.pread(
            self._file.fd, min(READ_AHEAD, self._length - position), self._start + position
        )
        local.ahead = (position, chunk)
        return chunk[:length]

    def window(self, position: int, length: int) -> Window:
        """A part of this window, sharing its descriptor."""
        return Window(self._file, self._start + position, length)

    def close(self) -> None:
        if self._owner:
            self._file.close()


class SharedFile(StructFile):  # type: ignore[misc]
    """Whoosh's structured file over a `Window`: positional reads go straight to `pread`."""

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
        try:
            length = os.fstat(file.fd).st_size
        except BaseException:
            file.close()
            raise
        return SharedFile(Window(file, 0, length, owner=True), name=name, **kwargs)
