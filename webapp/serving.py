"""How `vindex serve` runs uvicorn: whom it believes, how many connections it keeps, what it logs.

Forwarded headers (`X-Forwarded-For`, `X-Forwarded-Proto`) name the client
only when they come from a proxy the operator named (VINDEX_TRUSTED_PROXIES):
uvicorn believes them from 127.0.0.1 by default, so any local client, or any
client of a proxy that passes the header on, could be whoever it liked to the
editor's throttle.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
import resource
import threading
import time
from typing import Any

import h11
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is not installed: h11 serves
    HttpToolsProtocol = None  # type: ignore[assignment, misc]

from indexer.settings import Settings
from indexer.system.logs import JsonFormatter, logging_config

# The shortest editor token `vindex serve` accepts: 16 characters from
# secrets.token_urlsafe are 96 bits, beyond guessing at any rate the throttle allows.
MIN_TOKEN_LENGTH = 16


def token_problem(token: str) -> str | None:
    """Why the editor token cannot guard a server, or None."""
    if len(token.strip()) < MIN_TOKEN_LENGTH:
        return (
            f"VINDEX_EDITOR_TOKEN is too short ({len(token.strip())} characters): use at least "
            f"{MIN_TOKEN_LENGTH}, or leave it unset to have one generated"
        )
    return None


def uvicorn_options(settings: Settings, open_files: int) -> dict[str, Any]:
    """The keyword arguments of uvicorn.run that follow from the settings.

    `open_files` is the limit of open files each worker inherits.
    """
    proxies = settings.trusted_proxy_list
    return {
        # Without trusted proxies the connection's own address is the client.
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": ",".join(proxies) if proxies else "",
        "http": http_protocol(),
        "loop": "webapp.listening:worker_loop",
        "limit_concurrency": connection_limit(settings.max_connections, open_files),
        "log_config": log_config(settings.log_format),
    }


# -- connections -----------------------------------------------------------------

# Open files a worker keeps for itself beyond its connections: the index's
# segment files, the auth store, logs, the writer's files.
FILES_RESERVED = 256
NO_FILE_LIMIT = 1 << 30
# Bytes of request headers a connection may send before they end: h11's own
# limit (uvicorn's default), kept for httptools, which has none.
MAX_HEADER_BYTES = 16 * 1024
log = logging.getLogger("uvicorn.error")


def raise_file_limit() -> int:
    """Raise the soft limit of open files to the hard one; the limit now in force.

    Each connection is a file: with a soft limit of 1,024 (a common default)
    a flood of idle connections ran the server out of them, and accept()
    failed in a loop (one traceback per try: 38 MB of log in 25 s).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    # No limit at all: no reason to keep fewer connections than asked.
    return NO_FILE_LIMIT if soft == resource.RLIM_INFINITY else soft


