"""Jobs: a queued write's record, its progress, and its file for the other worker processes.

A `Job` is what `GET /api/jobs/{id}` reports: state, articles done of
(about) how many, articles/s and time left, failures, and when it started and
finished. `JobProgress` records a running build's figures into its job. Job
records are kept on disk, so that every worker process of a server can report
a job.

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

from indexer.system.durations import duration
from indexer.system.files import atomic_write
from indexer.system.processes import ProcessId

FOLDER = "jobs"
# What a job id may look like: it becomes a file name.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,100}")
# How often a running job's progress is saved for the other worker processes.
PROGRESS_SAVE_SECONDS = 0.5
# The last reindex's timing (`JobStore.finishing`), beside the jobs; hidden from their glob.
TIMINGS = ".timings.json"
# A ratio beyond this is a measurement gone wrong (a build stopped in a debugger).
MAX_FINISHING = 20.0


@dataclass
class Job:
    """A queued write, with progress for the long ones (reindex)."""

    id: str
    kind: str
    state: str = "queued"  # queued, running, done, failed
    # Articles indexed, and of how many: an estimate while the build reads the
    # corpus (`exact` False), the exact count once it has read it all.
    done: int = 0
    total: int = 0
    exact: bool = False
    articles_per_s: float | None = None
    # None unless the job runs and its time left is known: while the index is written,
    # only when an earlier reindex's timing predicts it (`JobStore.finishing`).
    seconds_left: float | None = None
    # When it should be done (time.time()), from the last figures: the time left counts
    # down from it between them, and through the writing of the index.
    expected_end: float | None = None
    # The figures in words: "12,000 of about 100,000 articles, 1,480 articles/s, about 1 min left".
    progress: str = ""
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
        about = "" if self.exact else "about "
        message = (
            f"interrupted: the process that ran it (pid {self.pid}) ended before it finished"
            + (f"; at {self.done:,} of {about}{self.total:,} articles" if self.total else "")
        )
        return dataclasses.replace(
            self, state="failed", message=message, seconds_left=None, expected_end=None
        )

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left while the job runs and they are known; else None (never 0).

        Counted down to the expected end; past it, not known (None), rather than
        a time left that stays at its smallest.
        """
        if self.state != "running":
            return None
        if self.expected_end is not None:
            left = self.expected_end - time.time()
            return round(left, 1) if left >= 0.1 else None
        if self.seconds_left is None:
            return None
        return max(round(self.seconds_left, 1), 0.1)

    def words(self) -> str:
        """The progress in words; while the index is written, with the time left as of now."""
        eta = self.eta_seconds
        if self.state == "running" and self.exact and eta is not None:
            return f"{self.progress}, about {duration(eta)} left"
        return self.progress

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
            "exact": self.exact,
            "articles_per_s": (
                None if self.articles_per_s is None else round(self.articles_per_s, 1)
            ),
            "eta_seconds": self.eta_seconds,
            "progress": self.words(),
            "failed": self.failed,
            "message": self.message,
            "errors": self.errors[:50],
            "started": iso_time(self.started),
            "finished": iso_time(self.finished),
        }


class JobProgress:
    """A running build's figures, recorded into its job and saved now and then.

    The figures come from the build's progress (`indexer.archive.builds.BuildProgress`,
    which the writer connects to this); the other worker processes read the
    saved job, at most `every` seconds old, and its last figures always.
    """

    def __init__(
        self, job: Job, save: Callable[[Job], None], every: float = PROGRESS_SAVE_SECONDS
    ) -> None:
        self.job = job
        self.save = save
        self.every = every
        # The first figures are saved at once: they replace the zeros saved here.
        self.saved = float("-inf")
        job.done = job.total = 0
        job.exact, job.articles_per_s, job.seconds_left, job.progress = False, None, None, ""
        job.expected_end = None
        save(job)

    def record(
        self,
        articles: int,
        total: int,
        *,
        exact: bool,
        articles_per_s: float,
        seconds_left: float | None,
        progress: str,
    ) -> None:
        job = self.job
        job.done, job.total, job.exact = articles, total, exact
        job.articles_per_s, job.seconds_left, job.progress = articles_per_s, seconds_left, progress
        job.expected_end = None if seconds_left is None else time.time() + seconds_left
        now = time.monotonic()
        # All read: the last figures are saved at once, whatever the interval.
        if exact or now - self.saved >= self.every:
            self.saved = now
            self.save(job)


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

    def finishing(self) -> float | None:
        """The last reindex's time after reading its input, per second of reading (or None).

        See `indexer.archive.builds.BuildProgress`: it predicts the time the next
        one takes to write its index. A hidden file: not a job, never pruned.
        """
        try:
            record = json.loads((self.folder / TIMINGS).read_text(encoding="utf-8"))
            ratio = float(record["reindex_finishing"])
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return ratio if 0 <= ratio <= MAX_FINISHING else None

    def save_finishing(self, ratio: float) -> None:
        if not self.folder.parent.is_dir() or not 0 <= ratio <= MAX_FINISHING:
            return
        record = {"reindex_finishing": round(ratio, 4)}
        atomic_write(self.folder / TIMINGS, json.dumps(record), durable=False)

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

    def states(self) -> dict[str, int]:
        """How many of the kept jobs are in each state (interrupted ones as failed)."""
        counts: dict[str, int] = {}
        try:
            names = [p.stem for p in self.folder.glob("*.json")]
        except OSError:
            return counts
        for name in names:
            job = self.load_job(name)
            if job is not None:
                counts[job.state] = counts.get(job.state, 0) + 1
        return counts

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
