"""Workers' keep-alive connections evened out (`webapp.balance`), on a real shared file.

The server-wide behaviour, with `vindex serve --workers 2`, is in test_listening.py.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from webapp.balance import SLOT, Connections, create


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    return create(tmp_path / "connections", 2)


Worker = Callable[..., Connections]


@pytest.fixture
def worker(shared: Path) -> Iterator[Worker]:
    """A worker's count on the shared file, closed after the test."""
    made: list[Connections] = []

    def make(close_every: float = 0.05) -> Connections:
        made.append(Connections(shared, close_every))
        return made[-1]

    yield make
    for connections in made:
        connections.close()


def test_each_worker_counts_in_a_slot_of_its_own(worker: Worker) -> None:
    one, two = worker(), worker()
    assert (one.slot, two.slot) == (0, 1)
    for _ in range(3):
        one.opened()
    two.opened()
    assert sorted(one.counts()) == sorted(two.counts()) == [1, 3]
    one.closed()
    assert sorted(two.counts()) == [1, 2]


def test_a_worker_over_its_share_closes_and_one_at_its_share_does_not(worker: Worker) -> None:
    one, two = worker(0), worker(0)
    for _ in range(3):
        one.opened()
    two.opened()
    assert one.should_close() and not two.should_close()  # 3 and 1: a share is 2
    one.closed()
    assert not one.should_close() and not two.should_close()  # 2 and 1: 2 is the share
    two.opened()
    assert not one.should_close()  # 2 and 2


def test_a_worker_closes_one_connection_at_a_time(worker: Worker) -> None:
    """Its count drops only when the client has gone: closing on every answer overshoots."""
    one, _two = worker(3600), worker()
    for _ in range(10):
        one.opened()
    assert one.should_close()
    assert not one.should_close()


def test_a_dead_workers_slot_is_taken_by_the_one_started_in_its_place(
    shared: Path, worker: Worker
) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = int(gone.stdout)
    with shared.open("r+b") as file:
        file.write(SLOT.pack(dead, 17))
    alive, again = worker(), worker()
    assert (alive.slot, again.slot) == (0, 1)
    assert alive.counts() == [0, 0]


def test_a_worker_that_stops_frees_its_slot(worker: Worker) -> None:
    one = worker()
    one.opened()
    one.close()
    assert worker().slot == 0
