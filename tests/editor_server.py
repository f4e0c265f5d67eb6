"""A real `vindex serve` (uvicorn) on 127.0.0.1 for the editor's concurrency and crash tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx2
from conftest import ROOT
from waiting import HANG, wait_until

from indexer.embedded.index.store import IndexLocation
from indexer.ingest.corpus import find_files, read_file

TOKEN = "server-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """`vindex serve` in a subprocess; `start` waits until the start-up reconciliation is done."""

    def __init__(
        self,
        index: Path,
        corpus: Path,
        log: Path,
        workers: int = 1,
        *,
        env: Mapping[str, str] | None = None,
        args: Sequence[str] = (),
    ) -> None:
        self.index, self.corpus, self.log = index, corpus, log
        self.workers = workers
        self.env, self.args = dict(env or {}), list(args)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "VINDEX_EDITOR_TOKEN": TOKEN, **self.env}
        command = [
            sys.executable,
            "-m",
            "webapp.cli",
            "serve",
            "--index",
            str(self.index),
            "--corpus",
            str(self.corpus),
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            *self.args,
        ]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        process = self.process

        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                job = client.get("/api/jobs/startup", headers=AUTH)
            except httpx2.TransportError:
                return False  # not listening yet
            if job.status_code == 200 and job.json()["state"] == "failed":
                raise RuntimeError(f"start-up reconciliation failed: {job.json()}")
            return job.status_code == 200 and job.json()["state"] == "done"

        # However long the start-up reconciliation takes on a loaded machine.
        with httpx2.Client(base_url=self.url, timeout=HANG) as client:
            wait_until(ready, f"the server's start-up reconciliation (log: {self.log})")

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def indexed_ids(index: Path) -> set[str]:
    ix = IndexLocation(index).open()
    try:
        with ix.reader() as reader:
            column = reader.column_reader("id")
            return {column[d] for d in reader.all_doc_ids()}
    finally:
        ix.close()


def corpus_ids(corpus: Path) -> tuple[set[str], list[str]]:
    ids: set[str] = set()
    errors: list[str] = []
    for path in find_files([corpus]):
        result = read_file(path)
        ids.update(a.id for a in result.articles)
        errors.extend(str(e) for e in result.errors)
    return ids, errors


def server_with_new_files(tmp_path: Path, big_files: list[Path]) -> tuple[Server, Path, Path]:
    """A server over an index of the first big file, the others then put in its corpus.

    A reindex then has work to do for a while. Returns the server (started),
    the index and the corpus.
    """
    from build_processes import small_index

    index, corpus = small_index(tmp_path, big_files)
    server = Server(index, corpus, tmp_path / "server.log")
    server.start()
    for path in big_files[1:]:
        shutil.copy(path, corpus)
    return server, index, corpus
