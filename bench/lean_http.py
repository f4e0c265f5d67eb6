"""A lean HTTP/1.1 client for load generation: one keep-alive connection, GETs only.

bench/load.py's readers share the build machine's two cores with the server
they measure. Through httpx each request cost the client 0.8 ms of CPU (its
connection pool, header models, decoding gzip): a fifth of the machine went
to the load generator, not to the server. Here a request is written as bytes
and its answer parsed by httptools (llhttp, the parser uvicorn uses): about
a tenth of that. The body is read whole but not decoded: the readers look at
status codes and ETags only.

Not a general client: no redirects, no proxies, no TLS, no request bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import httptools


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class _Parsing:
    """httptools' callbacks, gathering one answer."""

    def __init__(self) -> None:
        self.answer = Answer(0)
        self._chunks: list[bytes] = []
        self.complete = False
        self.keep_alive = False
        self.parser = httptools.HttpResponseParser(self)

    def on_headers_complete(self) -> None:
        # Only here: once the message is complete the parser has reset, and says False.
        self.keep_alive = self.parser.should_keep_alive()
        self.answer.status = self.parser.get_status_code()

    def on_header(self, name: bytes, value: bytes) -> None:
        self.answer.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        self.answer.body = b"".join(self._chunks)
        self.complete = True


class Connection:
    """GETs over one connection, opened again when the server closed it."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.opened = 0  # connections opened (the first, and each after a close)

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        """The answer to GET `path`; OSError or TimeoutError when there is none."""
        return await asyncio.wait_for(self._get(path, headers or {}), self.timeout)

    async def _get(self, path: str, headers: dict[str, str]) -> Answer:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            self.opened += 1
        reader, writer = self._reader, self._writer
        assert reader is not None
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept-Encoding: gzip"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        parsing = _Parsing()
        parser = parsing.parser
        try:
            while not parsing.complete:
                data = await reader.read(65536)
                if not data:
                    raise ConnectionResetError("the server closed the connection")
                parser.feed_data(data)
        except BaseException:
            await self.close()
            raise
        if not parsing.keep_alive:  # `Connection: close`: the next GET opens anew
            await self.close()
        return parsing.answer

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
