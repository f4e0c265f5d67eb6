"""The app's one middleware layer: security headers, CORS, gzip and request bodies.

Every request passes through it once, and it does only what the request
calls for: bodies are limited (and inflated) only when there is a body, CORS
runs only for another origin's request to a read path, answers are
compressed only when large enough and of a compressible type. It replaced
four layers (SecurityHeaders, ApiCors, Starlette's GZipMiddleware,
BodyLimit), each of which wrapped every request's `send` and parsed its
headers again.

Security headers go on every answer, the 413 of the body limit and CORS
preflights included (`webapp.security` says which and why). Only answers
the app raises as unhandled exceptions (a 500) leave through Starlette's
ServerErrorMiddleware, outside this layer: the error handler adds them
there.
"""

from __future__ import annotations

import time
import zlib
from typing import Any

import anyio.to_thread
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from indexer.settings import Settings
from webapp import balance, metrics
from webapp.http import CORS_PATHS, GZIP_LEVEL, GZIP_MINIMUM, BodyLimit
from webapp.security import HEADERS, STRICT_TRANSPORT_SECURITY

_SECURITY = [(name.lower().encode(), value.encode()) for name, value in HEADERS.items()]
_HSTS = (b"strict-transport-security", STRICT_TRANSPORT_SECURITY.encode())
# uvicorn closes the connection after an answer that says so (see webapp.balance).
_CLOSE = (b"connection", b"close")
# Media types not worth compressing (already compressed) or that must not wait (streams).
_NOT_COMPRESSED = ("image/", "font/woff", "audio/", "video/", "application/zip")
_ALSO_NOT = ("application/gzip", "application/x-gzip", "text/event-stream")
# Bodies at least this large are compressed in a worker thread, not on the event loop.
_THREAD_MINIMUM = 128 * 1024


class Layer:
    """Security headers, CORS for the read API, gzip answers, limited request bodies."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.bodies = BodyLimit(app, settings.max_upload_mb * 1024 * 1024)
        # CORS for the read endpoints only; pages and editor routes stay same-origin.
        self.cors = CORSMiddleware(
            self.bodies,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "HEAD"],
            allow_headers=["If-None-Match", "Accept", "Accept-Language"],
            expose_headers=["ETag", "Content-Disposition", "X-Total-Count"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        gzip = cors = body = False
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                gzip = gzip or b"gzip" in value
            elif name == b"origin":
                cors = True
            elif name in (b"content-length", b"transfer-encoding", b"content-encoding"):
                body = True
        sending = Sending(send, https=scope.get("scheme") == "https", gzip=gzip)
        if cors and scope["path"].startswith(CORS_PATHS):
            app: ASGIApp = self.cors  # then the body limit, then the app
        elif body:
            app = self.bodies
        else:
            app = self.app
        started = time.perf_counter()
        # An exception escaping the app is answered 500 outside this layer.
        status = 500
        try:
            await app(scope, receive, sending.send)
            status = sending.status
        finally:
            metrics.observe(scope, status, time.perf_counter() - started)


def middleware(settings: Settings) -> list[Middleware]:
    """The app's middleware: this one layer."""
    return [Middleware(Layer, settings=settings)]


class Sending:
    """One request's `send`: adds the security headers, compresses when worth it."""

    def __init__(self, send: Send, *, https: bool, gzip: bool) -> None:
        self._send = send
        self.https = https
        self.gzip = gzip
        self.start: Message | None = None
        # The answer's status, for the metrics (500 until one is sent).
        self.status = 500
        # None until the first body message decides; then a compressor or False.
        self.compressor: Any = None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
            self._secure(message)
            if self._may_compress(message):
                self.start = message  # held until the first body shows the size
                return
        elif kind == "http.response.body" and self.start is not None:
            await self._first_body(message)
            return
        elif kind == "http.response.body" and self.compressor:
            message = await self._compressed(message)
        await self._send(message)

    def _secure(self, start: Message) -> None:
        headers = list(start.get("headers", ()))
        present = {name.lower() for name, _ in headers}
        headers += [pair for pair in _SECURITY if pair[0] not in present]
        if self.https and _HSTS[0] not in present:
            headers.append(_HSTS)
        if balance.should_close():
            headers.append(_CLOSE)
        start["headers"] = headers

    @staticmethod
    def _may_compress(start: Message) -> bool:
        if start["status"] in (204, 206, 304):
            return False
        media_type = b""
        for name, value in start["headers"]:
            if name.lower() == b"content-encoding":
                return False
            if name.lower() == b"content-type":
                media_type = value
        kind = media_type.decode("latin-1").partition(";")[0].strip().lower()
        return not kind.startswith(_NOT_COMPRESSED) and kind not in _ALSO_NOT

    async def _first_body(self, message: Message) -> None:
        start, self.start = self.start, None
        assert start is not None
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        if len(body) < GZIP_MINIMUM and not more:
            await self._send(start)
            await self._send(message)
            return
        headers = [(n, v) for n, v in start["headers"] if n.lower() != b"vary"]
        vary = [v for n, v in start["headers"] if n.lower() == b"vary"]
        if not any(b"accept-encoding" in v.lower() for v in vary):
            vary.append(b"Accept-Encoding")
        headers.append((b"vary", b", ".join(vary)))
        if self.gzip:
            self.compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
            headers = [(n, v) for n, v in headers if n.lower() != b"content-length"]
            headers.append((b"content-encoding", b"gzip"))
            message = await self._compressed(message)
            if not more and not start.get("trailers", False):
                headers.append((b"content-length", str(len(message["body"])).encode()))
        start["headers"] = headers
        await self._send(start)
        await self._send(message)

    async def _compressed(self, message: Message) -> Message:
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        if len(body) >= _THREAD_MINIMUM:
            data = await anyio.to_thread.run_sync(self._deflate, body, more)
        else:
            data = self._deflate(body, more)
        return {**message, "body": data}

    def _deflate(self, body: bytes, more: bool) -> bytes:
        data: bytes = self.compressor.compress(body)
        # A streamed part is flushed whole, so the client can read it as it comes.
        tail: bytes = self.compressor.flush(zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH)
        return data + tail
