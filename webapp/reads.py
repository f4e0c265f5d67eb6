"""Read requests: a handler's reads of the archive share what one request holds.

A page reads the archive two to four times (an article, its related articles,
the words to mark). Wrapped in `reads`, a handler's reads share one search
turn and one index state of the embedded backend (`Backend.serving`): the
request waits for a turn once, not before each read, and sees one state of
the index throughout. Only for handlers that read: a write in the block would
not see its own result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from indexer.archive.backend import Backend

Handler = Callable[[Request], Response]


def reads(handler: Handler) -> Handler:
    """`handler` with its reads in one request's span (still a plain function: run in the pool)."""

    @functools.wraps(handler)
    def read(request: Request) -> Response:
        backend: Backend = request.app.state.backend
        with backend.serving():
            return handler(request)

    return read
