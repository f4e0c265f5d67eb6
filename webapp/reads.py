"""Read requests: run on a few threads of their own, and share what one request holds.

A handler that reads the archive is plain (blocking) code, so it runs on a
thread. Not on any of the pool's 40: on one of the worker's reading threads
(`Settings.read_thread_count`, one per core the worker has), and a request
beyond them waits in the event loop for one to be free, first come first
served. Python runs one thread of a process at a time: with a thread per
request, dozens of threads waited for a search turn and took the GIL from
each other, each hand-over a wake-up of another thread, and a worker spent
a fifth more CPU on a request (bench/load.py: 4.8 against 3.6-3.9 ms) while
its cores sat idle between hand-overs. Writes, health checks and the rest
keep the shared pool, so an upload waiting for the write lock holds no
reading thread, and `/healthz` answers while every reader is busy.

A page reads the archive two to four times (an article, its related
articles, the words to mark). Within `reads`, a handler's reads share one
search turn and one index state of the embedded backend (`Backend.serving`):
it sees one state of the index throughout. Only for handlers that read: a
write in the block would not see its own result.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TypeVar

from anyio import CapacityLimiter, to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from indexer.archive.backend import Backend
from indexer.settings import Settings

Handler = Callable[[Request], Response]
Endpoint = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


def reads(handler: Handler) -> Endpoint:
    """`handler` as an endpoint: on a reading thread, its reads in one request's span."""

    def in_span(request: Request) -> Response:
        backend: Backend = request.app.state.backend
        with backend.serving():
            return handler(request)

    @functools.wraps(handler)
    async def read(request: Request) -> Response:
        return await on_reading_thread(request.app, in_span, request)

    return read


async def on_reading_thread(app: Starlette, work: Callable[..., T], *args: object) -> T:
    """`work(*args)` on one of the app's reading threads, once one is free."""
    return await to_thread.run_sync(work, *args, limiter=_limiter(app))


def _limiter(app: Starlette) -> CapacityLimiter:
    # Made on first use, in the event loop it then belongs to (one per worker).
    limiter: CapacityLimiter | None = getattr(app.state, "reading_threads", None)
    if limiter is None:
        settings: Settings = app.state.settings
        limiter = CapacityLimiter(settings.read_thread_count)
        app.state.reading_threads = limiter
    return limiter
