"""The OpenSearch backend: `indexer.archive.backend.Backend` over a cluster.

Reads translate the request (`search.py` and the modules it uses) and send
it to the alias; writes read and enrich the corpus here and send the
documents in bulk (`ingest.py`); a rebuild fills a new version of the index
and swaps the alias (`aliases.py`). Uploads and removals change the corpus
folder as the embedded backend's do, then the cluster, and are answered
only once the change is searchable (`refresh=wait_for`) and durable (the
cluster acknowledges a write once its translog is synced on every active copy).

Errors: no alias yet is `ArchiveMissing`; a cluster that cannot be reached
or refuses us is `ArchiveDamaged`, whose public message names no address.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import opensearchpy
from opensearchpy import OpenSearch

from indexer.archive.builds import (
    BuildReport,
    ProgressFactory,
    job_progress,
    record_done,
    record_failed,
)
from indexer.archive.errors import ArchiveDamaged, ArchiveMissing
from indexer.archive.request import (
    ENTITY_ARTICLES_LIMIT,
    FACET_VALUES_LIMIT,
    SearchRequest,
)
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
from indexer.editing import edits
from indexer.editing.jobs import Job
from indexer.editing.owners import Owners
from indexer.editing.uploads import inside, uploads_folder
from indexer.editing.writes import NewFile, Outcome, WriteFailed
from indexer.entities.enrich import entity_enricher
from indexer.ingest.article import Article
from indexer.ingest.corpus import DEFAULT_MAX_FILE_BYTES, file_key, read_file
from indexer.opensearch import aliases, bulk
from indexer.opensearch.aggregations import facet_values_body, parse_facet_values
from indexer.opensearch.bulk import Action, BulkOutcome, RetryPolicy
from indexer.opensearch.documents import source_of, stored_article, to_document
from indexer.opensearch.entity_report import parse_report, report_body
from indexer.opensearch.export import KEEP_ALIVE, Export
from indexer.opensearch.filter_values import closest_body, parse_closest, suggested
from indexer.opensearch.highlights import parse_reading, reading_body, unmarked
from indexer.opensearch.ingest import write_corpus
from indexer.opensearch.owners import holders_request, others_body, parse_holders, parse_others
from indexer.opensearch.related import parse_related, related_body
from indexer.opensearch.search import parse_search, search_body
from indexer.opensearch.state import (
    META_PATH,
    METRICS,
    State,
    meta_body,
    now_iso,
    parse_state,
    parse_updated,
)
from indexer.opensearch.stats import parse_stats, stats_body, store_bytes
from indexer.opensearch.suggestions import completion_body, parse_completions
from indexer.opensearch.template import (
    REPLICAS_DEFAULT,
    SHARDS_DEFAULT,
    template_body,
)
from indexer.settings import Settings

logger = logging.getLogger(__name__)

RESULT_FACET_LIMIT = 10
UNREACHABLE = "the search cluster cannot be reached"
RECENT_WRITES = 15
# How long the alias's state (index, count, version) is kept: health checks
# and the ETag of every API answer ask for it, and a load balancer's checks
# plus a page's reads would otherwise each be a cluster request. This process's
# own writes forget it at once; another process's show within this long.
STATE_SECONDS = 1.0


@contextlib.contextmanager
def answers() -> Iterator[None]:
    """The client's errors as the archive's: no index yet, or a cluster that cannot answer."""
    try:
        yield
    except opensearchpy.NotFoundError as exc:
        if _error_type(exc) == "index_not_found_exception":
            raise ArchiveMissing(
                "no index in the cluster yet: build one with `vindex index`"
            ) from exc
        raise
    except opensearchpy.ConnectionError as exc:
        raise ArchiveDamaged(f"{UNREACHABLE}: {exc}", UNREACHABLE) from exc
    except (opensearchpy.AuthenticationException, opensearchpy.AuthorizationException) as exc:
        raise ArchiveDamaged(
            f"the search cluster refused our credentials: {exc}",
            "the search cluster refused the server's credentials",
        ) from exc


def _error_type(exc: opensearchpy.TransportError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error", {})
    return str(error.get("type", "")) if isinstance(error, dict) else ""


class OpenSearchBackend:
    """An archive in a cluster's index (behind an alias), built from a corpus folder."""

    def __init__(
        self,
        client: OpenSearch,
        corpus: Path,
        *,
        alias: str = "vindex",
        shards: int = SHARDS_DEFAULT,
        replicas: int = REPLICAS_DEFAULT,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        retry: RetryPolicy = bulk.DEFAULT_POLICY,
        state_seconds: float = STATE_SECONDS,
    ) -> None:
        self.client = client
        self.corpus = corpus
        self.alias = alias
        self.shards = shards
        self.replicas = replicas
        self.max_file_bytes = max_file_bytes
        self.retry = retry
        self.state_seconds = state_seconds
        self._writer: ThreadPoolExecutor | None = None
        self._jobs: dict[str, Job] = {}
        self._recent: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._enrich: Callable[[Article], Article] | None = None
        self._state_seen: tuple[float, State | None] | None = None

    # -- the cluster ---------------------------------------------------------

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        with answers():
            answer: dict[str, Any] = self.client.search(index=self.alias, body=body)
        return answer

    def _source(self, article_id: str) -> dict[str, Any] | None:
        with answers():
            # A missing article is an answer, not an error (a missing index still is).
            found = self.client.get(index=self.alias, id=article_id, params={"ignore": 404})
        return source_of(found)

    def current_index(self) -> str | None:
        """The index the alias points at (None before the first build)."""
        with answers():
            try:
                found = self.client.indices.get_alias(name=self.alias)
            except opensearchpy.NotFoundError:
                return None
        names = aliases.current_indexes(found)
        return names[-1] if names else None

    def cluster_info(self) -> dict[str, Any]:
        """The cluster's name and version (`GET /`)."""
        with answers():
            info: dict[str, Any] = self.client.info()
        return info

    def count(self) -> int:
        with answers():
            return int(self.client.count(index=self.alias)["count"])

    def state(self) -> State | None:
        """The alias's index, count and version (None before the first build): one
        request, or none when asked again within `state_seconds`."""
        with self._lock:
            seen = self._state_seen
        if seen is not None and time.monotonic() - seen[0] < self.state_seconds:
            return seen[1]
        with answers():
            try:
                state = parse_state(self.client.indices.stats(index=self.alias, metric=METRICS))
            except opensearchpy.NotFoundError:
                state = None
        with self._lock:
            self._state_seen = (time.monotonic(), state)
        return state

    def _forget(self) -> None:
        """The kept state is no longer the archive's (this process wrote)."""
        with self._lock:
            self._state_seen = None

    def _changed(self, index: str) -> None:
        """After a write: when it happened recorded in the index, the kept state forgotten."""
        self._forget()
        try:
            self.client.indices.put_mapping(index=index, body=meta_body(now_iso()))
        except opensearchpy.TransportError as exc:
            # The articles are written; only the time of the change is not (a key
            # allowed to write documents but not mappings, say).
            logger.warning("could not record when %s changed: %s", index, exc)

    # -- reading -------------------------------------------------------------

    def search(
        self, request: SearchRequest, *, facet_limit: int = RESULT_FACET_LIMIT
    ) -> SearchResult:
        body, notice = search_body(request, facet_limit)
        answer = self._search(body)
        # The index that answered, as each hit names it (asked for only when none did).
        hits = answer["hits"]["hits"]
        state = self.state() if not hits else None
        generation = hits[0]["_index"] if hits else state.index if state else ""
        result = parse_search(answer, request, facet_limit, notice, generation)
        if result.filter_suggestions:
            # A value the archive lacks: one more search, for its closest values.
            body = closest_body(suggested(result.filter_suggestions))
            result.filter_suggestions = parse_closest(self._search(body), result.filter_suggestions)
        return result

    def facet_values(
        self,
        request: SearchRequest,
        facet: str,
        prefix: str = "",
        *,
        limit: int = FACET_VALUES_LIMIT,
    ) -> FacetValues:
        prefix = " ".join(prefix.split())
        answer = self._search(facet_values_body(request, facet))
        return parse_facet_values(answer, request, facet, prefix, limit)

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        if not prefix.strip():
            return []
        return parse_completions(self._search(completion_body(prefix, limit)), prefix, limit)

    def article(self, article_id: str) -> StoredArticle | None:
        source = self._source(article_id)
        return stored_article(source) if source is not None else None

    def original(self, article_id: str) -> tuple[str, Article | None] | None:
        source = self._source(article_id)
        if source is None:
            return None
        file = str(source.get("file", ""))
        found = read_file(self.corpus / file, self.max_file_bytes).articles
        return file, next((a for a in found if a.id == article_id), None)

    def related(self, article_id: str, limit: int = 5) -> list[RelatedArticle]:
        source = self._source(article_id)
        if source is None:
            return []
        return parse_related(self._search(related_body(self.alias, source, limit)), source)

    def reading(self, article_id: str, q: str = "") -> ArticleReading | None:
        source = self._source(article_id)
        if source is None:
            return None
        article = stored_article(source)
        marked = (
            parse_reading(self._search(reading_body(article_id, q)), article)
            if q
            else unmarked(article)
        )
        return ArticleReading(article, marked, self.related(article_id))

    def entity_report(
        self, kind: str, name: str, *, limit: int = ENTITY_ARTICLES_LIMIT
    ) -> EntityReport | None:
        if kind not in ("person", "organization", "place") or not name.strip():
            return None
        return parse_report(self._search(report_body(kind, name, limit)), kind, limit)

    def export(self, request: SearchRequest) -> Export:
        return Export(_Pages(self), request)

    def serving(self) -> contextlib.AbstractContextManager[None]:
        # The cluster holds nothing per request: each read is its own HTTP call.
        return contextlib.nullcontext()

    def stats(self) -> IndexStats:
        index = self.current_index()
        if index is None:
            raise ArchiveMissing("no index in the cluster yet: build one with `vindex index`")
        answer = self._search(stats_body())
        with answers():
            size = store_bytes(self.client.indices.stats(index=index, metric="store"))
        stats = parse_stats(answer, index, size, _built(self.alias, index))
        return dataclasses.replace(stats, updated=self.updated())

    def health(self) -> Health:
        try:
            state = self.state()
            if state is None:
                return Health("no index", None, 0)
            return Health("ok", state.index, state.articles, state.version)
        except ArchiveMissing:
            return Health("no index", None, 0)
        except ArchiveDamaged as exc:
            logger.error("%s", exc)
            return Health("damaged", None, 0, message=exc.public)

    def readiness(self) -> Readiness:
        try:
            latest = self.version()
        except ArchiveMissing:
            return Readiness(False, None, None, reason="no index: build one with `vindex index`")
        except ArchiveDamaged as exc:
            return Readiness(False, None, None, reason=exc.public)
        # Every search reads the alias: the newest state is always the one served.
        return Readiness(True, latest, latest)

    def version(self) -> str:
        """The index behind the alias and its count of writes: changes with every write."""
        state = self.state()
        if state is None:
            raise ArchiveMissing("no index in the cluster yet: build one with `vindex index`")
        return state.version

    def updated(self) -> str | None:
        """When a write of this backend last changed the archive (None before any did)."""
        with answers():
            try:
                answer = self.client.indices.get_mapping(
                    index=self.alias, params={"filter_path": META_PATH}
                )
            except opensearchpy.NotFoundError:
                return None
        return parse_updated(answer)

    def activity(self) -> dict[str, Any]:
        try:
            articles = self.count()
        except (ArchiveMissing, ArchiveDamaged):
            articles = 0
        index = self.current_index() if articles else None
        updated = None
        with contextlib.suppress(ArchiveMissing, ArchiveDamaged):
            updated = self.updated() if index else None
        return {
            "articles": articles,
            "built": _built(self.alias, index) if index else None,
            "updated": updated,
            "last_run": {},
            "errors": [],
            "recent": list(self._recent)[:RECENT_WRITES],
        }

    # -- writing -------------------------------------------------------------

    def _send(self, refresh: str | None = None) -> Callable[[list[Action]], BulkOutcome]:
        sender = bulk.client_sender(self.client, refresh)
        return lambda batch: bulk.send(batch, sender, self.retry)

    def index(
        self,
        paths: Iterable[Path] | None = None,
        *,
        rebuild: bool = False,
        progress: ProgressFactory | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> BuildReport:
        started = time.monotonic()
        report = BuildReport()
        current = self.current_index()
        enrich = entity_enricher(self.corpus)
        with answers():
            if rebuild or current is None:
                self._rebuild(paths, progress, report, enrich)
            else:
                self._update(current, paths, progress, report, enrich)
        # The alias may name another index now: the state read before the swap is gone.
        self._forget()
        report.seconds = time.monotonic() - started
        return report

    def _rebuild(
        self,
        paths: Iterable[Path] | None,
        progress: ProgressFactory | None,
        report: BuildReport,
        enrich: Callable[[Article], Article],
    ) -> None:
        new = aliases.version_name(self.alias)
        old = [name for name in self._versions() if name != new]
        # Every version is made from the alias's template (analyzers, mappings, shards).
        template = template_body(self.alias, self.shards, self.replicas)
        self.client.indices.put_index_template(name=self.alias, body=template)
        self.client.indices.create(index=new, body={"settings": aliases.build_settings()})
        try:
            every = [self.corpus, *(paths or [])]
            write_corpus(
                every,
                self.corpus,
                new,
                enrich,
                self._send(),
                max_file_bytes=self.max_file_bytes,
                progress=progress,
                report=report,
            )
            self.client.indices.put_settings(index=new, body=aliases.serve_settings(self.replicas))
            self._changed(new)
            self.client.indices.refresh(index=new)
            current = [name for name in old if self._points_at(name)]
            self.client.indices.update_aliases(body=aliases.swap_actions(self.alias, new, current))
        except BaseException:
            # The alias still points at the old version: the half-built one goes.
            with contextlib.suppress(opensearchpy.TransportError):
                self.client.indices.delete(index=new)
            raise
        # Only now that the swap has succeeded are the old versions let go.
        for name in old:
            with contextlib.suppress(opensearchpy.NotFoundError):
                self.client.indices.delete(index=name)
        report.rebuilt = True
        report.generation = Path(new)

    def _versions(self) -> list[str]:
        with contextlib.suppress(opensearchpy.NotFoundError):
            found = self.client.indices.get(index=f"{self.alias}-*")
            return sorted(n for n in found if aliases.is_version(self.alias, n))
        return []

    def _points_at(self, index: str) -> bool:
        return index == self.current_index()

    def _update(
        self,
        index: str,
        paths: Iterable[Path] | None,
        progress: ProgressFactory | None,
        report: BuildReport,
        enrich: Callable[[Article], Article],
    ) -> None:
        whole = paths is None
        read = write_corpus(
            list(paths) if paths is not None else [self.corpus],
            self.corpus,
            index,
            enrich,
            self._send(),
            max_file_bytes=self.max_file_bytes,
            progress=progress,
            report=report,
        )
        # Articles the files read no longer hold; with the whole corpus, those of files gone.
        gone: list[dict[str, Any]] = [
            {
                "bool": {
                    "filter": [{"term": {"file": key}}],
                    "must_not": [{"ids": {"values": sorted(ids)}}],
                }
            }
            for key, ids in read.ids.items()
        ]
        if whole:
            gone.append({"bool": {"must_not": [{"terms": {"file": sorted(read.ids)}}]}})
        if gone:
            answer = self.client.delete_by_query(
                index=index,
                body={"query": {"bool": {"should": gone, "minimum_should_match": 1}}},
                params={"refresh": "true", "conflicts": "proceed"},
            )
            report.removed = int(answer.get("deleted", 0))
        self.client.indices.refresh(index=index)
        self._changed(index)

    def start_writer(self) -> None:
        # One thread: writes to the corpus folder happen one at a time, as the embedded writer's.
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="vindex-opensearch-writer")

    @property
    def writer(self) -> ThreadPoolExecutor:
        if self._writer is None:
            raise RuntimeError("the writer is not started (start_writer)")
        return self._writer

    def upload(self, files: list[NewFile]) -> Future[list[Outcome]]:
        return self.writer.submit(self._upload, files)

    def _upload(self, files: list[NewFile]) -> list[Outcome]:
        index = self.current_index()
        if index is None:
            raise WriteFailed("no index in the cluster yet: build one with `vindex index`")
        enrich = self._enricher()
        folder = uploads_folder(self.corpus)
        folder.mkdir(parents=True, exist_ok=True)
        outcomes: list[Outcome] = []
        for new in files:
            target = folder / new.name
            if not inside(folder, target):
                raise WriteFailed(f"refusing to write outside {folder}: {new.name!r}")
            # The file written, its ids taken out of the files that held them, as embedded.
            owners, indexed = self._owners(new.ids, [file_key(target, self.corpus)])
            edits.put(self.corpus, owners, new, set())
            outcomes.extend(new.outcomes)
            for outcome in new.outcomes:
                # Held by a file the corpus lost: not in `owners`, but in the archive.
                if outcome.status == "created" and outcome.id in indexed:
                    outcome.status = "updated"
            written = {o.file for o in new.outcomes if o.status in ("created", "updated")}
            key = next(iter(written), None)
            if key is None:
                continue  # rejected whole: the corpus is as it was
            articles = read_file(self.corpus / key, self.max_file_bytes).articles
            # The articles taken out of other files are these ids: written over in place.
            actions = [Action(index, a.id, to_document(enrich(a), file=key)) for a in articles]
            # Answered once searchable (wait_for) and on every active copy's translog.
            send = self._send(refresh="wait_for")
            failed = dict(item for batch in bulk.batches(actions) for item in send(batch).failed)
            for outcome in new.outcomes:
                if outcome.id in failed:
                    outcome.status, outcome.reasons = "rejected", [failed[outcome.id]]
        self._changed(index)
        self._note("upload", outcomes)
        return outcomes

    def _enricher(self) -> Callable[[Article], Article]:
        """The entity extractor of the corpus, loaded once for a server's uploads."""
        with self._lock:
            if self._enrich is None:
                self._enrich = entity_enricher(self.corpus)
            return self._enrich

    def _owners(self, ids: list[str], files: list[str]) -> tuple[Owners, set[str]]:
        """Which files hold the ids, and whether those and `files` hold other articles;
        and which of the ids the archive holds."""
        held: dict[str, str] = {}
        indexed: set[str] = set()
        with answers():
            if ids:
                answer = self.client.mget(
                    index=self.alias,
                    body=holders_request(ids),
                    params={"_source_includes": "file"},
                )
                held = parse_holders(answer)
            indexed = set(held)
            # A file the corpus no longer has is nothing to take out of: its
            # documents are written over (an upload) or deleted (a removal).
            held = {i: key for i, key in held.items() if (self.corpus / key).is_file()}
            keys = sorted({*held.values(), *files})
            if keys:
                answer = self.client.search(index=self.alias, body=others_body(keys, ids))
                held.update(parse_others(answer))
        return Owners(held), indexed

    def delete(self, article_id: str) -> Future[Outcome]:
        return self.writer.submit(self._delete, article_id)

    def _delete(self, article_id: str) -> Outcome:
        source = self._source(article_id)
        if source is None:
            return Outcome("missing", article_id, reasons=[f"no article with the id {article_id}"])
        key = str(source.get("file", ""))
        owners, _ = self._owners([article_id], [])
        if article_id in owners.holder:
            # Out of its file as the embedded writer takes it (trashed, or the file rewritten).
            outcome = edits.delete(self.corpus, owners, article_id, set())
            if outcome.status != "deleted":
                return outcome
        with answers():
            answer = self.client.delete(
                index=self.alias, id=article_id, params={"refresh": "wait_for"}
            )
        self._changed(str(answer.get("_index", self.current_index() or self.alias)))
        outcome = Outcome("deleted", article_id, key)
        self._note("delete", [outcome])
        return outcome

    def _note(self, kind: str, outcomes: list[Outcome]) -> None:
        with self._lock:
            self._recent.insert(
                0,
                {
                    "kind": kind,
                    "time": datetime.now(UTC).isoformat(),
                    "outcomes": [o.to_dict() for o in outcomes],
                },
            )
            del self._recent[RECENT_WRITES:]

    def reindex(self) -> Job:
        job = Job(f"reindex-{int(time.time())}-{len(self._jobs) + 1}", "reindex")
        self._jobs[job.id] = job
        # Live figures as the embedded writer's; not saved for other worker
        # processes (they share no index folder here), so a job is polled
        # through the worker that runs it.
        progress = job_progress(job, lambda _job: None)

        def run() -> None:
            job.state, job.started = "running", time.time()
            try:
                record_done(job, self.index(rebuild=True, progress=progress))
            except Exception as exc:  # the job reports it; the server goes on
                record_failed(job, f"{type(exc).__name__}: {exc}")
            job.finished = time.time()

        self.writer.submit(run)
        return job

    def job(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    # -- lifecycle -----------------------------------------------------------

    def warm(self) -> None:
        """Nothing to open here: the cluster keeps its own caches."""

    def close(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        self.client.close()


class _Pages:
    """An export's point in time and pages, through the backend's client."""

    def __init__(self, backend: OpenSearchBackend) -> None:
        self.backend = backend

    def open_pit(self) -> str:
        with answers():
            answer = self.backend.client.create_pit(
                index=self.backend.alias, params={"keep_alive": KEEP_ALIVE}
            )
        return str(answer["pit_id"])

    def page(self, body: dict[str, Any]) -> dict[str, Any]:
        with answers():
            # With a point in time the search names no index: the point in time does.
            answer: dict[str, Any] = self.backend.client.search(body=body)
        return answer

    def close_pit(self, pit_id: str) -> None:
        with contextlib.suppress(opensearchpy.TransportError):
            self.backend.client.delete_pit(body={"pit_id": [pit_id]})


def _built(alias: str, index: str | None) -> str | None:
    """When a version was built: the timestamp in its name."""
    if index is None or not aliases.is_version(alias, index):
        return None
    stamp = index.removeprefix(f"{alias}-")
    moment = datetime.strptime(stamp, "%Y%m%dt%H%M%S%f").replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def open_opensearch(settings: Settings) -> OpenSearchBackend:
    """The backend of the settings (`VINDEX_OPENSEARCH_*`)."""
    from indexer.opensearch.connection import connect

    return OpenSearchBackend(
        connect(settings),
        settings.corpus,
        alias=settings.opensearch_index,
        shards=settings.opensearch_shards,
        replicas=settings.opensearch_replicas,
        max_file_bytes=settings.max_file_bytes,
    )
