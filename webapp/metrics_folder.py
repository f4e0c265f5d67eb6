"""The folder of one `vindex serve` run's metrics: made at its start, removed at its end.

prometheus-client's multiprocess mode (`webapp.metrics`) keeps each worker
process's counts in files of one folder, which must be new for each run, or a
run would sum the last one's counts with its own. The folder is named after
the serving process (`vindex-metrics-<pid>-<random>` in the temporary
folder) so that a run that could not remove it (killed) has its folder swept
by the next run once that process is gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from indexer.system.processes import pid_exists

PREFIX = "vindex-metrics-"


def make() -> Path:
    """A new folder for this run's metrics (the folders of ended runs swept first)."""
    sweep()
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def sweep(root: Path | None = None) -> list[Path]:
    """Remove the folders of runs whose process has ended; the folders removed."""
    root = Path(tempfile.gettempdir()) if root is None else root
    swept = []
    for folder in root.glob(f"{PREFIX}*"):
        pid = _pid(folder.name)
        if pid is not None and not pid_exists(pid) and folder.is_dir():
            remove(folder)
            swept.append(folder)
    return swept


def _pid(name: str) -> int | None:
    digits = name[len(PREFIX) :].split("-", 1)[0]
    return int(digits) if digits.isascii() and digits.isdigit() else None
