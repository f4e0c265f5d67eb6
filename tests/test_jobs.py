"""Job records on disk: what other worker processes read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from indexer.jobs import JobStore


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
