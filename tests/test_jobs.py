"""Job records on disk: what other worker processes read, and what a dead process left."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import httpx2
import pytest
from editor_server import AUTH, server_with_new_files
from waiting import wait_for_job

from indexer.editing.jobs import Job, JobProgress, JobStore
from indexer.embedded.index.store import BUILDING, IndexLocation
from indexer.system.processes import ProcessId


def test_saved_jobs_are_read_back_and_only_the_newest_kept(tmp_path: Path) -> None:
    store = JobStore(tmp_path, keep=3)
    for n in range(5):
        store.save(f"reindex-{n}", {"id": f"reindex-{n}", "done": n})
        os.utime(store.folder / f"reindex-{n}.json", (1000 + n, 1000 + n))
    assert store.load("reindex-4") == {"id": "reindex-4", "done": 4}
    store.prune()
    assert sorted(p.name for p in store.folder.iterdir()) == [
        "reindex-2.json",
        "reindex-3.json",
        "reindex-4.json",
    ]
    assert store.load("reindex-0") is None


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/b", "", ".hidden", "x\x00y", "é" * 3])
def test_ids_that_are_not_plain_names_never_reach_the_file_system(tmp_path: Path, bad: str) -> None:
    store = JobStore(tmp_path)
    assert store.load(bad) is None
    with pytest.raises(ValueError):
        store.save(bad, {})
    assert not store.folder.exists()


def test_no_index_folder_is_created_for_a_job(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "index")
    store.save("startup", {"id": "startup"})
    assert not (tmp_path / "index").exists()
    assert store.load("startup") is None


def test_a_reindex_cut_off_by_kill_9_reads_as_interrupted_after_a_restart(
    tmp_path: Path, big_files: list[Path]
) -> None:
    """The job's record said `running, 7/22, eta 271 s` for ever, and its generation stayed."""
    server, index, corpus = server_with_new_files(tmp_path, big_files)
    location = IndexLocation(index)
    with httpx2.Client(base_url=server.url, timeout=30) as client:
        job = client.post("/api/reindex", headers=AUTH).json()

        def building(state: dict[str, Any]) -> bool:
            assert state["state"] in ("queued", "running"), state
            return state["done"] >= 1 and any(
                (g / BUILDING).exists() for g in location.generations()
            )

        wait_for_job(client, job["id"], AUTH, building, "the start of the rebuild")
    served = location.current()
    server.kill()
    # The corpus as the index holds it: the restart has nothing to reconcile.
    for path in big_files[1:]:
        (corpus / path.name).unlink()
    server.start()
    try:
        with httpx2.Client(base_url=server.url, timeout=30) as client:
            answer = client.get(f"/api/jobs/{job['id']}", headers=AUTH)
    finally:
        server.stop()
    assert answer.status_code == 200
    record = answer.json()
    assert record["state"] == "failed", record
    assert record["message"].startswith("interrupted: the process that ran it (pid "), record
    assert record["eta_seconds"] is None
    # The start-up removed the half-built generation; the served one is untouched.
    assert location.generations() == [served]
    assert location.current() == served


def test_a_job_of_a_process_that_runs_is_not_interrupted(tmp_path: Path) -> None:
    owner = ProcessId.current()
    job = Job("reindex-1", "reindex", state="running", pid=owner.pid, process_start=owner.start)
    assert job.interrupted() is job
    # The same pid with another start time is another process (the pid was reused).
    reused = dataclasses.replace(job, process_start=(owner.start or 0) + 1)
    assert reused.interrupted().state == "failed"
    done = dataclasses.replace(reused, state="done")
    assert done.interrupted() is done


def test_a_jobs_figures_are_saved_at_once_when_first_and_when_all_is_read() -> None:
    """Between those, at most every `every` seconds: other processes read a record that old."""
    saved: list[dict[str, Any]] = []
    job = Job("reindex-1", "reindex", state="running")
    progress = JobProgress(job, lambda j: saved.append(j.to_dict()), every=3600.0)
    figures = {"articles_per_s": 100.0, "seconds_left": 9.0, "progress": "words"}
    progress.record(100, 1000, exact=False, **figures)
    progress.record(200, 1000, exact=False, **figures)
    assert job.done == 200  # this process's job is current
    progress.record(950, 950, exact=True, **figures | {"seconds_left": None})
    assert [(r["done"], r["total"], r["exact"], r["eta_seconds"]) for r in saved] == [
        (0, 0, False, None),
        (100, 1000, False, 9.0),
        (950, 950, True, None),
    ]
