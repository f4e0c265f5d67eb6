"""Vindex through HTTP, a peer of `bench/search.py`: the same requests as GET /api/search.

A real `vindex serve` (one worker, on a free 127.0.0.1 port, over the same
index) answers them through one keep-alive connection from `http.client`, a
client that costs little, without gzip and without `If-None-Match` (so every
answer is computed and sent whole). The body is read, not decoded: decoding
JSON is the client's cost. What this adds to the in-process time of the same
request is the web stack's cost: HTTP parsing, middleware, routing, building
and serialising the answer, the thread hop, and the loopback.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
# A server on a 100k index opens it before it answers /healthz.
START_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def query_string(params: Mapping[str, Any]) -> str:
    return urlencode(params, doseq=True)


class HttpSearch:
    """`vindex serve` in a child process, and one connection to it."""

    def __init__(self, index: Path, corpus: Path, log: Path) -> None:
        self.port = free_port()
        env = dict(os.environ)
        # A fixed token: a generated one would be printed; nothing here edits.
        env["VINDEX_EDITOR_TOKEN"] = "bench-search-token-0123456789"
        command = [sys.executable, "-m", "webapp.cli", "serve"]
        command += ["--index", str(index), "--corpus", str(corpus)]
        command += ["--port", str(self.port), "--workers", "1"]
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"vindex serve exited with {self.process.returncode}")
            try:
                status, _ = self.get("/healthz")
            except OSError:
                self.connection.close()
                time.sleep(0.2)
                continue
            if status == 200:
                return
            time.sleep(0.2)
        raise RuntimeError("vindex serve did not answer /healthz in time")

    def get(self, path: str) -> tuple[int, bytes]:
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        return response.status, response.read()

    def generation(self) -> str | None:
        """The index generation the server answers from (its /healthz)."""
        status, body = self.get("/healthz")
        found = json.loads(body).get("generation") if status == 200 else None
        return str(found) if found is not None else None

    def search(self, params: Mapping[str, Any]) -> bytes:
        status, body = self.get("/api/search?" + query_string(params))
        if status != 200:
            raise RuntimeError(f"/api/search answered {status}: {body[:200]!r}")
        return body

    def close(self) -> None:
        self.connection.close()
        if self.process.poll() is None:
            # uvicorn's graceful shutdown on SIGINT, as Ctrl-C would.
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self) -> HttpSearch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
