"""Keep-alive connections balanced over the worker processes of one `vindex serve`.

With SO_REUSEPORT (`webapp.listening`) the kernel hands each new connection
to a worker by a hash of its addresses: even over many short-lived clients,
uneven over a few that keep their connections, such as a proxy's pool of
upstream connections, or bench/load.py's 50 clients (33 against 23 in one
run, 35 against 19 in another). A worker's readers wait in proportion to its
connections, so the busier worker's were 40-80 % slower.

Each worker counts its open connections in its slot of a small file shared
by the run's workers (`Connections`). A worker holding more than its share
(the total over the workers, rounded up) answers one request with
`Connection: close` (`should_close`), at most one every `CLOSE_EVERY`
seconds; the client opens a new connection, which the kernel's hash puts on
either worker. A worker over its share goes on closing until the counts are
even: a connection closed costs its client one new handshake (about 0.1 ms
on the same host), once per move.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import time
from pathlib import Path
from typing import Any

from indexer.system.processes import pid_exists

# Where the run's workers find the file (set by `vindex serve` before it starts them).
CONNECTIONS_FILE = "VINDEX_CONNECTIONS_FILE"
# A slot: the worker's pid (0: free) and its open connections.
SLOT = struct.Struct("=qq")
# A worker over its share closes one connection at most this often: its count
# drops only once the client has read the answer and the connection is gone.
CLOSE_EVERY = 0.05


def create(path: Path, workers: int) -> Path:
    """The shared file of a run with `workers` workers, every slot free."""
    path.write_bytes(bytes(SLOT.size * workers))
    return path


class Connections:
    """This worker's open connections, kept in its slot of the run's shared file."""

    def __init__(self, path: Path, close_every: float = CLOSE_EVERY) -> None:
        self._file = path.open("r+b")
        self.close_every = close_every
        size = os.fstat(self._file.fileno()).st_size
        self._map = mmap.mmap(self._file.fileno(), size)
        self.slots = size // SLOT.size
        self.open = 0
        self._last_close = -float("inf")
        self.slot = self._claim()

    def _claim(self) -> int:
        """A free slot, or that of a worker that died (uvicorn starts another in its place)."""
        fcntl.flock(self._file, fcntl.LOCK_EX)
        try:
            for slot in range(self.slots):
                pid, _count = SLOT.unpack_from(self._map, slot * SLOT.size)
                if pid == 0 or not pid_exists(pid):
                    SLOT.pack_into(self._map, slot * SLOT.size, os.getpid(), 0)
                    return slot
        finally:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        raise RuntimeError("no free slot for this worker's connections")

    def opened(self) -> None:
        self.open += 1
        self._write()

    def closed(self) -> None:
        self.open -= 1
        self._write()

    def _write(self) -> None:
        SLOT.pack_into(self._map, self.slot * SLOT.size, os.getpid(), self.open)

    def counts(self) -> list[int]:
        """Each taken slot's open connections (this worker's too)."""
        counts = []
        for slot in range(self.slots):
            pid, count = SLOT.unpack_from(self._map, slot * SLOT.size)
            if pid:
                counts.append(count)
        return counts

    def over_share(self) -> bool:
        """Whether this worker holds more connections than its even share."""
        counts = self.counts()
        share = -(-sum(counts) // len(counts)) if counts else 0
        return self.open > share

    def should_close(self) -> bool:
        """Whether this answer should close its connection, for another worker to take."""
        now = time.monotonic()
        if now - self._last_close < self.close_every or not self.over_share():
            return False
        self._last_close = now
        return True

    def close(self) -> None:
        """Free the slot (a worker that stops); once closed, nothing more."""
        if self._file.closed:
            return
        SLOT.pack_into(self._map, self.slot * SLOT.size, 0, 0)
        self._map.close()
        self._file.close()


# This worker's, when it runs under a supervisor that made the shared file.
_connections: Connections | None = None


def connections() -> Connections | None:
    """This worker's count, made on first use from the run's shared file (None: none)."""
    global _connections
    if _connections is None and (path := os.environ.get(CONNECTIONS_FILE)):
        _connections = Connections(Path(path))
    return _connections


def counted(protocol_factory: Any) -> Any:
    """`protocol_factory` whose connections this worker counts (as is, with no shared file)."""
    count = connections()
    if count is None:
        return protocol_factory

    def make() -> Any:
        protocol = protocol_factory()
        made, lost = protocol.connection_made, protocol.connection_lost

        def connection_made(transport: Any) -> None:
            count.opened()
            made(transport)

        def connection_lost(exc: Exception | None) -> None:
            count.closed()
            lost(exc)

        protocol.connection_made = connection_made
        protocol.connection_lost = connection_lost
        return protocol

    return make


def should_close() -> bool:
    """Whether this answer should close its connection (False outside a balanced run)."""
    count = _connections
    return count is not None and count.should_close()
