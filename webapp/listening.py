"""Listening: one socket per worker process, so that the kernel spreads connections evenly.

uvicorn's workers share the one socket their supervisor bound, and whichever
worker wakes first accepts every connection waiting (asyncio accepts up to
a hundred per wake-up): under bench/load.py one worker held 47 connections
and the other 11, and the busier one answered most requests late. With
SO_REUSEPORT each worker listens on a socket of its own bound to the same
address, and the kernel hands each new connection to one of them by a hash
of its addresses.

The supervisor binds a socket with SO_REUSEPORT but never listens on it: it
holds the address while the server runs, and uvicorn hands it to each worker
it starts (and restarts) as ever. Each worker's event loop (`worker_loop`,
uvloop's when installed) replaces it, in `create_server`, by a socket of its
own bound to the same address. A socket that is not shared in this way (one
worker: uvicorn binds its own) is used as it is.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import Any

from webapp import balance

try:
    import uvloop
except ImportError:  # the standard library's loop serves
    uvloop = None  # type: ignore[assignment]


def can_reuse_port() -> bool:
    """Whether the system lets sockets share an address by SO_REUSEPORT (not Windows)."""
    return hasattr(socket, "SO_REUSEPORT")


def check_free(host: str, port: int) -> None:
    """Raises OSError when the address cannot be listened on (taken, or not this host's).

    Only a listening socket refuses this bind (SO_REUSEADDR lets a closing
    connection's address be reused): what uvicorn's own bind would meet.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def address_problem(host: str, port: int, error: OSError) -> str:
    """What to tell an operator whose server cannot listen, with the way out."""
    if error.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is in use (another Vindex, or another server): "
            f"choose another with VINDEX_PORT (VINDEX_PORT={_other(port)} make run) "
            f"or `vindex serve --port {_other(port)}`"
        )
    if error.errno == errno.EACCES:
        return (
            f"no permission to listen on port {port}: ports below 1024 need root; "
            f"choose another with VINDEX_PORT or `vindex serve --port`"
        )
    return f"cannot listen on {host}:{port}: {error.strerror or error}"


def _other(port: int) -> int:
    return port + 1 if port < 65535 else 8000


def supervisor_socket(host: str, port: int) -> socket.socket:
    """The address, bound for the workers to share by SO_REUSEPORT; OSError when taken.

    A plain bind comes first: SO_REUSEPORT lets any process of the same user
    bind the address too, so a second server started on a port in use would
    otherwise start and take a share of the first one's connections. (Only
    a listening socket refuses the plain bind: two servers started within
    the same second could still both start.)
    """
    check_free(host, port)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def is_shared(sock: socket.socket) -> bool:
    """A supervisor's socket (see `supervisor_socket`): SO_REUSEPORT, and nobody listens."""
    level = socket.SOL_SOCKET
    if not can_reuse_port():
        return False
    return bool(
        sock.getsockopt(level, socket.SO_REUSEPORT)
        and not sock.getsockopt(level, socket.SO_ACCEPTCONN)
    )


def own_socket(shared: socket.socket) -> socket.socket:
    """A socket of this worker's own, bound to the shared socket's address (which is closed)."""
    sock = socket.socket(shared.family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(shared.getsockname())
    # This worker's copy only: the supervisor's stays open for the workers it starts later.
    shared.close()
    return sock


class _OwnSocket:
    """`create_server` on a supervisor's shared socket listens on a socket of its own."""

    async def create_server(
        self,
        protocol_factory: Any,
        host: Any = None,
        port: Any = None,
        *,
        sock: socket.socket | None = None,
        **kwargs: Any,
    ) -> asyncio.Server:
        if sock is not None and is_shared(sock):
            sock = own_socket(sock)
            # The run's workers even out their keep-alive connections (webapp.balance).
            protocol_factory = balance.counted(protocol_factory)
        server: asyncio.Server = await super().create_server(  # type: ignore[misc]
            protocol_factory, host, port, sock=sock, **kwargs
        )
        return server


class AsyncioLoop(_OwnSocket, asyncio.SelectorEventLoop):
    """The standard library's event loop, listening on a socket of its own."""


if uvloop is not None:

    class UvLoop(_OwnSocket, uvloop.Loop):  # type: ignore[misc]
        """uvloop's event loop (libuv), listening on a socket of its own."""


def worker_loop() -> asyncio.AbstractEventLoop:
    """The event loop of a worker (uvicorn's `loop` factory): uvloop's when installed.

    uvloop hands work between the event loop and the thread pool that runs
    the views more cheaply: a bare route run in the pool answered in 0.36 ms
    instead of 0.44 ms (h11 both, one keep-alive client, this machine).
    """
    if uvloop is not None:
        return UvLoop()
    return AsyncioLoop()
