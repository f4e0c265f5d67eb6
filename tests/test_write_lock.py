"""The write lock and the processes of a build: no worker outlives its parent, no lock its holder.

Real processes throughout: `vindex serve` and `vindex index` in subprocesses,
stopped with SIGTERM or killed with SIGKILL; who holds the lock is read from
/proc, as an administrator would look (`ls -l /proc/*/fd`).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx2
import pytest
from build_processes import (
    BACKSTOP,
    catches,
    children,
    cpu_ticks,
    lock_holders,
    running,
    small_index,
    vindex_index,
    wait_until,
)
from editor_server import AUTH, server_with_new_files
from waiting import wait_for_job

from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import LOCK, IndexLocation

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_stopping_the_server_mid_reindex_leaves_no_worker_and_no_lock(
    tmp_path: Path, big_files: list[Path]
) -> None:
    server, index, corpus = server_with_new_files(tmp_path, big_files)
    assert server.process is not None
    pid = server.process.pid
    with httpx2.Client(base_url=server.url, timeout=30) as client:
        job = client.post("/api/reindex", headers=AUTH).json()

        def building(state: dict[str, Any]) -> bool:
            assert state["state"] in ("queued", "running"), state
            return state["done"] >= 1 and len(children(pid)) >= 2

        wait_for_job(client, job["id"], AUTH, building, "the start of the rebuild's workers")
    workers = children(pid)
    # Once they have worked a while (past the fork's hooks, into their share):
    # they let go of the server's lock file, and SIGTERM stops them (they had
    # uvicorn's handler, which only sets a flag nobody reads there).
    wait_until(lambda: all(cpu_ticks(w) >= 50 for w in workers), "the workers never worked")
    assert not lock_holders(index) & workers, "a worker has the lock file open"
    assert not any(catches(w, signal.SIGTERM) for w in workers), "a worker ignores SIGTERM"
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(BACKSTOP)
    server.process = None
    wait_until(lambda: not any(running(w) for w in workers), "a rebuild worker outlived the server")
    wait_until(lambda: not lock_holders(index), f"write.lock still open in {lock_holders(index)}")
    # The next writer takes the lock at once, and builds the whole corpus.
    cli = vindex_index(index, corpus)
    _out, err = cli.communicate(timeout=BACKSTOP)
    assert cli.returncode == 0, err
    assert "waiting" not in err
    assert IndexLocation(index).open().doc_count() == 6000


def test_a_killed_rebuild_leaves_no_worker_holding_the_lock(
    tmp_path: Path, big_files: list[Path]
) -> None:
    index, corpus = small_index(tmp_path, big_files)
    for path in big_files[1:]:
        shutil.copy(path, corpus)
    cli = vindex_index(index, corpus, "--rebuild")
    wait_until(lambda: len(children(cli.pid)) >= 2, "the rebuild's workers never started")
    workers = children(cli.pid)
    wait_until(lambda: all(cpu_ticks(w) >= 50 for w in workers), "the workers never worked")
    assert not lock_holders(index) & workers, "a worker has the lock file open"
    cli.send_signal(signal.SIGKILL)
    cli.wait()
    for pipe in (cli.stdout, cli.stderr):
        assert pipe is not None
        pipe.close()
    # Nobody holds the lock: the next writer does not wait for the dead build's workers.
    after = vindex_index(index, corpus)
    _out, err = after.communicate(timeout=BACKSTOP)
    assert after.returncode == 0, err
    assert "waiting" not in err, err
    wait_until(lambda: not any(running(w) for w in workers), "a worker outlived the killed CLI")


def test_a_stale_lock_kept_by_an_orphan_is_taken_over(tmp_path: Path, corpus: Path) -> None:
    """The holder died and an orphan (a process that inherited its lock file) keeps it locked."""
    index = tmp_path / "index"
    update_index(IndexLocation(index), corpus)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    record = {
        "pid": int(dead.stdout),
        "start": 1,
        "command": "vindex index --rebuild",
        "since": "2026-01-01T00:00:00+00:00",
    }
    with open(index / LOCK, "w") as handle:
        handle.write(json.dumps(record))
        handle.flush()
        fcntl.flock(handle, fcntl.LOCK_EX)
        orphan = subprocess.Popen(["sleep", "600"], pass_fds=[handle.fileno()])
    try:
        assert lock_holders(index) == {orphan.pid}
        cli = vindex_index(index, corpus, "--rebuild")
        out, err = cli.communicate(timeout=BACKSTOP)
        assert cli.returncode == 0, err
        assert out.startswith("rebuilt:")
    finally:
        orphan.kill()
        orphan.wait()


def test_a_waiting_writer_says_who_holds_the_lock_and_since_when(
    tmp_path: Path, corpus: Path
) -> None:
    index = tmp_path / "index"
    location = IndexLocation(index)
    update_index(location, corpus)
    with location.write_lock():
        cli = vindex_index(index, corpus)
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(cli.stderr or []), daemon=True)
        reader.start()
        wait_until(lambda: any("waiting" in line for line in lines), "no waiting message")
    cli.communicate(timeout=BACKSTOP)
    reader.join(BACKSTOP)
    waiting = next(line for line in lines if "waiting" in line)
    assert f"being written by process {os.getpid()} (" in waiting
    assert "pytest" in waiting or "python" in waiting
    assert ", since 20" in waiting
    assert cli.returncode == 0
