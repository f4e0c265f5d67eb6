"""Building an archive from its corpus: the progress a build reports, and what it did.

Backend-neutral: a backend's build reports articles and the input bytes they
came from (`Progress`); `BuildProgress` turns them into figures (articles, an
estimated total, articles/s, time left) that the CLI's bar and the editor's
reindex job both show (`job_progress`), and the CLI prints the same summary
line for any backend.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from indexer.editing.jobs import Job, JobProgress
from indexer.ingest.errors import CorpusError

# Re-exported: the figures' words ("45 s", "12 min") are read from here too.
from indexer.system.durations import duration as duration


class Progress(Protocol):
    """What a build tells as it reads the corpus, file by file (or batch by batch)."""

    def advance(self, articles: int, nbytes: int) -> Any:
        """`articles` indexed since the last call, from `nbytes` bytes of input."""

    def close(self) -> Any:
        """All input read (or the build failed): no more calls follow."""


# (number of files, total input bytes) -> the progress of a build of them.
ProgressFactory = Callable[[int, int], Progress]


@dataclass(frozen=True, slots=True)
class ProgressFigures:
    """A build's progress at one moment, as a bar or a job shows it."""

    articles: int
    # Estimated from the bytes read while files remain; exact once all are read.
    total: int
    exact: bool
    articles_per_s: float
    # None before the first file is read; once all are, the time the index takes to be
    # written, when a previous build's timing predicts it (else None).
    seconds_left: float | None

    def describe(self) -> str:
        """ "12,000 of about 100,000 articles, 1,480 articles/s, about 1 min left"."""
        about = "" if self.exact else "about "
        text = f"{self.articles:,} of {about}{self.total:,} articles"
        if self.articles_per_s > 0:
            text += f", {self.articles_per_s:,.0f} articles/s"
        if self.exact:
            # The time left while the index is written is the job's to tell, live.
            text += ", writing the index"
        elif self.seconds_left is not None:
            text += f", about {duration(self.seconds_left)} left"
        return text


def finished(articles: int, seconds: float) -> str:
    """A finished build's figures: "100,000 articles in 1 min, 1,480 articles/s"."""
    rate = articles / seconds if seconds > 0 else 0.0
    return f"{articles:,} articles in {duration(seconds)}, {rate:,.0f} articles/s"


class BuildProgress:
    """The arithmetic of a build's progress, the same for the terminal's bar and a job.

    How many articles a corpus holds is known only once its files are parsed,
    but their bytes are known at the start. So the total is estimated as
    articles so far * total bytes / bytes so far (exact once all are read),
    the rate is articles / seconds since the start, and the time left is the
    bytes left at the rate bytes have been read. `on_change(figures)` is
    called after each `advance` and at `close`.

    Reading the input is not all of a build: its segments are written and
    committed after the last file is read, and a server opens the new index
    before the job is done (14.4 s of a 10,000-article reindex were 5.7 s of
    reading and 8.7 s after it). `finishing`, when known from an earlier
    build, is that after-reading time per second of reading; it is added to
    the time left, which then counts down while the index is written.
    """

    def __init__(
        self,
        files: int,
        total_bytes: int,
        on_change: Callable[[ProgressFigures], Any] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        start: float | None = None,
        finishing: float | None = None,
    ) -> None:
        self.files = files
        self.total_bytes = total_bytes
        self.on_change = on_change
        self.clock = clock
        self.start = clock() if start is None else start
        self.articles = 0
        self.nbytes = 0
        self.closed = False
        self.last = self.start
        self.finishing = finishing
        # When the last of the input was read: the build goes on writing after it (and
        # `close` may come only once the parallel parts have written their segments).
        self.read_end: float | None = None

    def advance(self, articles: int, nbytes: int, now: float | None = None) -> ProgressFigures:
        self.articles += articles
        self.nbytes += nbytes
        self.last = self.clock() if now is None else now
        if self.read_end is None and self.nbytes >= self.total_bytes:
            self.read_end = self.last
        return self._changed()

    def close(self, now: float | None = None) -> ProgressFigures:
        if not self.closed:
            self.closed = True
            self.last = self.clock() if now is None else now
            if self.read_end is None:
                self.read_end = self.last
        return self._changed()

    def figures(self, now: float | None = None) -> ProgressFigures:
        """The figures at `now` (by default, at the last call)."""
        now = self.last if now is None else now
        elapsed = max(now - self.start, 0.0)
        # Bytes can grow while a build runs (a file appended to); never past the end.
        read = min(self.nbytes, self.total_bytes)
        exact = self.closed or read >= self.total_bytes
        if exact:
            total = self.articles
        elif read > 0:
            total = max(self.articles, round(self.articles * self.total_bytes / read))
        else:
            total = 0
        rate = self.articles / elapsed if elapsed > 0 else 0.0
        left: float | None = None
        if not exact and read > 0 and elapsed > 0:
            reading_left = (self.total_bytes - read) / (read / elapsed)
            left = (
                reading_left + self.finishing * (elapsed + reading_left)
                if self.finishing
                else reading_left
            )
        elif exact and self.finishing and self.read_end is not None:
            # Counted from when the input was all read, not from this call.
            writing_left = self.finishing * self.read_seconds - (now - self.read_end)
            left = writing_left if writing_left > 0 else None
        return ProgressFigures(self.articles, total, exact, rate, left)

    @property
    def read_seconds(self) -> float:
        """Seconds the input took to read (so far, while it is read)."""
        end = self.last if self.read_end is None else self.read_end
        return max(end - self.start, 0.0)

    def finishing_of(self, done: float) -> float | None:
        """The after-reading time per second of reading of a build that ended at `done`.

        For the next build's `finishing`; None when it cannot be told (nothing read).
        """
        if self.read_end is None or self.read_seconds <= 0:
            return None
        return max(done - self.read_end, 0.0) / self.read_seconds

    def _changed(self) -> ProgressFigures:
        figures = self.figures()
        if self.on_change is not None:
            self.on_change(figures)
        return figures


