"""Building a new generation as segments, in this process or in several.

Reading files, extracting entities and analysis are all CPU-bound, so a
rebuild on one core leaves the others idle. Here each worker process reads
its share of the files and writes complete Whoosh segments into the new
generation's folder, in bulk (`indexer.embedded.index.bulk`); the parent then
lists all segments in one table of contents. No segment is merged or copied,
so the parallel part is the whole cost. This is what Whoosh's own
`MpWriter(multisegment=True)` does, except that our workers also read and
enrich the articles instead of receiving them pickled from a parent that
would do that work on a single core. A small build runs the same code in
this process, with one share.

It uses private methods of Whoosh's `SegmentWriter` (`_close_segment`,
`_commit_toc`), as `whoosh.multiproc` does; Whoosh is pinned at 2.7.4, its
last release, so they do not move.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.queues import SimpleQueue
from pathlib import Path
from typing import Any, Protocol

from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from indexer.embedded.index.bulk import SegmentBuilder
from indexer.embedded.index.facet_arrays import save_segment_arrays
from indexer.ingest.errors import CorpusError
from indexer.system.processes import die_with_parent

MB = 1024 * 1024
# Bounds of a worker's in-memory postings before it writes a segment (see segment_budget_bytes).
MIN_SEGMENT_MB = 64
MAX_SEGMENT_MB = 256


@dataclass
class PartResult:
    """What one worker built: its segments (none when it indexed nothing) and what it saw."""

    segments: list[Any]
    files_read: int = 0
    indexed: int = 0
    errors: list[CorpusError] = field(default_factory=list)
    # (article id, position of its file in the build's file order, file key)
    ids: list[tuple[str, int, str]] = field(default_factory=list)
    # The signature of each file it indexed articles of, by file key.
    files: dict[str, str] = field(default_factory=dict)


# Progress from a share: (articles indexed, input bytes they came from) since the
# last call; a worker sends them to the parent through its own queue (`_drain`).
Tick = Callable[[int, int], None]
# How often the parent of a parallel build passes on its workers' progress.
PROGRESS_POLL_SECONDS = 0.2


class OwnerMap(Protocol):
    """Which file holds an id (a dict, or an update's `holdings.Claims`)."""

    def get(self, article_id: str) -> str | None: ...

    def __setitem__(self, article_id: str, key: str) -> None: ...


@dataclass
class Loaded:
    """A corpus file as a build or an update reads it."""

    # Taken before reading; None: the file could not be read (its articles leave the index).
    signature: str | None
    # (article id, document) of the articles to index
    documents: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Ids of the articles an update keeps as they are indexed (their signature is the same).
    kept: list[str] = field(default_factory=list)
    errors: list[CorpusError] = field(default_factory=list)


# A corpus file -> what is indexed of it.
Loader = Callable[[Path], Loaded]


def partition(files: list[Path], parts: int) -> list[list[tuple[int, Path]]]:
    """Files dealt into `parts` shares of about equal size, largest first."""
    sized = sorted(
        enumerate(files), key=lambda item: (-file_size(item[1]), item[0])
    )  # big files first so that shares even out
    shares: list[list[tuple[int, Path]]] = [[] for _ in range(parts)]
    totals = [0] * parts
    for position, path in sized:
        smallest = totals.index(min(totals))
        shares[smallest].append((position, path))
        totals[smallest] += file_size(path)
    return [sorted(share) for share in shares if share]


def file_size(path: Path) -> int:
    """A file's size in bytes; 0 when it cannot be read (it is reported when read)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def build_parts(
    generation: Path,
    shares: list[list[tuple[int, Path]]],
    load: Loader,
    key_of: Callable[[Path], str],
    tick: Tick | None = None,
) -> list[PartResult]:
    """Run one worker per share; return their results once all have finished."""
    # fork: workers inherit the loaded modules, gazetteer and settings at no cost.
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue[tuple[str, Any]] = context.Queue()
    # Progress has a queue of its own, written at once (see `_drain`).
    ticks: SimpleQueue[tuple[int, int]] = context.SimpleQueue()
    parent = os.getpid()
    workers = [
        context.Process(
            target=_work,
            args=(str(generation), share, load, key_of, results, ticks, parent),
            daemon=True,
        )
        for share in shares
    ]
    for worker in workers:
        worker.start()
    parts: list[PartResult] = []
    failure: str | None = None
    try:
        while len(parts) < len(workers) and failure is None:
            _drain(ticks, tick)
            try:
                kind, value = results.get(timeout=PROGRESS_POLL_SECONDS)
            except queue.Empty:
                if any(w.exitcode not in (None, 0) for w in workers):
                    failure = "an indexing worker died"
                continue
            if kind == "done":
                parts.append(value)
            else:
                failure = str(value)
        # A worker's ticks are written before its result: all are there now.
        _drain(ticks, tick)
    finally:
        for worker in workers:
            if failure is not None:
                worker.terminate()
            worker.join()
    if failure is not None:
        raise RuntimeError(f"parallel build failed: {failure}")
    return parts


def _drain(ticks: SimpleQueue[tuple[int, int]], tick: Tick | None) -> None:
    """Pass on the progress the workers have sent.

    Not through the results' `Queue`: its feeder thread sends only when the
    worker lets go of the GIL, and a worker goes from its last file straight
    into sorting its postings, one long call that holds it (a put before a
    4M-tuple sort arrived 10 s late). A `SimpleQueue` writes in the put.
    """
    while not ticks.empty():
        articles, nbytes = ticks.get()
        if tick:
            tick(articles, nbytes)


def _work(
    generation: str,
    share: list[tuple[int, Path]],
    load: Loader,
    key_of: Callable[[Path], str],
    results: multiprocessing.Queue[tuple[str, Any]],
    ticks: SimpleQueue[tuple[int, int]],
    parent: int,
) -> None:
    # Before anything else: a worker must not outlive the build it is part of.
    die_with_parent(parent)

    def tick(articles: int, nbytes: int) -> None:
        ticks.put((articles, nbytes))

    try:
        results.put(("done", build_share(generation, share, load, key_of, tick, parent)))
    except BaseException:
        results.put(("error", traceback.format_exc(limit=5)))


def add_documents(
    writer: Any,
    documents: list[tuple[str, dict[str, Any]]],
    key: str,
    path: Path,
    owners: OwnerMap,
    errors: list[CorpusError],
) -> list[str]:
    """Add a file's documents, refusing ids another file holds; the ids added.

    `owners` maps every id already in the index (or this build) to its file;
    a plain add never duplicates an id because the caller has deleted the
    file's old documents and ids held elsewhere are refused here.
    """
    added = []
    for article_id, document in documents:
        if _claim(owners, article_id, key, path, errors):
            writer.add_document(**document)
            added.append(article_id)
    return added


def duplicate_error(article_id: str, owner: str, key: str, path: Path) -> CorpusError:
    where = "earlier in this file" if owner == key else f"in {owner}"
    return CorpusError(f"duplicate id {article_id!r}: already used {where}", path=path)


def build_share(
    generation: str,
    share: list[tuple[int, Path]],
    load: Loader,
    key_of: Callable[[Path], str],
    tick: Tick | None = None,
    parent: int | None = None,
) -> PartResult:
    """Index a share of the files into new segments of the generation (not yet listed).

    Documents are inverted in memory (`indexer.embedded.index.bulk`); a segment
    is written whenever its postings reach the worker's share of the memory
    budget, so a share of any size is built in bounded memory.
    """
    ix = whoosh_index.open_dir(generation)
    part = PartResult(segments=[])
    owners: dict[str, str] = {}
    budget = segment_budget_bytes()
    builder: SegmentBuilder | None = None
    # Postings are flat arrays, but a parsed file's articles and HTML trees are
    # not: a collection of the young generations after each file frees their
    # reference cycles without the collector's automatic passes over the
    # long-lived term dictionaries.
    automatic = gc.isenabled()
    gc.disable()
    try:
        for position, path in share:
            if parent is not None and os.getppid() != parent:
                # The parent was killed: nobody will publish this generation.
                os._exit(1)
            loaded = load(path)
            part.files_read += 1
            part.errors.extend(loaded.errors)
            key = key_of(path)
            indexed_before = part.indexed
            for article_id, document in loaded.documents:
                if not _claim(owners, article_id, key, path, part.errors):
                    continue
                if builder is None:
                    # _lk=False: the parent holds the index's locks for the whole build.
                    builder = SegmentBuilder(SegmentWriter(ix, _lk=False))
                builder.add(document)
                part.ids.append((article_id, position, key))
                part.indexed += 1
                if builder.estimated_bytes >= budget:
                    segment = builder.finish()
                    builder = None  # its postings are freed before the arrays are read
                    _keep(segment, generation, part)
            if loaded.signature is not None and part.indexed > indexed_before:
                # A file none of whose articles is indexed is read (and named) again.
                part.files[key] = loaded.signature
            del loaded
            gc.collect(1)
            # Progress: the file's articles and bytes (see `Tick`).
            if tick:
                tick(part.indexed - indexed_before, file_size(path))
        if builder is not None:
            segment = builder.finish()
            builder = None
            _keep(segment, generation, part)
    except BaseException:
        if builder is not None:
            builder.cancel()
        raise
    finally:
        if automatic:
            gc.enable()
        ix.close()
    return part


def _keep(segment: Any, generation: str, part: PartResult) -> None:
    """A written segment joins the part, with the search core's arrays stored beside it."""
    if segment is not None:
        save_segment_arrays(Path(generation), segment)
        part.segments.append(segment)


def _claim(
    owners: OwnerMap, article_id: str, key: str, path: Path, errors: list[CorpusError]
) -> bool:
    """Whether the id is free (and now the file's); a duplicate is reported."""
    owner = owners.get(article_id)
    if owner is not None:
        errors.append(duplicate_error(article_id, owner, key, path))
        return False
    owners[article_id] = key
    return True


def segment_budget_bytes() -> int:
    """How much of a worker's postings are held in memory before a segment is written.

    A 48th of the machine's memory shared by the workers, between 64 MB and
    256 MB (a worker's process is about 1.6 times its postings): a build on
    2 cores stays near 1 GB at any size, and a 100,000-article archive is one
    segment per worker. Fewer, larger segments search faster, so the budget
    is not smaller than it needs to be.
    """
    count = os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return MIN_SEGMENT_MB * MB
    share = memory // 48 // count // MB
    return max(MIN_SEGMENT_MB, min(MAX_SEGMENT_MB, share)) * MB


def commit_segments(generation: Path, segments: list[Any]) -> None:
    """Make the workers' segments the generation's content, in one table of contents."""
    ix = whoosh_index.open_dir(str(generation))
    writer = SegmentWriter(ix)
    try:
        writer._close_segment()
        writer._commit_toc([s for s in segments if s is not None])
    except BaseException:
        writer.cancel()
        raise
    finally:
        writer._finish()
        ix.close()
