"""Real build processes for the lock, job and generation tests: corpora, /proc, waiting.

Waiting is tests/waiting.py's: for the event, with its backstop `HANG` (re-exported
here as `BACKSTOP` and `wait_until` for the modules that import them from here).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import ROOT, cli_command
from waiting import HANG
from waiting import wait_until as wait_until

from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import LOCK, IndexLocation

# A backstop against hangs, never a measure: a fixed 120 s judged the machine's speed, and a
# loaded machine may take longer over a rebuild.
BACKSTOP = HANG


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rfind(")") + 2 :].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def cpu_ticks(pid: int) -> int:
    """The CPU time the process has used, in clock ticks (a large number once it ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 1 << 62
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def catches(pid: int, signum: int) -> bool:
    """Whether the process has a handler of its own for the signal (SigCgt in its status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False  # it ended
    for line in status.splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    return False


def lock_holders(index: Path) -> set[int]:
    """The processes that have the index's lock file open (removed or not)."""
    lock = str((index / LOCK).resolve())
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            targets = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        if any(t == lock or t.startswith(lock + " ") for t in targets):
            found.add(int(entry.name))
    return found


def small_index(tmp_path: Path, big_files: list[Path]) -> tuple[Path, Path]:
    """An index of one file of a corpus folder; the other files go in later."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(big_files[0], corpus)
    index = tmp_path / "index"
    update_index(IndexLocation(index), corpus)
    return index, corpus


def vindex_index(index: Path, corpus: Path, *flags: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli_command("index", *flags, "--index", str(index), "--corpus", str(corpus)),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
