"""The one writer: every change the server makes to the corpus and the index, in order.

Uploads, corrections, removals, reindexing and the start-up reconciliation are
queued to a single thread. It writes the files first (atomically, into
`corpus/uploads/`; replaced and removed versions go to `corpus/.trash/`),
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
batch that changed no file makes no update at all. An id belongs to one
file: an upload of an id held by another file takes it out of that file first
(the whole file to the trash when nothing else is in it, else the record, for
JSON and JSONL files).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.archive.builds import BuildReport
from indexer.editing.jobs import JobStore
from indexer.editing.trash import trash_file, trash_record
from indexer.editing.uploads import (
    atomic_write,
    extension_of,
    free_name,
    inside,
    remove_stale_temporaries,
    uploads_folder,
)
from indexer.embedded.index.build import (
    INDEXED,
    INDEXED_COLUMNS,
    file_key,
    file_signature,
    update_index,
)
from indexer.embedded.index.columns import live_columns
from indexer.embedded.index.store import IndexLocation
from indexer.entities.enrich import enrichment_signature
from indexer.ingest.article import make_article
from indexer.ingest.corpus import DEFAULT_MAX_FILE_BYTES, find_files
from indexer.ingest.errors import CorpusError
from indexer.system.processes import ProcessId

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
# How often a running job's progress is saved for the other worker processes.
PROGRESS_SAVE_SECONDS = 0.5
# Above this many ids, what the index holds is read from its columns, not id by id.
LOOKUPS_MAX = 100
# Formats whose files can be rewritten without one of their articles.
REWRITABLE = (".json", ".jsonl", ".ndjson")


class WriteFailed(Exception):
    """The writer could not finish a write (disk full, index damaged, shut down)."""


@dataclass
class Outcome:
    """What happened to one article of a request."""

    status: str  # created, updated, rejected, deleted, missing
    id: str | None = None
    file: str | None = None
    where: str | None = None
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "id": self.id}
        if self.file is not None:
            data["file"] = self.file
        if self.where is not None:
            data["where"] = self.where
        if self.reasons:
            data["reasons"] = self.reasons
        return data


@dataclass
class NewFile:
    """A file to write into `corpus/uploads/` under a safe name, with the ids it holds."""

    name: str
    data: bytes
    outcomes: list[Outcome]

    @property
    def ids(self) -> list[str]:
        return [o.id for o in self.outcomes if o.id is not None]


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
            "started": _iso(self.started),
            "finished": _iso(self.finished),
        }


@dataclass
class _Task:
    job: Job
    payload: Any
    future: Future[Any]
    touched: set[Path] = field(default_factory=set)
    result: Any = None
    error: BaseException | None = None


class _JobProgress:
    """The `Progress` of `update_index`, counting into a job."""

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


class Owners:
    """Which file holds which article ids, as the index says, changed as a batch goes."""

    def __init__(self, holders: dict[str, str]) -> None:
        self.holder: dict[str, str] = holders
        self.files: dict[str, set[str]] = {}
        for article_id, key in holders.items():
            self.files.setdefault(key, set()).add(article_id)

    @classmethod
    def load(cls, location: IndexLocation) -> Owners:
        if location.current() is None:
            return cls({})
        ix = location.open()
        try:
            with ix.reader() as reader:
                if reader.doc_count() == 0:
                    return cls({})
                files, _signatures, ids = live_columns(reader, *INDEXED, cache=INDEXED_COLUMNS)
                return cls(dict(zip(ids, files, strict=True)))
        finally:
            ix.close()

    def ids_of(self, key: str) -> set[str]:
        return set(self.files.get(key, ()))

    def assign(self, key: str, ids: Iterable[str]) -> None:
        self.drop(self.ids_of(key))
        for article_id in ids:
            self.drop([article_id])
            self.holder[article_id] = key
            self.files.setdefault(key, set()).add(article_id)

    def drop(self, ids: Iterable[str]) -> None:
        for article_id in list(ids):
            key = self.holder.pop(article_id, None)
            if key is not None:
                self.files.get(key, set()).discard(article_id)


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
        self.recent_writes: deque[dict[str, Any]] = deque(maxlen=30)
        self._queue: queue.Queue[_Task | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="vindex-writer", daemon=True)
        self._stopped = False
        self._last_batch = 0.0
        # Who holds which id after this writer's last batch, and the index state
        # that batch made: reused while no one else has written the index since.
        self._owners: tuple[tuple[str, int], Owners] | None = None

    # -- the interface the web app uses -------------------------------------------

    def start(self) -> None:
        self._thread.start()

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
        record = self.job_store.load(job_id)
        if record is None:
            return None
        try:
            job = Job(**record)
        except TypeError:  # a file from another version of Vindex
            return None
        return job.interrupted()

    def _save_job(self, job: Job) -> None:
        try:
            self.job_store.save(job.id, dataclasses.asdict(job))
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
        job.state, job.started = "running", time.time()
        self._save_job(job)
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
            else:
                report = self._update(None, job, rebuild=True)
                # The searches have moved to the new generation (on_change): the
                # previous one goes unless another worker process still reads it.
                self.location.clean()
        except Exception as exc:
            job.state, job.message = "failed", f"{type(exc).__name__}: {exc}"
            self._note_error(f"{job.kind} failed: {job.message}")
            task.future.set_exception(WriteFailed(job.message))
        else:
            job.state, job.message = "done", report.summary()
            job.failed = report.failed
            job.done = job.total = max(job.total, job.done)
            job.errors = [str(e) for e in report.errors]
            task.future.set_result(report)
        finally:
            job.finished = time.time()
            self._save_job(job)

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
        if changed:
            # After the lock is let go: the searches' warm-up of the new index state
            # need not keep the other workers' writers waiting.
            self._changed()
        for task in batch:
            if task.error is not None:
                self._fail(task, task.error)
                continue
            task.job.state, task.job.finished = "done", time.time()
            task.future.set_result(task.result)

    def _write_locked(self, batch: list[_Task]) -> bool:
        """Write the batch's files and index them; whether the index changed."""
        before = self.location.state_key()
        owners = self._owners_at(before)
        for task in batch:
            task.job.state, task.job.started = "running", time.time()
            try:
                if task.job.kind == "upload":
                    task.result = [o for f in task.payload for o in self._put(owners, f, task)]
                else:
                    task.result = self._delete(owners, task.payload, task)
            except Exception as exc:
                task.error = exc
        written = [task for task in batch if task.error is None]
        touched = set().union(*(task.touched for task in written)) if written else set()
        # Only the files the batch wrote or removed are looked at; a batch that
        # changed nothing (a delete of a missing id) leaves the index alone.
        report = (
            self._update(sorted(touched), None, rebuild=False, announce=False) if touched else None
        )
        if report is not None:
            self._check_indexed(written, report)
        self._keep_owners(before, owners, batch, report)
        return report is not None

    def _owners_at(self, key: tuple[str, int] | None) -> Owners:
        """The ids' holders in the index state `key`: this writer's own, or read from the index.

        Reading them costs a pass over every document (a third of a second at
        20k articles), which each upload paid before.
        """
        # Taken, not shared: the batch changes them, and only a batch that ends
        # well gives them back (`_keep_owners`).
        cached, self._owners = self._owners, None
        if cached is not None and key is not None and cached[0] == key:
            return cached[1]
        return Owners.load(self.location)

    def _keep_owners(
        self,
        before: tuple[str, int] | None,
        owners: Owners,
        batch: list[_Task],
        report: BuildReport | None,
    ) -> None:
        """Keep the batch's owners for the next one when they are exactly the index's.

        Only when this batch's commit is the one commit since `before`: another
        worker's writer (or `vindex index`) committing in between changed ids
        these owners do not know of. A write that failed or that the index did
        not take leaves the owners unsure as well.
        """
        after = self.location.state_key()
        if before is None or after is None:
            return
        if any(task.error is not None for task in batch):
            return
        if report is None:
            if after == before:  # nothing was written: the owners are unchanged
                self._owners = (after, owners)
            return
        if any(o.status == "rejected" for t in batch if t.job.kind == "upload" for o in t.result):
            return
        if after == (before[0], before[1] + 1):
            self._owners = (after, owners)

    def _fail(self, task: _Task, exc: BaseException) -> None:
        task.job.state, task.job.finished = "failed", time.time()
        task.job.message = f"{type(exc).__name__}: {exc}"
        self._note_error(f"{task.job.kind} failed: {task.job.message}")
        if not task.future.done():
            task.future.set_exception(WriteFailed(task.job.message))

    # -- file operations ----------------------------------------------------------

    def _key(self, path: Path) -> str:
        return file_key(path, self.corpus)

    def _put(self, owners: Owners, new: NewFile, task: _Task) -> list[Outcome]:
        folder = uploads_folder(self.corpus)
        target = folder / new.name
        if not inside(folder, target):
            raise WriteFailed(f"refusing to write outside {folder}: {new.name!r}")
        ids = set(new.ids)
        if target.exists() and not owners.ids_of(self._key(target)) <= ids:
            target = free_name(folder, new.name)
        key = self._key(target)
        plan: dict[str, list[str]] = {}
        for article_id in new.ids:
            holder = owners.holder.get(article_id)
            if holder is not None and holder != key:
                plan.setdefault(holder, []).append(article_id)
        for holder, held in plan.items():
            problem = self._cannot_take_out(owners, holder, held, ids)
            if problem:
                for outcome in new.outcomes:
                    outcome.status, outcome.reasons = "rejected", [problem]
                return new.outcomes
        known = {article_id: article_id in owners.holder for article_id in new.ids}
        for holder, held in plan.items():
            self._take_out(owners, holder, held, "replaced by an upload", task)
        if target.exists():
            previous = sorted(owners.ids_of(key)) or ["(not indexed)"]
            trash_file(self.corpus, target, previous, "replaced by an upload", keep=True)
        atomic_write(target, new.data)
        # The written file itself, not its folder: a folder's every file would be looked at.
        task.touched.add(target)
        owners.assign(key, new.ids)
        for outcome in new.outcomes:
            assert outcome.id is not None
            outcome.status = "updated" if known[outcome.id] else "created"
            outcome.file = key
            self.recent_writes.appendleft(
                {"id": outcome.id, "status": outcome.status, "file": key, "at": _iso(time.time())}
            )
        return new.outcomes

    def _cannot_take_out(
        self, owners: Owners, key: str, ids: list[str], replacing: set[str]
    ) -> str | None:
        path = self.corpus / key
        if not inside(self.corpus, path):
            return f"{key} holds {', '.join(ids)} and is outside the corpus"
        whole = owners.ids_of(key) <= replacing
        if not whole and extension_of(path.name) not in REWRITABLE:
            return (
                f"{key} holds {', '.join(ids)} with other articles in a format that cannot "
                "be rewritten here; edit or remove that file"
            )
        return None

    def _take_out(self, owners: Owners, key: str, ids: list[str], reason: str, task: _Task) -> None:
        path = self.corpus / key
        # The file alone, trashed or rewritten: not a walk of the folder it is in.
        task.touched.add(path)
        if owners.ids_of(key) <= set(ids):
            trash_file(self.corpus, path, sorted(owners.ids_of(key)), reason)
        else:
            for article_id, record in _rewrite_without(path, set(ids)):
                trash_record(self.corpus, record, article_id, reason)
        owners.drop(ids)

    def _delete(self, owners: Owners, article_id: str, task: _Task) -> Outcome:
        key = owners.holder.get(article_id)
        if key is None:
            return Outcome("missing", article_id, reasons=[f"no article with the id {article_id}"])
        problem = self._cannot_take_out(owners, key, [article_id], {article_id})
        if problem:
            return Outcome("rejected", article_id, key, reasons=[problem])
        self._take_out(owners, key, [article_id], "deleted by an editor", task)
        self.recent_writes.appendleft(
            {"id": article_id, "status": "deleted", "file": key, "at": _iso(time.time())}
        )
        return Outcome("deleted", article_id, key)

    # -- the index ------------------------------------------------------------------

    def _waiting(self, job: Job | None) -> Callable[[str], None]:
        def waiting(holder: str) -> None:
            message = f"{self.location.root} is being written by {holder}; waiting for it"
            print(f"vindex: {message}", file=sys.stderr)
            if job is not None:
                job.message = message

        return waiting

    def _update(
        self, scope: list[Path] | None, job: Job | None, *, rebuild: bool, announce: bool = True
    ) -> BuildReport:
        """Update the index; with `announce`, run `on_change` after it (see `_changed`)."""
        progress: Callable[[int], _JobProgress] | None = None
        if job is not None:
            target = job

            def progress(total: int) -> _JobProgress:
                return _JobProgress(target, total, self._save_job)

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
        if announce:
            self._changed()
        return report

    def _changed(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change()
            except Exception as exc:  # a reader's trouble is not the write's
                self._note_error(f"after the update: {type(exc).__name__}: {exc}")

    def _in_step(self) -> bool:
        """Whether the index holds exactly the corpus's files, each as it is now."""
        if self._needs_rebuild():
            return False
        ix = self.location.open()
        try:
            with ix.reader() as reader:
                indexed: dict[str, str] = {}
                if reader.doc_count():
                    files = reader.column_reader("file")
                    signatures = reader.column_reader("file_sig")
                    indexed = {files[d]: signatures[d] for d in reader.all_doc_ids()}
        finally:
            ix.close()
        try:
            found = {self._key(p): file_signature(p) for p in find_files([self.corpus])}
        except OSError:
            return False
        # A file whose articles all failed is not in the index: it is read again.
        return found == indexed

    def _needs_rebuild(self) -> bool:
        current = self.location.current()
        if current is None or not self.location.is_compatible():
            return True
        signature = enrichment_signature(self.corpus)
        stored = self.location.info(current).get("enrichment")
        return stored not in (signature, f"{signature}-without-overrides")

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
        held = self._holders([str(o.id) for o in written])
        for outcome in written:
            if outcome.file is None or held.get(str(outcome.id)) != outcome.file:
                reasons = [str(e) for e in report.errors if outcome.file and outcome.file in str(e)]
                outcome.status = "rejected"
                outcome.reasons = reasons or ["the index did not take it"]

    def _holders(self, ids: list[str]) -> dict[str, str]:
        """The file the index has each of the ids in (absent: not in the index).

        A lookup per id for a few (about 3 ms each on a busy machine); for a
        batch of thousands, one pass over the id and file columns instead
        (a third of a second at 20k articles, where the lookups took a minute).
        """
        if len(ids) > LOOKUPS_MAX:
            return Owners.load(self.location).holder
        held: dict[str, str] = {}
        ix = self.location.open()
        try:
            with ix.searcher() as searcher:
                for article_id in ids:
                    stored = searcher.document(id=article_id)
                    if stored is not None:
                        held[article_id] = stored.get("file")
        finally:
            ix.close()
        return held

    def _note_error(self, message: str) -> None:
        self.recent_errors.appendleft(f"{_iso(time.time())} {message}")


def _rewrite_without(path: Path, ids: set[str]) -> list[tuple[str, dict[str, Any]]]:
    """Rewrite a JSON list or JSONL file without the given articles; returns what was taken."""
    text = path.read_text("utf-8-sig")
    taken: list[tuple[str, dict[str, Any]]] = []

    def take(record: Any) -> bool:
        try:
            article_id = make_article(record).id
        except (CorpusError, TypeError, ValueError):
            return False  # kept as it is: it was an error before, and still is
        if article_id in ids:
            taken.append((article_id, record))
            return True
        return False

    if extension_of(path.name) == ".json":
        records = json.loads(text)
        kept = [r for r in records if not take(r)] if isinstance(records, list) else records
        data = json.dumps(kept, ensure_ascii=False, indent=2) + "\n"
    else:
        lines = []
        for line in text.splitlines(keepends=True):
            try:
                record = json.loads(line) if line.strip() else None
            except ValueError:
                record = None
            if record is None or not take(record):
                lines.append(line)
        data = "".join(lines)
    atomic_write(path, data.encode("utf-8"))
    return taken


_OWNER: ProcessId | None = None


def _this_process() -> ProcessId:
    """This process, as its jobs record it (read from /proc once per process)."""
    global _OWNER
    if _OWNER is None or _OWNER.pid != os.getpid():
        _OWNER = ProcessId.current()
    return _OWNER


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")
