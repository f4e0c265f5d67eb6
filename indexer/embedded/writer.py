"""The one writer: every change the server makes to the corpus and the index, in order.

Uploads, corrections, removals, reindexing and the start-up reconciliation are
queued to a single thread. It writes the files first (`indexer.editing.edits`:
into `corpus/uploads/`; replaced and removed versions go to `corpus/.trash/`),
then brings the index up to date with `indexer.embedded.index.build.update_index`, and only
then resolves the request's future: an answered upload is in the corpus and
in the index. Uploads that queue up while the writer is busy are written one
after another and indexed with one commit, so many small concurrent uploads
cost one index update, not one each.

The index's write lock (`IndexLocation.write_lock`) is held over each batch,
from reading which file holds which id to the commit: the writers of the
other worker processes and a `vindex index` beside the server wait for it, so
the batches of all of them are taken one after another, each on the corpus
its predecessor left, and each write is answered with what happened to it.
A delete hands the index update only the file it trashed or rewrote; a
batch that changed no file makes no update at all.

Its jobs (`indexer.editing.jobs`) are logged one line per event: queued,
started, finished with counts and milliseconds, or failed.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.archive.builds import (
    BuildProgress,
    BuildReport,
    ProgressFactory,
    job_progress,
    record_done,
    record_failed,
)
from indexer.editing.edits import delete, put
from indexer.editing.jobs import Job, JobStore, iso_time
from indexer.editing.owners import Owners
from indexer.editing.uploads import uploads_folder
from indexer.editing.writes import NewFile, Outcome, WriteFailed
from indexer.embedded.index.build import (
    WITHOUT_OVERRIDES,
    needs_rebuild,
    update_index,
)
from indexer.embedded.index.facet_arrays import save_missing
from indexer.embedded.index.filesigs import FileSignatures
from indexer.embedded.index.signatures import unchanged
from indexer.embedded.index.store import IndexLocation
from indexer.embedded.owners import Tracked, follow, holders, track
from indexer.entities.enrich import enrichment_signature
from indexer.ingest.corpus import DEFAULT_MAX_FILE_BYTES, file_key, find_files
from indexer.system.files import remove_stale_temporaries
from indexer.system.processes import ProcessId

# The writer's vocabulary, importable from here as before the split.
__all__ = ["Job", "NewFile", "Outcome", "WriteFailed", "Writer"]

log = logging.getLogger(__name__)

# Writes taken from the queue for one index commit; bounds an answer's wait.
MAX_BATCH = 200
# A write arriving this soon after the last batch means a stream of writes: the
# writer then gathers what arrives within GATHER_SECONDS into the same commit.
BUSY_SECONDS = 0.25
GATHER_SECONDS = 0.02
# Jobs remembered for GET /api/jobs/{id}.
MAX_JOBS = 200
# Job numbers of this process, shared by its writers: with the process id and
# the time they make a job id no other writer of the server uses.
_JOB_NUMBERS = itertools.count(1)


@dataclass
class _Task:
    job: Job
    payload: Any
    future: Future[Any]
    touched: set[Path] = field(default_factory=set)
    result: Any = None
    error: BaseException | None = None


class Writer:
    """The server's single writer thread and its queue; `start` it, `stop` it at shutdown."""

    def __init__(
        self,
        location: IndexLocation,
        corpus: Path,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        """`on_change` runs after each change of the index, before the writes are answered."""
        self.location = location
        self.on_change = on_change
        self.corpus = corpus
        self.max_file_bytes = max_file_bytes
        self.jobs: dict[str, Job] = {}
        # Other worker processes of the server read this writer's jobs there.
        self.job_store = JobStore(location.root, keep=MAX_JOBS)
        self.recent_errors: deque[str] = deque(maxlen=50)
        # The running job's build progress (made when its build starts), for its timing.
        self._progress: BuildProgress | None = None
        self.recent_writes: deque[dict[str, Any]] = deque(maxlen=30)
        self._queue: queue.Queue[_Task | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="vindex-writer", daemon=True)
        self._stopped = False
        self._last_batch = 0.0
        # Who holds which id after this writer's last batch, with the index state
        # before it: followed to the next batch's state (see `Tracked`).
        self._owners: Tracked | None = None

    # -- the interface the web app uses -------------------------------------------

    def start(self) -> None:
        self._thread.start()
        log.info(
            "writer started for %s (corpus %s)",
            self.location.root,
            self.corpus,
            extra={"index": str(self.location.root), "corpus": str(self.corpus)},
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued (up to `timeout`); a rebuild cut short leaves the old index."""
        self._stopped = True
        self._queue.put(None)
        self._thread.join(timeout)

    def upload(self, files: list[NewFile]) -> Future[list[Outcome]]:
        """Write and index the files; the future holds one outcome per article."""
        return self._submit("upload", files).future

    def delete(self, article_id: str) -> Future[Outcome]:
        return self._submit("delete", article_id).future

    def reindex(self) -> Job:
        """A full rebuild into a new generation, swapped in when whole."""
        return self._submit("reindex", None).job

    def reconcile(self, job_id: str | None = None) -> Job:
        """Index what the corpus holds and the index lacks (after a crash, or CLI edits)."""
        return self._submit("reconcile", None, job_id).job

    def job(self, job_id: str) -> Job | None:
        """A job of this writer, or of another worker process's (from its job file)."""
        job = self.jobs.get(job_id)
        if job is not None:
            return job
        return self.job_store.load_job(job_id)

    def _save_job(self, job: Job) -> None:
        try:
            self.job_store.save_job(job)
        except OSError as exc:  # status for other workers only: never fail a write for it
            self._note_error(f"job {job.id}: could not save its state: {exc}")

    # -- the thread ---------------------------------------------------------------

    def _submit(self, kind: str, payload: Any, job_id: str | None = None) -> _Task:
        if self._stopped:
            raise WriteFailed("the server is shutting down")
        # The process id keeps ids apart between the worker processes of one server.
        owner = _this_process()
        job = Job(
            job_id or f"{kind}-{int(time.time())}-{owner.pid}-{next(_JOB_NUMBERS)}",
            kind,
            pid=owner.pid,
            process_start=owner.start,
        )
        self.jobs[job.id] = job
        while len(self.jobs) > MAX_JOBS:
            del self.jobs[next(iter(self.jobs))]
        if kind not in ("upload", "delete"):
            # Long jobs are polled, maybe through another worker process.
            self._save_job(job)
            self.job_store.prune()
        task = _Task(job, payload, Future())
        self._queue.put(task)
        # Uploads and deletes come by the hundred: their queueing is detail.
        level = logging.DEBUG if kind in ("upload", "delete") else logging.INFO
        log.log(level, "job %s queued", job.id, extra=_job_fields(job))
        return task

    def _run(self) -> None:
        carry: _Task | None = None
        while True:
            task = carry if carry is not None else self._queue.get()
            carry = None
            if task is None:
                return
            if task.job.kind in ("upload", "delete"):
                batch = [task]
                # Under a stream of writes, wait a moment for the clients just answered
                # to send their next ones: one commit for all of them instead of two.
                busy = time.monotonic() - self._last_batch < BUSY_SECONDS
                deadline = time.monotonic() + (GATHER_SECONDS if busy else 0.0)
                while len(batch) < MAX_BATCH:
                    try:
                        following = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                    except queue.Empty:
                        break
                    if following is None or following.job.kind not in ("upload", "delete"):
                        carry = following
                        break
                    batch.append(following)
                self._write_batch(batch)
                self._last_batch = time.monotonic()
            else:
                self._run_job(task)
            if carry is None and self._stopped and self._queue.empty():
                return

    def _run_job(self, task: _Task) -> None:
        job = task.job
        self._progress = None
        job.state, job.started = "running", time.time()
        self._save_job(job)
        log.info("job %s started", job.id, extra=_job_fields(job))
        try:
            if job.kind == "reconcile":
                remove_stale_temporaries(uploads_folder(self.corpus))
                # Half-built generations of a killed rebuild, and old ones nobody reads.
                self.location.clean()
                # An update commits even when nothing changed; a server starting on a
                # current index should not change its state under its first readers.
                # Without an index there is nothing to reconcile: `vindex index` builds one.
                in_step = self.location.current() is None or self._in_step()
                report = BuildReport() if in_step else self._update(None, job, rebuild=False)
                if in_step:
                    # An index written before segments had stored facet arrays gets them.
                    self._store_facet_arrays()
                self._log_opened(in_step)
            else:
                report = self._update(None, job, rebuild=True)
                # The searches have moved to the new generation (on_change): the
                # previous one goes unless another worker process still reads it.
                self.location.clean()
        except Exception as exc:
            record_failed(job, f"{type(exc).__name__}: {exc}")
            job.finished = time.time()
            self._remember_error(f"{job.kind} failed: {job.message}")
            _log_end(job)
            task.future.set_exception(WriteFailed(job.message))
        else:
            if job.kind == "reindex" and self._progress is not None:
                ratio = self._progress.finishing_of(time.monotonic())
                if ratio is not None:
                    self.job_store.save_finishing(ratio)
            record_done(job, report)
            job.finished = time.time()
            _log_end(job)
            task.future.set_result(report)
        finally:
            self._save_job(job)

    def _log_opened(self, in_step: bool) -> None:
        current = self.location.current()
        where = {"index": str(self.location.root), "generation": current and current.name}
        if current is None:
            log.warning("no index in %s: build one with `vindex index`", self.location.root)
        else:
            state = "in step with the corpus" if in_step else "brought up to date with the corpus"
            root = self.location.root
            log.info("index %s opened at %s, %s", root, current.name, state, extra=where)

    def _write_batch(self, batch: list[_Task]) -> None:
        # The index's write lock is held from reading who holds which id to the
        # commit: the other worker processes' writers (and `vindex index`) take it
        # too, so no one moves a file this batch is about to replace, and the
        # owners read here are the corpus's, not those of a moment ago.
        try:
            with self.location.write_lock(wait_message=self._waiting(None)):
                changed = self._write_locked(batch)
        except Exception as exc:
            for task in batch:
                self._fail(task, exc)
            return
        for task in batch:
            if task.error is not None:
                self._fail(task, task.error)
                continue
            task.job.state, task.job.finished = "done", time.time()
            _log_end(task.job, task.result)
            task.future.set_result(task.result)
        if changed:
            # The searches' warm-up of the new index state (facet tables, names,
            # spelling over the whole archive: 150-250 ms at 100,000 articles)
            # comes after the answer: the articles are searchable once committed,
            # and an editor's upload need not wait for it. After the lock is let
            # go, too: the other workers' writers need not wait for it either.
            self._changed()

    def _write_locked(self, batch: list[_Task]) -> bool:
        """Write the batch's files and index them; whether the index changed."""
        tracked = self._owners_at()
        owners = tracked.owners if tracked is not None else Owners({})
        for task in batch:
            task.job.state, task.job.started = "running", time.time()
            log.debug("job %s started", task.job.id, extra=_job_fields(task.job))
            try:
                if task.job.kind == "upload":
                    task.result = [
                        o for f in task.payload for o in put(self.corpus, owners, f, task.touched)
                    ]
                else:
                    task.result = delete(self.corpus, owners, task.payload, task.touched)
            except Exception as exc:
                task.error = exc
                continue
            for outcome in task.result if task.job.kind == "upload" else [task.result]:
                if outcome.status in ("created", "updated", "deleted"):
                    self._remember_write(outcome)
        written = [task for task in batch if task.error is None]
        touched = set().union(*(task.touched for task in written)) if written else set()
        # Only the files the batch wrote or removed are looked at; a batch that
        # changed nothing (a delete of a missing id) leaves the index alone.
        report = (
            self._update(sorted(touched), None, rebuild=False, announce=False) if touched else None
        )
        if report is not None:
            self._check_indexed(written, report)
        self._keep_owners(tracked, batch)
        return report is not None

    def _owners_at(self) -> Tracked | None:
        """The ids' holders in the index as it is now (None: no index yet).

        This writer's own from its last batch, brought up to date by what the
        segments changed since (`follow`), or read whole.
        """
        # Taken, not shared: the batch changes them, and only a batch that ends
        # well gives them back (`_keep_owners`).
        cached, self._owners = self._owners, None
        followed = follow(cached, self.location) if cached is not None else None
        return followed if followed is not None else track(self.location)

    def _keep_owners(self, tracked: Tracked | None, batch: list[_Task]) -> None:
        """Keep the batch's owners for the next batch, followed to the state it made.

        The batch changed them as it wrote; each of its changes that the index
        took shows again in what `follow` reads now, with the write lock still
        held (the documents it replaced are deleted, its articles are in a new
        segment), so they are the index's exactly and later batches can follow
        them from here. A write that failed or that the index did not take
        leaves them unsure: the next batch reads them whole.
        """
        if tracked is None or any(task.error is not None for task in batch):
            return
        if any(o.status == "rejected" for t in batch if t.job.kind == "upload" for o in t.result):
            return
        self._owners = follow(tracked, self.location)

    def _fail(self, task: _Task, exc: BaseException) -> None:
        task.job.state, task.job.finished = "failed", time.time()
        task.job.message = f"{type(exc).__name__}: {exc}"
        self._remember_error(f"{task.job.kind} failed: {task.job.message}")
        _log_end(task.job)
        if not task.future.done():
            task.future.set_exception(WriteFailed(task.job.message))

    # -- the index ------------------------------------------------------------------

    def _waiting(self, job: Job | None) -> Callable[[str], None]:
        def waiting(holder: str) -> None:
            message = f"{self.location.root} is being written by {holder}; waiting for it"
            log.warning(message, extra={"index": str(self.location.root), "holder": holder})
            if job is not None:
                job.message = message

        return waiting

    def _update(
        self, scope: list[Path] | None, job: Job | None, *, rebuild: bool, announce: bool = True
    ) -> BuildReport:
        """Update the index; with `announce`, run `on_change` after it (see `_changed`)."""
        progress: ProgressFactory | None = None
        if job is not None:
            # A reindex's time left includes writing the index, as the last one took.
            finishing = self.job_store.finishing() if job.kind == "reindex" else None
            progress = job_progress(job, self._save_job, finishing, self._build_started)
        if scope is not None and self._needs_rebuild():
            # A partial scope would rebuild an index of only those files.
            scope = None
        report = update_index(
            self.location,
            self.corpus,
            None if scope is None else [p for p in scope if p.exists()],
            removed=[p for p in scope or [] if not p.exists()],
            rebuild=rebuild,
            max_file_bytes=self.max_file_bytes,
            progress=progress,
            on_wait=self._waiting(job),
        )
        for error in report.errors:
            self._note_error(str(error))
        # Before the searches move on: they load what is stored instead of deriving it.
        self._store_facet_arrays()
        if announce:
            self._changed()
        return report

    def _build_started(self, progress: BuildProgress) -> None:
        self._progress = progress

    def _store_facet_arrays(self) -> None:
        """Store the facet arrays of big segments that have none (Whoosh merged segments).

        Without them, the first search after the merge, or after a restart,
        derives them from the columns (0.9 s at 100,000 articles). A failure
        only costs that: it is noted, not raised.
        """
        if self.location.current() is None:
            return
        try:
            generation, ix = self.location.open_current()
            try:
                with ix.reader() as reader:
                    save_missing(generation, reader)
            finally:
                ix.close()
        except Exception as exc:
            self._note_error(f"storing facet arrays: {type(exc).__name__}: {exc}")

    def _changed(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change()
            except Exception as exc:  # a reader's trouble is not the write's
                self._note_error(f"after the update: {type(exc).__name__}: {exc}")

    def _key(self, path: Path) -> str:
        return file_key(path, self.corpus)

    def _in_step(self) -> bool:
        """Whether the index holds exactly the corpus's files, each as it is now."""
        if self._needs_rebuild():
            return False
        files = FileSignatures(self.location.require_current()).all()
        try:
            found = {self._key(p): p for p in find_files([self.corpus])}
        except OSError:
            return False
        # A file whose articles all failed is not in the index: it is read again.
        # A copied corpus (new times, same bytes) is in step: its hashes agree.
        return found.keys() == files.keys() and all(
            unchanged(path, files[key]) for key, path in found.items()
        )

    def _needs_rebuild(self) -> bool:
        # Built with or without the gazetteer overrides: whether they can be read
        # now is for the build to find out, not a reason to rebuild before it.
        signature = enrichment_signature(self.corpus)
        return needs_rebuild(self.location, (signature, signature + WITHOUT_OVERRIDES))

    def _check_indexed(self, tasks: list[_Task], report: BuildReport) -> None:
        """An article the build did not take (say, an id another file claims) is rejected.

        Only the batch's last write of each id is looked for: a PUT that a later
        DELETE (or PUT) of the same batch replaced was done, and the index rightly
        no longer shows it; calling it rejected made clients retry it, and bring
        back what was deleted after it.
        """
        last: dict[str, Outcome] = {}
        for task in tasks:
            outcomes = task.result if task.job.kind == "upload" else [task.result]
            for outcome in outcomes:
                if outcome.id is not None and outcome.status in ("created", "updated", "deleted"):
                    last[outcome.id] = outcome
        written = [o for o in last.values() if o.status in ("created", "updated")]
        if not written:
            return
        held = holders(self.location, [str(o.id) for o in written])
        for outcome in written:
            if outcome.file is None or held.get(str(outcome.id)) != outcome.file:
                reasons = [str(e) for e in report.errors if outcome.file and outcome.file in str(e)]
                outcome.status = "rejected"
                outcome.reasons = reasons or ["the index did not take it"]

    def _note_error(self, message: str) -> None:
        """A trouble beside the writes themselves: logged, and kept for the editor page."""
        log.warning(message, extra={"index": str(self.location.root)})
        self._remember_error(message)

    def _remember_error(self, message: str) -> None:
        self.recent_errors.appendleft(f"{iso_time(time.time())} {message}")

    def _remember_write(self, outcome: Outcome) -> None:
        """For the editor page's list of recent writes."""
        self.recent_writes.appendleft(
            {
                "id": outcome.id,
                "status": outcome.status,
                "file": outcome.file,
                "at": iso_time(time.time()),
            }
        )


_OWNER: ProcessId | None = None


def _this_process() -> ProcessId:
    """This process, as its jobs record it (read from /proc once per process)."""
    global _OWNER
    if _OWNER is None or _OWNER.pid != os.getpid():
        _OWNER = ProcessId.current()
    return _OWNER


def _job_fields(job: Job) -> dict[str, Any]:
    return {"job": job.id, "kind": job.kind, "state": job.state}


def _log_end(job: Job, result: Any = None) -> None:
    """One line for a finished job: what it did (or why it failed) and how long it took."""
    fields = {**_job_fields(job), "ms": job.milliseconds}
    if job.state == "failed":
        log.error("job %s failed: %s", job.id, job.message, extra={**fields, "error": job.message})
        return
    if job.kind in ("upload", "delete"):
        outcomes: list[Outcome] = result if isinstance(result, list) else [result]
        counts: dict[str, int] = {}
        for outcome in outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        reasons = [r for o in outcomes if o.status == "rejected" for r in o.reasons]
        done = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
        fields.update(counts=counts, ids=[o.id for o in outcomes][:20], reasons=reasons[:5])
    else:
        done = job.message
        fields.update(articles=job.total, failed=job.failed)
    log.info("job %s finished in %s ms: %s", job.id, job.milliseconds, done, extra=fields)
