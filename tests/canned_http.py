"""A canned-answer HTTP stub on 127.0.0.1 for the OpenSearch client's transport tests.

It answers what a test queued and records the paths asked; it emulates
nothing of OpenSearch. A test module subclasses `Canned` with the methods it
answers (`do_GET`, `do_POST`) and serves it with `serving`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Canned(BaseHTTPRequestHandler):
    """Writes a JSON answer; quiet (no access log on stderr)."""

    def answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serving(handler: type[Canned]) -> Iterator[ThreadingHTTPServer]:
    """The handler's server on a free port of 127.0.0.1, stopped when the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