def job_progress(
    job: Job,
    save: Callable[[Job], None],
    finishing: float | None = None,
    started: Callable[[BuildProgress], Any] | None = None,
) -> ProgressFactory:
    """The progress of a build run as `job`: its figures recorded into the job as it goes
    (and saved by `save` for the other worker processes, now and then).

    `finishing` is `BuildProgress`'s (the time after reading, from an earlier build);
    `started` is handed the build's progress when it starts, to time it.
    """

    def progress(files: int, total_bytes: int) -> BuildProgress:
        counter = JobProgress(job, save)

        def record(figures: ProgressFigures) -> None:
            counter.record(
                figures.articles,
                figures.total,
                exact=figures.exact,
                articles_per_s=figures.articles_per_s,
                seconds_left=figures.seconds_left,
                progress=figures.describe(),
            )

        build = BuildProgress(files, total_bytes, record, finishing=finishing)
        if started is not None:
            started(build)
        return build

    return progress


def record_done(job: Job, report: BuildReport) -> None:
    """A finished build's figures into its job: the exact count (a rebuild drops ids
    two workers both took) and the whole job's rate, the commit included."""
    job.state, job.message = "done", report.summary()
    job.failed = report.failed
    job.done = job.total = report.indexed
    job.exact, job.seconds_left, job.expected_end = True, None, None
    job.articles_per_s = report.articles_per_s
    if report.files_read:
        job.progress = finished(report.indexed, report.seconds)
    else:
        # Nothing read: the corpus was in step, or files were only removed.
        job.progress = (
            f"removed {report.removed:,} articles" if report.removed else "no file to read"
        )
    job.errors = [str(e) for e in report.errors]


def record_failed(job: Job, message: str) -> None:
    """A failed build's end into its job, with how far it got."""
    job.state, job.message = "failed", message
    # Not the last figures' "writing the index": nothing is being written.
    job.seconds_left = job.expected_end = None
    job.progress = f"{job.done:,} articles read before it failed" if job.done else ""


@dataclass
class BuildReport:
    """What a build did, for the summary line and the exit status."""

    files_read: int = 0
    files_unchanged: int = 0
    indexed: int = 0
    # Articles of changed files kept as they were indexed (their signature is the same).
    articles_unchanged: int = 0
    removed: int = 0
    errors: list[CorpusError] = field(default_factory=list)
    seconds: float = 0.0
    rebuilt: bool = False
    generation: Path | None = None
    # Why a damaged index was rebuilt instead of updated (IndexDamaged's message).
    repaired: str | None = None

    @property
    def failed(self) -> int:
        return len(self.errors)

    @property
    def articles_per_s(self) -> float:
        return self.indexed / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        kind = "rebuilt" if self.rebuilt else "updated"
        return (
            f"{kind}: read {self.files_read} files ({self.files_unchanged} unchanged), "
            f"indexed {self.indexed} articles, removed {self.removed}, failed {self.failed}, "
            f"{self.seconds:.1f} s, {self.articles_per_s:.0f} articles/s"
        )
