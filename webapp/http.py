"""HTTP manners: strict query strings, ETags and cache headers, body limits.

Every answer of the read API depends only on the index state and the request,
so its ETag is a hash of the two (and of this code's API version): a client
that sends `If-None-Match` gets a 304 before any search runs. Request bodies
beyond a limit are refused with 413 before they are read. `webapp.layer`
applies the limit, CORS (granted to the read paths here, the configured
origins, GET and HEAD) and gzip (with the size and level here) to every
request.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapp.errors import (
    BadBody,
    BadParameter,
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMediaType,
)
from webapp.responses import JSONResponse

# Changes whenever the shape of an answer changes, so that cached answers of
# an older version do not validate against a newer server.
API_VERSION = "1"
# Paths that browsers on other origins may read (CORS).
CORS_PATHS = ("/api/", "/openapi.json", "/healthz", "/readyz", "/search.atom")
# Bodies below this size are not worth compressing.
GZIP_MINIMUM = 1024
# The fastest level: a 17 KB search answer in 0.11 ms instead of 0.18 ms at
# level 6 (0.25 ms at 9), for 4.2 KB instead of 3.8 KB on the wire.
GZIP_LEVEL = 1

Loader = Callable[[], Response]


# -- query strings -----------------------------------------------------------


def query_params(request: Request) -> QueryParams:
    """The query parameters, refusing bytes that are not UTF-8 once percent-decoded.

    Starlette replaces such bytes with U+FFFD, which would then be searched for;
    a client that sent `q=%ff` made a mistake and is told so, naming `q`.
    """
    raw: bytes = request.scope.get("query_string", b"")
    pairs: list[tuple[str, str]] = []
    for chunk in raw.split(b"&"):
        if not chunk:
            continue
        key, _, value = chunk.partition(b"=")
        name = _decode(key, None)
        pairs.append((name, _decode(value, name)))
    return QueryParams(pairs)


def _decode(raw: bytes, param: str | None) -> str:
    data = unquote_to_bytes(raw.replace(b"+", b" "))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        name = param if param is not None else data.decode("utf-8", "replace")
        raise BadParameter(name, "not valid UTF-8 once percent-decoded") from None


# -- conditional requests ------------------------------------------------------


def etag(request: Request, version: str) -> str:
    """A weak ETag (gzip changes the bytes, not the meaning) of the request in an index state."""
    key = "\n".join(
        (API_VERSION, version, request.url.path, request.scope.get("query_string", b"").decode())
    )
    return 'W/"' + hashlib.blake2b(key.encode(), digest_size=12).hexdigest() + '"'


def is_fresh(request: Request, tag: str) -> bool:
    """Whether the client's If-None-Match already names this ETag (weak comparison)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    wanted = tag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def conditional(request: Request, version: str, load: Loader, max_age: int = 60) -> Response:
    """The answer of `load`, or a 304 when the client holds it; with ETag and Cache-Control."""
    tag = etag(request, version)
    headers = {"ETag": tag, "Cache-Control": f"public, max-age={max_age}"}
    if is_fresh(request, tag):
        return Response(status_code=304, headers=headers)
    response = load()
    response.headers.update(headers)
    return response


# -- request bodies ------------------------------------------------------------


def loads_json(text: str | bytes) -> Any:
    """`json.loads`, where nesting too deep for the parser is malformed JSON like any other."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply to be read") from None


def media_type(request: Request, accepted: tuple[str, ...]) -> str:
    """The body's media type (Content-Type without its parameters), 415 unless `accepted`."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in accepted:
        raise UnsupportedMediaType(kind, accepted)
    return kind


async def read_json_object(request: Request, limit: int) -> dict[str, Any]:
    """A JSON object body: 415 for another content type, 413 beyond `limit`, 422 if unusable."""
    media_type(request, ("application/json",))
    declared = request.headers.get("content-length", "")
    if ascii_digits(declared) and int(declared) > limit:
        raise PayloadTooLarge(limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(limit)
    try:
        data = loads_json(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unprocessable(f"The body is not valid UTF-8 JSON: {exc}") from None
    if not isinstance(data, dict):
        raise Unprocessable("The body must be a JSON object of search parameters.")
    return data


def ascii_digits(text: str) -> bool:
    """A whole number as HTTP writes one: ASCII digits only.

    `str.isdigit` also takes '²' (headers are read as Latin-1), which `int()`
    refuses: a Content-Length, a cookie's time or a `limit` would raise.
    """
    return text.isascii() and text.isdigit()


# zlib window bits per accepted Content-Encoding: a gzip header (16 + 15), or zlib's "deflate".
_WBITS = {"gzip": 31, "x-gzip": 31, "deflate": 15}


class BodyLimit:
    """Request bodies within the limit, and inflated when sent compressed.

    A declared Content-Length beyond the limit is refused (413) before the app
    runs; a chunked body is counted as it arrives and cut off when it passes
    the limit. Editors may compress a large batch of articles with
    `Content-Encoding: gzip` (or deflate): the body is inflated as it arrives,
    never more than the limit plus one byte at a time, so a small body that
    inflates to gigabytes (a zip bomb) is refused with 413 after at most
    `limit` bytes. Broken compressed data is a 400; other encodings a 415. The
    app sees the plain body, without the encoding and length headers.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None and not ascii_digits(declared):
            # Refused here, not by `int()` below: a server that passes such a header on
            # (h11 does not) made that a 500.
            message = "Content-Length must be a number of bytes in ASCII digits."
            await _error(400, message, "Content-Length")(scope, receive, send)
            return
        if declared is not None and int(declared) > self.limit:
            await _too_large(self.limit)(scope, receive, send)
            return
        encoding = headers.get("content-encoding", "").strip().lower()
        if encoding not in ("", "identity", *_WBITS):
            message = f"Content-Encoding {encoding!r} is not accepted; send the body plain or gzip."
            await _error(415, message, "Content-Encoding")(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise PayloadTooLarge(self.limit)
            return message

        if encoding in ("", "identity"):
            await self.app(scope, counting_receive, send)
        else:
            await self.app(*self._inflating(scope, counting_receive, encoding), send)

    def _inflating(self, scope: Scope, receive: Receive, encoding: str) -> tuple[Scope, Receive]:
        """The scope without encoding and length, and a receive that gives the plain body."""
        inflater = zlib.decompressobj(_WBITS[encoding])
        size = 0

        async def inflating_receive() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] != "http.request":
                return message
            data = message.get("body", b"")
            more = message.get("more_body", False)
            parts: list[bytes] = []
            try:
                while data:
                    part = inflater.decompress(data, self.limit - size + 1)
                    size += len(part)
                    if size > self.limit:
                        raise PayloadTooLarge(self.limit)
                    parts.append(part)
                    data = inflater.unconsumed_tail
                if not more and not inflater.eof:
                    raise zlib.error("the compressed data ends early")
            except zlib.error as exc:
                raise BadBody(f"The body is not valid {encoding} data: {exc}.") from None
            return {"type": "http.request", "body": b"".join(parts), "more_body": more}

        plain = [
            (name, value)
            for name, value in scope["headers"]
            if name not in (b"content-encoding", b"content-length")
        ]
        return {**scope, "headers": plain}, inflating_receive


def _error(status: int, message: str, param: str | None = None) -> Response:
    error: dict[str, Any] = {"status": status, "message": message}
    if param is not None:
        error["param"] = param
    return JSONResponse({"error": error}, status_code=status, headers={"Connection": "close"})


def _too_large(limit: int) -> Response:
    return _error(413, PayloadTooLarge(limit).detail)
