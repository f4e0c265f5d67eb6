"""Job records on disk, so that every worker process of a server can report a job.

`vindex serve --workers N` runs N processes, each with its own writer; a
reindex started through one of them is polled (`GET /api/jobs/{id}`) through
any of them. Each writer therefore keeps its jobs' state in small JSON files
in the index folder, next to the generations, and a writer asked for a job it
does not run reads the file. The files are status, not data: written whole
(temporary file and rename) but not synced, and only the newest are kept.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

FOLDER = "jobs"
# What a job id may look like: it becomes a file name.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,100}")


class JobStore:
    """The job files of one index folder."""

    def __init__(self, index_root: Path, keep: int = 200) -> None:
        self.folder = index_root / FOLDER
        self.keep = keep

    def save(self, job_id: str, record: dict[str, Any]) -> None:
        if not _ID.fullmatch(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        if not self.folder.parent.is_dir():
            # No index folder yet: saving must not create one (a build would
            # then find a folder it did not make); the build saves progress later.
            return
        self.folder.mkdir(exist_ok=True)
        path = self.folder / f"{job_id}.json"
        temporary = path.with_name(f".{job_id}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, path)

    def load(self, job_id: str) -> dict[str, Any] | None:
        """The job's last saved state; None for an unknown (or impossible) id."""
        if not _ID.fullmatch(job_id):
            return None
        try:
            record = json.loads((self.folder / f"{job_id}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def prune(self) -> None:
        """Forget all but the newest `keep` jobs."""
        try:
            files = sorted(self.folder.glob("*.json"), key=_modified, reverse=True)
        except OSError:
            return
        for path in files[self.keep :]:
            path.unlink(missing_ok=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
