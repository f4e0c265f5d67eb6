"""bench/lean_http.py, the load benchmark's readers' client, against a real HTTP/1.1 server.

What the benchmark's figures rest on: a connection is kept for the next GET
(a new one per request would cost client and server a handshake each), one
the server closes is opened again, and status, headers and body are read.
"""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

import pytest
from canned_http import Canned, serving

# bench/ is a folder of scripts, not a package: its modules import each other by
# name. Appended, so that its script names never shadow an installed module.
sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))

from lean_http import Answer, Connection


class Counting(Canned):
    """Answers every GET; /close says `Connection: close`, /chunked sends chunks."""

    protocol_version = "HTTP/1.1"  # keep-alive
    clients: ClassVar[set[int]] = set()

    def do_GET(self) -> None:
        Counting.clients.add(self.client_address[1])
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"one ", b"two"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/close":
            self.close_connection = True
            self.send_response(200)
            self.send_header("Connection", "close")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.answer(200, {"path": self.path, "match": self.headers.get("If-None-Match")})


def gets(port: int, *paths: str) -> tuple[list[Answer], int]:
    async def run() -> tuple[list[Answer], int]:
        connection = Connection("127.0.0.1", port, timeout=60)
        try:
            answers = [await connection.get(path, {"If-None-Match": '"x"'}) for path in paths]
        finally:
            await connection.close()
        return answers, connection.opened

    # In a thread of its own: a browser test's Playwright may have left an event loop
    # running in this one, where asyncio.run refuses to start another.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_one_connection_serves_many_gets() -> None:
    Counting.clients = set()
    with serving(Counting) as server:
        answers, opened = gets(server.server_address[1], "/a", "/b", "/c", "/chunked")
    assert opened == 1 and len(Counting.clients) == 1
    assert [a.status for a in answers] == [200] * 4
    assert answers[1].body == b'{"path": "/b", "match": "\\"x\\""}'
    assert answers[1].headers["content-type"] == "application/json"
    assert answers[3].body == b"one two"


def test_a_connection_the_server_closes_is_opened_again() -> None:
    Counting.clients = set()
    with serving(Counting) as server:
        answers, opened = gets(server.server_address[1], "/a", "/close", "/b", "/close", "/c")
    assert [a.status for a in answers] == [200] * 5
    assert opened == 3 and len(Counting.clients) == 3


def test_no_server_is_an_os_error() -> None:
    with serving(Counting) as server:
        port = server.server_address[1]
    with pytest.raises(OSError):
        gets(port, "/a")
