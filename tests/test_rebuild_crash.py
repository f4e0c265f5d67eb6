"""`kill -9` of a rebuild at any moment leaves the previous index serving and intact.

The corpus is above `PARALLEL_MIN_BYTES`, so the rebuild is the bulk build
of every large archive: worker processes writing segments in bulk.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, cli_command, run_cli, synthetic_article, write_jsonl
from waiting import HANG, hang, wait_until

from indexer.archive.request import SearchRequest
from indexer.embedded.index.build import PARALLEL_MIN_BYTES, update_index
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore

# Rebuilds in child processes, killed at moments spread across them.
pytestmark = pytest.mark.slow

vindex = cli_command
PER_FILE = 700
TOTAL = 8 * PER_FILE


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("big") / "corpus"
    for f in range(8):
        write_jsonl(
            root / f"part-{f}.jsonl",
            [synthetic_article(f * PER_FILE + i, words=70) for i in range(PER_FILE)],
        )
    assert sum(p.stat().st_size for p in root.iterdir()) > PARALLEL_MIN_BYTES
    return root


def building(index: Path) -> list[int]:
    """The processes whose command line names the index folder (a build and its workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(index).encode() in command.split(b"\0"):
            found.append(int(entry.name))
    return found


def test_killed_rebuild_leaves_previous_index_serving(big_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    location = IndexLocation(index)
    # The index first holds one file of the corpus (a rebuild always takes all of it).
    small = tmp_path / "small"
    small.mkdir()
    shutil.copy(big_corpus / "part-0.jsonl", small / "part-0.jsonl")
    first = update_index(location, small)
    assert first.indexed == PER_FILE
    live = LiveIndex(location)
    generation = live.generation
    core = SearchCore(live)
    vienna = SearchRequest(q="vienna")
    before = core.search(vienna).total

    # How long a whole rebuild takes here, to spread the kills across it.
    started = time.monotonic()
    done = run_cli("index", "--rebuild", "--index", str(index), "--corpus", str(big_corpus))
    duration = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    full_generation = live.generation
    assert full_generation != generation
    assert live.get().doc_count() == TOTAL

    # Back to the one-file index, then kill rebuilds at points across their run.
    update_index(location, small, rebuild=True)
    small_generation = live.generation
    for fraction in (0.05, 0.2, 0.4, 0.6, 0.75, 0.85, 0.92, 0.97):
        process = subprocess.Popen(
            vindex("index", "--rebuild", "--index", str(index), "--corpus", str(big_corpus)),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        # Its worker processes (forked: the same command line) stop on their own.
        wait_until(lambda: not building(index), "the killed build's workers to exit")
        current = live.generation
        count = live.get().doc_count()
        if current == small_generation:
            assert count == PER_FILE, f"killed at {fraction:.0%}: previous index damaged"
        else:
            # The kill came after the swap: the new index is complete.
            assert count == TOTAL, f"killed at {fraction:.0%}: a half-built index was served"
            small_generation = current
            update_index(location, small, rebuild=True)
            small_generation = live.generation
        assert core.search(vienna).total > 0

    # The index is still writable: no lock was left behind, and debris is cleaned.
    report = update_index(location, big_corpus, rebuild=True)
    assert report.indexed == TOTAL and not report.errors
    assert len(location.generations()) <= 2
    assert before > 0
    core.close()
    live.close()


def test_second_writer_waits_for_the_lock_with_a_message(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    location = IndexLocation(index)
    update_index(location, corpus)
    with location.write_lock():
        process = subprocess.Popen(
            vindex("index", "--rebuild", "--index", str(index), "--corpus", str(corpus)),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        stderr_lines: list[str] = []
        reader = threading.Thread(
            target=lambda: stderr_lines.extend(process.stderr or []), daemon=True
        )
        reader.start()
        # Its message, however long its start takes; exiting first is giving up.
        wait_until(
            lambda: any("waiting" in line for line in stderr_lines),
            "the second writer's message that it waits",
            process=process,
        )
    try:
        stdout, _ = process.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:
        process.kill()
        hang("the second writer's end once the lock was free")
    assert process.returncode == 0
    assert "rebuilt:" in stdout


def test_index_exit_status(corpus: Path, tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    ok = run_cli("index", "--index", index, "--corpus", str(corpus))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("rebuilt: read 3 files")
    (corpus / "bad.json").write_bytes(b"\xff\xfe not utf-8")
    failed = run_cli("index", "--index", index, "--corpus", str(corpus))
    assert failed.returncode == 1
    assert failed.stderr.splitlines() == [
        f"error: {corpus / 'bad.json'}: line 1: invalid UTF-8 (byte 0xff at offset 0)"
    ]
    usage = run_cli("index", "--index", index, "--corpus", str(tmp_path / "nowhere"))
    assert usage.returncode == 2
    assert "no corpus folder" in usage.stderr
    assert run_cli("index", "--frobnicate").returncode == 2
    bad_setting = run_cli("stats", env={**os.environ, "VINDEX_MAX_FILE_MB": "lots"})
    assert bad_setting.returncode == 2
    assert "VINDEX_MAX_FILE_MB: expected a number" in bad_setting.stderr
