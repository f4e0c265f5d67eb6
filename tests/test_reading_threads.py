"""Reading requests run on a worker's few reading threads; the rest wait in the event loop.

Each reading request used to take a thread of the pool's 40 and wait there
for a search turn: under bench/load.py dozens of threads took the GIL from
each other, and a worker spent a fifth more CPU per request. Proven here
without timing: every reading request is paused where its handler starts
on a thread (reading its parameters), and only `read_threads` of them get
there while the others wait for a thread; once let go, all are answered.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import FrameType
from typing import Any

import pytest
from api_app import demo_app, running
from starlette.testclient import TestClient
from waiting import HANG, wait_until

from indexer.archive.request import SearchRequest
from indexer.settings import Settings, SettingsError, usable_cores

REQUESTS = 10
PATHS = ("/api/search?q=osce", "/search?q=vienna", "/api/suggest?q=vi", "/")


class Gate:
    """Holds each thread that starts reading a request's parameters until `open`."""

    def __init__(self) -> None:
        self.code = SearchRequest.from_params.__func__.__code__  # type: ignore[attr-defined]
        self.lock = threading.Lock()
        self.holding: set[int] = set()
        self.readers: set[int] = set()  # every thread that read a request's parameters
        self.closed = False
        self.opened = threading.Event()

    def trace(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or frame.f_code is not self.code:
            return
        with self.lock:
            self.readers.add(threading.get_ident())
            if not self.closed or self.opened.is_set():
                return
            self.holding.add(threading.get_ident())
        self.opened.wait(HANG)
        with self.lock:
            self.holding.discard(threading.get_ident())

    def held(self) -> int:
        with self.lock:
            return len(self.holding)


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    # Threads started from now on (the pool's, made as needed) call gate.trace.
    threading.setprofile(gate.trace)
    try:
        yield gate
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
        gate.opened.set()


def waiting_for_a_thread(client: TestClient) -> int:
    limiter = getattr(client.app.state, "reading_threads", None)  # type: ignore[attr-defined]
    return 0 if limiter is None else int(limiter.statistics().tasks_waiting)


@pytest.mark.parametrize("threads", [1, 2])
def test_only_the_reading_threads_read_and_the_others_wait_their_turn(
    tmp_path_factory: pytest.TempPathFactory, gate: Gate, threads: int
) -> None:
    app = demo_app(tmp_path_factory, read_threads=threads)
    with running(app) as client:
        assert {client.get(path).status_code for path in PATHS} == {200}
        gate.closed = True
        with ThreadPoolExecutor(REQUESTS) as pool:
            answers = [pool.submit(client.get, "/api/search?q=osce") for _ in range(REQUESTS)]
            try:
                wait_until(
                    lambda: gate.held() + waiting_for_a_thread(client) == REQUESTS,
                    "every request held on a reading thread or waiting for one",
                )
                assert gate.held() == threads
                # While every reading thread is busy, a health check is still answered.
                assert client.get("/healthz").status_code == 200
                assert gate.held() == threads
            finally:
                gate.opened.set()  # else the pool's threads wait for their answers for ever
            statuses = [answer.result(HANG).status_code for answer in answers]
    assert statuses == [200] * REQUESTS
    # Pages, the API and suggestions alike ran on the reading threads.
    assert 1 <= len(gate.readers) <= threads


def test_the_default_is_the_cores_each_worker_has_at_least_two() -> None:
    cores = usable_cores()
    assert Settings(workers=cores).read_thread_count == 2
    assert Settings(workers=1).read_thread_count == max(2, cores)
    assert Settings(workers=1, read_threads=1).read_thread_count == 1
    assert Settings.from_env({"VINDEX_READ_THREADS": "3"}).read_thread_count == 3
    with pytest.raises(SettingsError, match="VINDEX_READ_THREADS"):
        Settings.from_env({"VINDEX_READ_THREADS": "0"})
