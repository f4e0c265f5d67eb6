"""Building and updating the index from the corpus.

`update_index` is incremental: files whose content is unchanged are skipped
(`indexer.embedded.index.signatures`: by size and mtime, else by a hash of
their bytes), changed and new files are (re)read and their articles replaced, and
articles of files that are gone are removed. `rebuild=True` reads everything
into a new generation and swaps it in atomically (see `indexer.embedded.index.store`).

An id belongs to one file. When a second file carries an id that another file
already holds, the second is reported as failed rather than silently winning,
because a silent replacement loses an article the editor did not mean to lose.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.writing import IndexWriter

from indexer.archive.builds import BuildReport, ProgressFactory
from indexer.embedded.index.bulk import Additions
from indexer.embedded.index.facet_arrays import save_missing
from indexer.embedded.index.filesigs import FileSignatures
from indexer.embedded.index.holdings import AllHoldings, Claims, Holdings, LookedUp, inside
from indexer.embedded.index.schema import SCHEMA_VERSION, article_signature, to_document
from indexer.embedded.index.segments import (
    Loaded,
    PartResult,
    add_documents,
    build_parts,
    build_share,
    commit_segments,
    duplicate_error,
    file_size,
    partition,
)
from indexer.embedded.index.signatures import file_signature, unchanged
from indexer.embedded.index.store import IndexDamaged, IndexLocation, reading
from indexer.entities.cache import CACHE_FOLDER, EntityCache
from indexer.entities.enrich import Enrich, cached, enrichment_signature, entity_enricher
from indexer.entities.gazetteer import GazetteerError
from indexer.ingest.corpus import DEFAULT_MAX_FILE_BYTES, file_key, find_files, read_file
from indexer.ingest.errors import CorpusError

# Memory Whoosh may use for its indexing pool before it writes a segment.
WRITER_LIMIT_MB = 256
# Added to the enrichment signature of an index built without the corpus's
# gazetteer overrides (they could not be read).
WITHOUT_OVERRIDES = "-without-overrides"

log = logging.getLogger(__name__)


@contextlib.contextmanager
def writing(ix: Index, timeout: float = 60.0) -> Iterator[IndexWriter]:
    """A Whoosh writer that is committed on success and cancelled on any error.

    Whoosh keeps its lock after a failed commit until `cancel()`; this makes
    sure the lock is always released.
    """
    writer = ix.writer(timeout=timeout, limitmb=WRITER_LIMIT_MB)
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    try:
        writer.commit()
    except BaseException:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise


@contextlib.contextmanager
def _bulk(ix: Index, writer: IndexWriter) -> Iterator[Additions]:
    """An update's new documents, written in bulk and listed by `writer`'s commit."""
    additions = Additions(ix, writer)
    try:
        yield additions
    except BaseException:
        additions.cancel()
        raise
    additions.attach()


@dataclass(frozen=True)
class DocumentLoader:
    """Turns a corpus file into Whoosh documents: read, validate, enrich, map to fields."""

    corpus: Path
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    enrich: Enrich | None = None

    def key(self, path: Path) -> str:
        return file_key(path, self.corpus)

    def load(self, path: Path, indexed: Mapping[str, bytes] | None = None) -> Loaded:
        """The file's documents, the ids it keeps as they are indexed, its errors.

        `indexed` maps the ids the index holds of this file to their article
        signatures: an article whose signature is the same is kept as it is
        indexed (neither extracted nor written again).
        """
        # The signature is taken before reading: a file changed meanwhile is
        # read again by the next update instead of being taken as current.
        signature = _signature(path, self.max_file_bytes)
        result = read_file(path, self.max_file_bytes)
        loaded = Loaded(signature, errors=list(result.errors))
        if signature is None:
            return loaded
        unseen = dict(indexed or {})
        key = self.key(path)
        for article in result.articles:
            article_sig = article_signature(article)
            # Popped: an id twice in the file is kept once, and refused the second time.
            if unseen.pop(article.id, None) == article_sig:
                loaded.kept.append(article.id)
                continue
            if self.enrich is not None:
                article = self.enrich(article)
            document = to_document(article, file=key, doc_sig=article_sig)
            loaded.documents.append((article.id, document))
        return loaded


def update_index(
    location: IndexLocation,
    corpus: Path,
    paths: Iterable[Path] | None = None,
    *,
    rebuild: bool = False,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    entities: bool = True,
    workers: int | None = None,
    progress: ProgressFactory | None = None,
    on_wait: Callable[[str], None] | None = None,
    removed: Iterable[Path] = (),
) -> BuildReport:
    """Bring the index up to date with the corpus (or the given files and folders).

    `entities=False` skips entity extraction (the editor's entities are kept).
    `workers` is the number of processes of a rebuild (default: one per core
    for corpora of more than a few megabytes, else one). `on_wait(holder)` is
    called when another process holds the write lock (see `write_lock`).
    `removed` names files that are gone (the server's writer moved them to the
    trash): their articles leave the index without a walk of the folders
    around them.
    """
    scope = [Path(p) for p in paths] if paths is not None else [corpus]
    gone_files = [Path(p) for p in removed]
    setup_errors: list[CorpusError] = []
    enrich: Enrich | None = None
    signature = "none"
    cache: EntityCache | None = None
    if entities:
        signature = enrichment_signature(corpus)
        try:
            enrich = entity_enricher(corpus)
        except GazetteerError as exc:
            # Index with the shipped gazetteer rather than not at all; say why.
            setup_errors.append(CorpusError(str(exc)))
            enrich = entity_enricher(corpus, use_overrides=False)
            signature += WITHOUT_OVERRIDES
        # Beside the index, for rebuilds: a rebuild, or a restored corpus indexed
        # anew, does not extract again (an update reads only changed files anyway).
        cache = EntityCache(location.root / CACHE_FOLDER, signature)
    loader = DocumentLoader(corpus, max_file_bytes, enrich)
    whole_loader = loader
    if enrich is not None and cache is not None:
        whole_loader = DocumentLoader(corpus, max_file_bytes, cached(enrich, cache))
    with location.write_lock(wait_message=on_wait):
        # What a killed build left behind, and generations no reader holds any more.
        location.clean()
        current = location.current()
        if rebuild or needs_rebuild(location, (signature,)):
            # A new generation replaces the whole index: it must hold the whole
            # corpus, not just the files this call was given.
            whole = _rebuild_scope(corpus, [*scope, *gone_files])
            if cache is not None:
                cache.load()  # once, before the workers are forked: they share it
            report = _rebuild(location, whole, whole_loader, progress, workers, signature)
            if cache is not None:
                cache.close()
        else:
            assert current is not None
            try:
                # Whoosh also reads the old segments when it merges them at commit.
                with reading(current):
                    report = _update(location, corpus, scope, loader, progress, gone_files)
            except IndexDamaged as exc:
                # Nothing was changed (a failed commit is cancelled); only a new
                # generation repairs it, and it must hold the whole corpus.
                whole = _rebuild_scope(corpus, [*scope, *gone_files])
                # INFO: `vindex index` says so itself, and the server's job reports it.
                log.info(
                    "index damaged, rebuilding: %s",
                    exc.problem,
                    extra={"index": str(location.root), "problem": exc.problem},
                )
                report = _rebuild(location, whole, loader, progress, workers, signature)
                report.repaired = exc.problem
    report.errors[:0] = setup_errors
    _log_report(location, report)
    return report


def needs_rebuild(location: IndexLocation, signatures: Collection[str]) -> bool:
    """Whether only a new generation brings the index up to date.

    There is no index yet, it was built with another schema, or with entity
    data (`enrichment_signature`: gazetteer, overrides) other than `signatures`.
    """
    current = location.current()
    if current is None or not location.is_compatible():
        return True
    return location.info(current).get("enrichment") not in signatures


def _log_report(location: IndexLocation, report: BuildReport) -> None:
    fields = {
        "index": str(location.root),
        "kind": "rebuild" if report.rebuilt else "update",
        "generation": report.generation.name if report.generation else None,
        "files_read": report.files_read,
        "files_unchanged": report.files_unchanged,
        "indexed": report.indexed,
        "removed": report.removed,
        "failed": report.failed,
        "ms": round(report.seconds * 1000, 1),
    }
    log.info("index %s", report.summary(), extra=fields)


def _rebuild_scope(corpus: Path, scope: list[Path]) -> list[Path]:
    """The corpus, and any of the given paths outside it."""
    root = corpus.resolve()
    outside = [p for p in scope if not p.resolve().is_relative_to(root)]
    return [corpus, *outside]


# Below this much input a rebuild stays in one process: starting workers costs more.
PARALLEL_MIN_BYTES = 2 * 1024 * 1024


def _worker_count(files: list[Path], requested: int | None) -> int:
    if requested is not None:
        return max(1, min(requested, len(files)))
    total = sum(file_size(path) for path in files)
    if total < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(os.cpu_count() or 1, len(files)))


def _rebuild(
    location: IndexLocation,
    scope: list[Path],
    loader: DocumentLoader,
    progress: ProgressFactory | None,
    workers: int | None,
    signature: str,
) -> BuildReport:
    started = time.monotonic()
    report = BuildReport(rebuilt=True)
    files = list(find_files(scope))
    generation = location.new_generation()
    log.info(
        "index rebuild started: %d files into %s",
        len(files),
        generation.name,
        extra={"index": str(location.root), "generation": generation.name, "files": len(files)},
    )
    shares = partition(files, _worker_count(files, workers))
    bar = progress(len(files), sum(file_size(path) for path in files)) if progress else None
    tick = bar.advance if bar else None
    try:
        if len(shares) > 1:
            parts = build_parts(generation, shares, loader.load, loader.key, tick)
        else:
            share = shares[0] if shares else []
            parts = [build_share(str(generation), share, loader.load, loader.key, tick)]
    finally:
        if bar:
            bar.close()
    commit_segments(generation, [segment for part in parts for segment in part.segments])
    FileSignatures(generation).write({k: v for part in parts for k, v in part.files.items()})
    for part in parts:
        report.files_read += part.files_read
        report.indexed += part.indexed
        report.errors.extend(part.errors)
    _drop_duplicates_across_parts(generation, parts, files, report)
    report.seconds = time.monotonic() - started
    location.publish(generation, {**_info(report, built=True), "enrichment": signature})
    log.info(
        "index generation switched to %s",
        generation.name,
        extra={"index": str(location.root), "generation": generation.name},
    )
    location.clean()
    report.generation = generation
    return report


def _drop_duplicates_across_parts(
    generation: Path, parts: list[PartResult], files: list[Path], report: BuildReport
) -> None:
    """An id in files of two workers: the file earlier in the corpus order keeps it."""
    if len(parts) < 2:
        return
    holders: dict[str, list[tuple[int, str]]] = {}
    for part in parts:
        for article_id, position, key in part.ids:
            holders.setdefault(article_id, []).append((position, key))
    losers = []
    for article_id, held in holders.items():
        if len(held) > 1:
            held.sort()
            winner = held[0][1]
            for position, key in held[1:]:
                losers.append((article_id, key))
                report.errors.append(duplicate_error(article_id, winner, key, files[position]))
    if not losers:
        return
    ix = whoosh_index.open_dir(str(generation))
    try:
        with writing(ix) as writer, ix.searcher() as searcher:
            for article_id, key in losers:
                for docnum in searcher.document_numbers(id=article_id):
                    if searcher.stored_fields(docnum).get("file") == key:
                        writer.delete_document(docnum)
                        report.indexed -= 1
    finally:
        ix.close()


def _update(
    location: IndexLocation,
    corpus: Path,
    scope: list[Path],
    loader: DocumentLoader,
    progress: ProgressFactory | None,
    removed: list[Path],
) -> BuildReport:
    started = time.monotonic()
    report = BuildReport()
    ix = location.open()
    try:
        with ix.searcher() as searcher:
            report = _update_with(location, corpus, scope, loader, progress, removed, ix, searcher)
        generation = location.require_current()
        _store_arrays(generation, ix)
        report.seconds = time.monotonic() - started
        info = location.info(generation)
        info.update(_info(report, built=False))
        location.write_info(generation, info)
        report.generation = generation
    finally:
        ix.close()
    return report


def _update_with(
    location: IndexLocation,
    corpus: Path,
    scope: list[Path],
    loader: DocumentLoader,
    progress: ProgressFactory | None,
    removed: list[Path],
    ix: Index,
    searcher: Any,
) -> BuildReport:
    report = BuildReport()
    table = FileSignatures(location.require_current())
    roots = [file_key(p, corpus) for p in scope if p.is_dir()]
    found = {loader.key(path): path for path in find_files(scope)}
    # Folders: every file the index holds is looked at; named files: only those.
    recorded = table.all() if roots else table.many([*found, *map(loader.key, removed)])
    gone = [k for k in recorded if k not in found and any(inside(k, r) for r in roots)]
    for path in removed:
        key = loader.key(path)
        if key in recorded and key not in found and key not in gone and not path.exists():
            gone.append(key)
    changed = [key for key, path in found.items() if not unchanged(path, recorded.get(key))]
    report.files_unchanged = len(found) - len(changed)
    # Many changed files (a new corpus): every document's file and id in one pass.
    holdings: Holdings = (
        AllHoldings(searcher.reader()) if len(changed) > LOOKUP_FILES else LookedUp(searcher)
    )
    indexed = {key: holdings.articles_of(key) for key in changed}
    # Articles of files that go or are re-read no longer hold their ids (those a
    # re-read file keeps as they are indexed hold them again below).
    released_ids = holdings.ids_of(gone) | {i for articles in indexed.values() for i in articles}
    owners = Claims(holdings, released_ids)
    signatures: dict[str, str] = {}
    forgotten: list[str] = []
    bar = None
    if progress and changed:
        bar = progress(len(changed), sum(file_size(found[key]) for key in changed))
    try:
        with writing(ix) as writer, _bulk(ix, writer) as additions:
            for key in gone:
                writer.delete_by_term("file", key)
            for key in changed:
                path = found[key]
                loaded = loader.load(path, indexed[key])
                for article_id in loaded.kept:
                    owners[article_id] = key
                # Gone from the file, or changed: the indexed article goes.
                for article_id in indexed[key].keys() - set(loaded.kept):
                    writer.delete_by_term("id", article_id)
                report.files_read += 1
                report.articles_unchanged += len(loaded.kept)
                report.errors.extend(loaded.errors)
                added = add_documents(additions, loaded.documents, key, path, owners, report.errors)
                report.indexed += len(added)
                if loaded.signature is None or not (added or loaded.kept):
                    # Unreadable, or none of its articles indexed: read (and named) again.
                    forgotten.append(key)
                else:
                    signatures[key] = loaded.signature
                if bar:
                    bar.advance(len(added) + len(loaded.kept), file_size(path))
    finally:
        if bar:
            bar.close()
    # After the commit: the table never claims a file the index does not hold as it is.
    table.write(signatures, [*gone, *forgotten])
    report.removed = len(released_ids - owners.claimed.keys())
    return report


# Above this many changed files, an update reads every document's file and id
# at once (a third of a second at 100k) instead of looking them up file by file.
LOOKUP_FILES = 20


def _store_arrays(generation: Path, ix: Index) -> None:
    """The search core's arrays for the segments that lack them (the update's, or a merge's).

    Without them the first search derives them from the columns (0.9 s at
    100,000 articles). A failure costs only that: it is logged, not raised.
    """
    try:
        with ix.reader() as reader:
            save_missing(generation, reader)
    except Exception as exc:
        log.warning("storing the search arrays failed: %s", exc, extra={"index": str(generation)})


def _signature(path: Path, max_bytes: int) -> str | None:
    try:
        return file_signature(path, max_bytes)
    except OSError:
        return None


def _info(report: BuildReport, *, built: bool) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    info: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "updated": now,
        "last_run": {
            "kind": "rebuild" if report.rebuilt else "update",
            "files_read": report.files_read,
            "indexed": report.indexed,
            "removed": report.removed,
            "failed": report.failed,
            "seconds": round(report.seconds, 3),
            "errors": [str(e) for e in report.errors[:50]],
        },
    }
    if built:
        info["built"] = now
    return info
