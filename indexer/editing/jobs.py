"""Jobs: a queued write's record, its progress, and its file for the other worker processes.

A `Job` is what `GET /api/jobs/{id}` reports: state, files done of total,
failures, and when it started and finished. `JobProgress` counts a running
build into its job. Job records are kept on disk, so that every worker
process of a server can report a job.

`vindex serve --workers N` runs N processes, each with its own writer; a
reindex started through one of them is polled (`GET /api/jobs/{id}`) through
any of them. Each writer therefore keeps its jobs' state in small JSON files
in the index folder, next to the generations, and a writer asked for a job it
does not run reads the file. The files are status, not data: written whole
(`atomic_write`) but not synced, and only the newest are kept.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.system.files import atomic_write
from indexer.system.processes import ProcessId

FOLDER = "jobs"
# What a job id may look like: it becomes a file name.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,100}")
# How often a running job's progress is saved for the other worker processes.
PROGRESS_SAVE_SECONDS = 0.5


@dataclass
class Job:
    """A queued write, with progress for the long ones (reindex)."""

    id: str
    kind: str
    state: str = "queued"  # queued, running, done, failed
    done: int = 0
    total: int = 0
    failed: int = 0
    message: str = ""
    errors: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    # The process running the job: one that ended without finishing it leaves
    # a record that says "running" for ever (see `interrupted`).
    pid: int | None = None
    process_start: int | None = None

    def interrupted(self) -> Job:
        """The job as it is now: failed if the process that ran it ended before it finished."""
        if self.state not in ("queued", "running") or self.pid is None:
            return self
        if ProcessId(self.pid, self.process_start).alive():
            return self
        message = (
            f"interrupted: the process that ran it (pid {self.pid}) ended before it finished"
            + (f"; at {self.done} of {self.total} files" if self.total else "")
        )
        return dataclasses.replace(self, state="failed", message=message)

    @property
    def eta_seconds(self) -> float | None:
        if self.state != "running" or not self.started or not self.done or not self.total:
            return None
        elapsed = time.time() - self.started
        return round(elapsed / self.done * max(self.total - self.done, 0), 1)

    @property
    def milliseconds(self) -> float | None:
        """How long it ran, once it has finished."""
        if self.started is None or self.finished is None:
            return None
        return round((self.finished - self.started) * 1000, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "failed": self.failed,
            "eta_seconds": self.eta_seconds,
            "message": self.message,
            "errors": self.errors[:50],
            "started": iso_time(self.started),
            "finished": iso_time(self.finished),
        }


class JobProgress:
    """The `Progress` of `update_index`, counting into a job and saving it now and then."""

    def __init__(self, job: Job, total: int, save: Callable[[Job], None]) -> None:
        self.job = job
        self.save = save
        self.saved = 0.0
        job.total, job.done = total, 0
        save(job)

    def update(self, n: int = 1) -> None:
        self.job.done += n
        now = time.monotonic()
        if now - self.saved >= PROGRESS_SAVE_SECONDS:
            self.saved = now
            self.save(self.job)

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self.job.message = s

    def close(self) -> None:
        pass


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
        # Status, rewritten every half second while a job runs: not worth an fsync.
        atomic_write(self.folder / f"{job_id}.json", json.dumps(record), durable=False)

    def save_job(self, job: Job) -> None:
        self.save(job.id, dataclasses.asdict(job))

    def load_job(self, job_id: str) -> Job | None:
        """The job as another process last saved it (and `interrupted` if that process ended)."""
        record = self.load(job_id)
        if record is None:
            return None
        try:
            job = Job(**record)
        except TypeError:  # a file from another version of Vindex
            return None
        return job.interrupted()

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


def iso_time(stamp: float | None) -> str | None:
    """A `time.time()` stamp as ISO 8601 in UTC, to the second."""
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")