def connection_limit(wanted: int, open_files: int) -> int:
    """`wanted` connections, or fewer if the files a process may open cannot hold them."""
    room = max(open_files - FILES_RESERVED, open_files // 2)
    return max(2, min(wanted, room))


class Guarded:
    """Two guards against connections that send nothing, for either of uvicorn's HTTP protocols.

    A connection must send a request's headers within the header timeout
    (uvicorn times only the idle wait between requests, and no header read:
    a client sending nothing, or a byte now and then, kept its connection for
    ever). And a worker keeps at most `limit_concurrency` connections: beyond
    it a new connection closes the one that has been waiting longest for a
    request, so idle sockets cannot crowd out clients that ask something
    (uvicorn's own check answers 503 only when all of them are busy).

    Mixed in before uvicorn's protocol class, whose transport, loop, cycle,
    connection set and limit it uses; `_waiting` is the protocol's own.
    """

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    connections: set[Any]
    limit_concurrency: int | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = float(_settings().header_timeout)
        self._header_timer: asyncio.TimerHandle | None = None
        # When it began waiting for a request's headers; None while one is served.
        self.waiting_since: float | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._update()
        self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        self.waiting_since = None
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        self._update()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._update(between_requests=True)

    def _waiting(self) -> bool:
        """Waiting for a request's headers: none in progress, none read whole yet."""
        raise NotImplementedError

    def _update(self, between_requests: bool = False) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if not self._waiting():
            self._cancel_header_timer()
            self.waiting_since = None
            return
        if self.waiting_since is None:
            self.waiting_since = time.monotonic()
        # Between requests uvicorn's keep-alive timeout applies until a byte comes.
        if self._header_timer is None and not between_requests:
            self._header_timer = self.loop.call_later(self._header_timeout, self._headers_late)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self._waiting() and not self.transport.is_closing():
            self.close_idle()

    def close_idle(self) -> None:
        self._cancel_header_timer()
        self.waiting_since = None
        self.connections.discard(self)
        self.transport.close()

    def _make_room(self) -> None:
        limit = self.limit_concurrency
        if limit is None or len(self.connections) < limit:
            return
        waiting = [
            c
            for c in self.connections
            if isinstance(c, Guarded) and c is not self and c.waiting_since is not None
        ]
        waiting.sort(key=lambda c: c.waiting_since or 0.0)
        # uvicorn answers 503 when the connections reach the limit: stay below it.
        excess = len(self.connections) - limit + 1
        for victim in waiting[:excess]:
            victim.close_idle()
        if waiting:
            log.warning("%d connections open: closing the longest idle ones", limit)


class BoundedH11Protocol(Guarded, H11Protocol):
    """uvicorn's pure-Python HTTP/1.1 protocol (h11) with the guards: the fallback."""

    def _waiting(self) -> bool:
        idle_cycle = self.cycle is None or self.cycle.response_complete
        return bool(self.conn.their_state is h11.IDLE and idle_cycle)


if HttpToolsProtocol is not None:

    class BoundedHttpToolsProtocol(Guarded, HttpToolsProtocol):
        """uvicorn's protocol on httptools (llhttp, in C) with the guards, and a header limit.

        h11 refuses headers beyond 16 KiB; llhttp takes any amount, so the bytes
        of headers not yet ended are counted here and a 400 closes the
        connection beyond `MAX_HEADER_BYTES`.
        """

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._header_bytes = 0

        def _waiting(self) -> bool:
            # The cycle is made when a request's headers end: until then the last
            # one (complete) or none is current.
            idle_cycle = self.cycle is None or self.cycle.response_complete
            return bool(idle_cycle and not self.pipeline)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.transport.is_closing():
                return
            if not self._waiting():
                self._header_bytes = 0
                return
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._cancel_header_timer()
                self.send_400_response("Request headers too large.")


def http_protocol() -> str:
    """The HTTP protocol class for uvicorn: on httptools when it is installed, else on h11.

    httptools parses in C: a bare route answered in 0.21 ms instead of 0.36 ms
    (uvloop both, one keep-alive client, this machine).
    """
    if HttpToolsProtocol is not None:
        return f"{__name__}:BoundedHttpToolsProtocol"
    return f"{__name__}:BoundedH11Protocol"


@functools.cache
def _settings() -> Settings:
    """The worker's settings (`vindex serve` hands them over in VINDEX_* variables)."""
    return Settings.from_env()


# -- logs ------------------------------------------------------------------------


class RepeatFilter(logging.Filter):
    """Lets a warning or error through once per `interval` seconds; its repeats are counted.

    Records are the same when logger, level, the message's first line and
    arguments, and the exception's type are: a failure that repeats (accept() out of files,
    invalid requests from a flood) is logged once and then summed up, instead
    of filling the disk. Records below WARNING always pass.
    """

    def __init__(self, interval: float = 60.0, max_kinds: int = 1000) -> None:
        super().__init__()
        self.interval = interval
        self.max_kinds = max_kinds
        self._seen: dict[tuple[Any, ...], list[float]] = {}  # key -> [last shown, repeats since]
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        error = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else None
        # The first line: asyncio's messages go on with the handle, whose time varies.
        first_line = str(record.msg).split("\n", 1)[0]
        key = (record.name, record.levelno, first_line, repr(record.args), error)
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None and now - seen[0] < self.interval:
                seen[1] += 1
                return False
            if len(self._seen) >= self.max_kinds:
                self._seen.clear()
            self._seen[key] = [now, 0]
        if seen is not None and seen[1]:
            record.msg = (
                f"{record.msg} [{int(seen[1])} more like this in the last {self.interval:g} s]"
            )
        return True


class AccessJsonFormatter(JsonFormatter):
    """uvicorn's access lines as JSON, with the request's parts as fields of their own."""

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        fields = super().fields(record)
        # uvicorn's HTTP protocols log (client, method, path, HTTP version, status).
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, _version, status = record.args
            fields.update(client=client, method=method, path=path, status=status)
        return fields


def log_config(log_format: str = "text", interval: float = 60.0) -> dict[str, Any]:
    """uvicorn's logging and Vindex's in one format, repeats filtered, asyncio's errors in it."""
    config = logging_config(log_format, copy.deepcopy(LOGGING_CONFIG))
    if log_format == "json":
        config["formatters"]["access"] = {"()": f"{__name__}.AccessJsonFormatter"}
    config["filters"] = {"repeats": {"()": f"{__name__}.RepeatFilter", "interval": interval}}
    for handler in ("default", "vindex"):
        config["handlers"][handler]["filters"] = ["repeats"]
    config["loggers"]["asyncio"] = {"handlers": ["default"], "level": "WARNING", "propagate": False}
    return config
