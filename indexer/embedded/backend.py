"""The embedded backend: the archive as Whoosh files and numpy arrays on this machine.

The one implementation of `indexer.archive.backend.Backend` today. It owns
the live index (the current generation, reopened after a rebuild), the
search core over it, and, in a server, the one writer thread. Everything
above it (the web app, the CLI, a newsroom's scripts) calls these methods
and sees only the typed results of `indexer.archive.results`.

The index is opened lazily: a backend can be made before the first build,
and answers `ArchiveMissing` (a 503 on the web) until there is one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from indexer.archive.builds import BuildReport, ProgressFactory
from indexer.archive.errors import ArchiveDamaged, ArchiveMissing
from indexer.archive.request import ENTITY_ARTICLES_LIMIT, FACET_VALUES_LIMIT, SearchRequest
from indexer.archive.results import (
    ArticleReading,
    EntityReport,
    FacetValues,
    Health,
    IndexStats,
    Readiness,
    RelatedArticle,
    SearchResult,
    StoredArticle,
    Suggestion,
)
from indexer.editing.jobs import Job
from indexer.editing.writes import NewFile, Outcome
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search import entity_report, facet_search
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.export import Export, stored_article
from indexer.embedded.search.reading import mark_article
from indexer.embedded.search.result_facets import RESULT_FACET_LIMIT
from indexer.embedded.search.states import StateKey, state_key, version
from indexer.embedded.search.stats import index_stats
from indexer.embedded.writer import Writer
from indexer.entities.enrich import corpus_gazetteer
from indexer.ingest.article import Article
from indexer.ingest.corpus import DEFAULT_MAX_FILE_BYTES, read_file

logger = logging.getLogger(__name__)

# The job id of the reconciliation a server's writer starts with.
STARTUP_JOB = "startup"
# Requests searching at once in a served worker. The web app takes a turn once
# per read request (`Backend.serving`, its first read) and keeps it to the end,
# so a page no longer queues again for each of its two to four reads. Beyond a
# few, more turns only hand the GIL back and forth, and the lock that hands out
# states is contended (13.7 % of a load profile's worker samples with 64).
# bench/load.py, 20 s with uploads, one run each on a machine busy with other
# work (load 7.5-8.8): 64 turns 136 requests/s (p95 1,033 ms); 4 turns 264
# (401 ms); 2 turns 242 (417 ms). A constant, not one per core: a worker's
# Python runs on one core at a time whatever the machine. The web app's reading
# threads (webapp/reads.py, 2 by default) now keep its requests below this; the
# turns still bound reads made outside them (an export's pages, the editor's).
SERVED_TURNS = 4


class EmbeddedBackend:
    """An archive in an index folder, built from a corpus folder."""

    def __init__(
        self, index: Path, corpus: Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    ) -> None:
        self.location = IndexLocation(index)
        self.corpus = corpus
        self.max_file_bytes = max_file_bytes
        self._live = LiveIndex(self.location)
        self._core: SearchCore | None = None
        self._writer: Writer | None = None
        self._lock = threading.Lock()

    @property
    def core(self) -> SearchCore:
        """The search core, made on first use (loading the gazetteer takes a moment)."""
        core = self._core
        if core is not None:  # every request asks: no lock once it is made
            return core
        with self._lock:
            if self._core is None:
                gazetteer = corpus_gazetteer(self.corpus)
                self._core = SearchCore(self._live, gazetteer, concurrency=SERVED_TURNS)
            return self._core

    # -- reading -----------------------------------------------------------

    def search(
        self, request: SearchRequest, *, facet_limit: int = RESULT_FACET_LIMIT
    ) -> SearchResult:
        return self.core.search(request, facet_limit=facet_limit)

    def facet_values(
        self,
        request: SearchRequest,
        facet: str,
        prefix: str = "",
        *,
        limit: int = FACET_VALUES_LIMIT,
    ) -> FacetValues:
        return facet_search.facet_values(self.core, request, facet, prefix, limit=limit)

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        return self.core.suggest(prefix, limit)

    def article(self, article_id: str) -> StoredArticle | None:
        stored = self.core.article(article_id)
        return stored_article(stored) if stored is not None else None

    def original(self, article_id: str) -> tuple[str, Article | None] | None:
        stored = self.core.article(article_id)
        if stored is None:
            return None
        file = str(stored.get("file", ""))
        found = read_file(self.corpus / file, self.max_file_bytes).articles
        return file, next((a for a in found if a.id == article_id), None)

    def related(self, article_id: str, limit: int = 5) -> list[RelatedArticle]:
        return self.core.related(article_id, limit)

    def reading(self, article_id: str, q: str = "") -> ArticleReading | None:
        core = self.core
        stored = core.article(article_id)
        if stored is None:
            return None
        marked = mark_article(stored, core.highlight_terms(q) if q else {})
        return ArticleReading(stored_article(stored), marked, core.related(article_id))

    def entity_report(
        self, kind: str, name: str, *, limit: int = ENTITY_ARTICLES_LIMIT
    ) -> EntityReport | None:
        return entity_report.entity_report(self.core, kind, name, limit=limit)

    def export(self, request: SearchRequest) -> Export:
        return Export(self.core, request)

    def serving(self) -> AbstractContextManager[None]:
        return self.core.span()

    def stats(self) -> IndexStats:
        return index_stats(self.location)

    def health(self) -> Health:
        """From the state searches use, when one is open: no index read, no lock taken.

        Asked every few seconds by each load balancer and orchestrator; opening
        a Whoosh reader for it cost about 4 ms of a worker's CPU each time. The
        count and version are those of the last state a search opened (after
        an update, the next search's or readiness check's).
        Until a state is open the index is read once here, so a missing or
        damaged index is told apart from one that merely has not been searched.
        """
        if self.location.current() is None:
            return Health("no index", None, 0)
        state = self._served()
        if state is not None:
            key, articles = state
            return Health("ok", key[0], articles, version(key))
        try:
            # One read of the state: the generation, its version and its count agree.
            ix, key = state_key(self._live)
            articles = ix.doc_count()
        except ArchiveMissing:
            return Health("no index", None, 0)
        except ArchiveDamaged as exc:
            logger.error("%s", exc)
            current = self.location.current()
            return Health("damaged", current.name if current else None, 0, message=exc.public)
        return Health("ok", key[0], articles, version(key))

    def readiness(self) -> Readiness:
        """Ready once the index's newest state is open for searching: opened here if need be.

        A worker that has not searched yet, or whose state predates a write
        (another worker's upload, a rebuild), opens the newest state now, as
        its next search would: readiness must not wait for traffic that a
        load balancer sends only to ready workers.
        """
        try:
            _, latest_key = state_key(self._live)
            state = self._served()
            if state is None or state[0] != latest_key:
                self.warm()
                _, latest_key = state_key(self._live)
                state = self._served()
        except ArchiveMissing:
            return Readiness(False, None, None, reason="no index: build one with `vindex index`")
        except ArchiveDamaged as exc:
            return Readiness(False, None, None, reason=exc.public)
        latest = version(latest_key)
        if state is None:  # closed meanwhile (the server is stopping)
            return Readiness(False, None, latest, reason="the index is closed")
        serving = version(state[0])
        if state[0] != latest_key:
            return Readiness(False, serving, latest, reason="the index changed while it was opened")
        return Readiness(True, serving, latest)

    def _served(self) -> tuple[StateKey, int] | None:
        """The key and article count of the state searches use, if one is open."""
        core = self._core
        return core.served() if core is not None else None

    def version(self) -> str:
        """The served generation and, within it, the latest update."""
        _, key = state_key(self._live)
        return version(key)

    def updated(self) -> str | None:
        updated: str | None = self.location.info().get("updated")
        return updated

    def activity(self) -> dict[str, Any]:
        try:
            info = self.location.info()
            articles = self._live.get().doc_count()
        except ArchiveMissing:
            info, articles = {}, 0
        last_run = info.get("last_run", {})
        writer = self._writer
        errors = list(writer.recent_errors)[:20] if writer else []
        return {
            "articles": articles,
            "built": info.get("built"),
            "updated": info.get("updated"),
            "last_run": last_run,
            "errors": errors or last_run.get("errors", [])[:20],
            "recent": list(writer.recent_writes)[:15] if writer else [],
        }

    # -- writing -----------------------------------------------------------

    def index(
        self,
        paths: Iterable[Path] | None = None,
        *,
        rebuild: bool = False,
        progress: ProgressFactory | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> BuildReport:
        return update_index(
            self.location,
            self.corpus,
            paths,
            rebuild=rebuild,
            max_file_bytes=self.max_file_bytes,
            progress=progress,
            on_wait=on_wait,
        )

    def start_writer(self) -> None:
        # The searches' new index state is opened before an upload is answered, so
        # the uploader's first search does not wait for it.
        writer = Writer(self.location, self.corpus, self.max_file_bytes, on_change=self.warm)
        writer.start()
        writer.reconcile(STARTUP_JOB)
        self._writer = writer

    @property
    def writer(self) -> Writer:
        if self._writer is None:
            raise RuntimeError("the writer is not started (start_writer)")
        return self._writer

    def upload(self, files: list[NewFile]) -> Future[list[Outcome]]:
        return self.writer.upload(files)

    def delete(self, article_id: str) -> Future[Outcome]:
        return self.writer.delete(article_id)

    def reindex(self) -> Job:
        return self.writer.reindex()

    def job(self, job_id: str) -> Job | None:
        return self.writer.job(job_id)

    # -- lifecycle ---------------------------------------------------------

    def warm(self) -> None:
        self.core.warm()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        with self._lock:
            core, self._core = self._core, None
        if core is not None:
            core.close()
        self._live.close()
