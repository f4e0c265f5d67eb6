"""Opening an archive: the public Python API, and the backend a deployment's settings name.

The web app, the CLI and a newsroom's own scripts open the archive here and
then speak only the protocol of `indexer.archive.backend`. `open_archive`
gives scripts a friendlier face over it (`Archive`): keyword search
parameters, articles added as plain mappings, writes that return when they
are searchable. The embedded backend (Whoosh files on this machine) is the
default; `VINDEX_BACKEND=opensearch` serves the same archive from a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any

from indexer.archive.backend import Backend
from indexer.archive.builds import BuildReport, ProgressFactory
from indexer.archive.errors import ArchiveDamaged
from indexer.archive.request import ENTITY_ARTICLES_LIMIT, SearchRequest
from indexer.archive.results import EntityReport, IndexStats, SearchResult, StoredArticle
from indexer.editing.batches import record_files
from indexer.editing.uploads import Parsed, parse_records
from indexer.editing.writes import Outcome
from indexer.ingest.article import Article
from indexer.settings import Settings, SettingsError

# A search parameter as a script writes it: `page=2`, `place="Vienna"`, `section=[...]`.
Param = str | int | Iterable[str]


def open_backend(settings: Settings) -> Backend:
    """The archive the settings name: the embedded index folder, or an OpenSearch cluster.

    Opened on first use; the cluster's client is imported only when it is chosen
    (the `vindex[opensearch]` extra).
    """
    if settings.backend == "opensearch":
        try:
            from indexer.opensearch.backend import open_opensearch
        except ImportError as exc:
            raise SettingsError(
                "VINDEX_BACKEND=opensearch needs the OpenSearch client:"
                f" pip install 'vindex[opensearch]' ({exc})"
            ) from None
        return open_opensearch(settings)
    from indexer.embedded.backend import EmbeddedBackend

    return EmbeddedBackend(settings.index, settings.corpus, max_file_bytes=settings.max_file_bytes)


def open_archive(
    index: str | Path = "index", corpus: str | Path = "corpus", *, settings: Settings | None = None
) -> Archive:
    """The archive in `index`, built from `corpus` (or the folders `settings` name).

    Nothing is read until the first call; an archive never built answers
    `ArchiveMissing` until `index()` builds it.
    """
    if settings is None:
        settings = Settings().with_overrides(index=Path(index), corpus=Path(corpus))
    return Archive(open_backend(settings))


class Archive:
    """A news archive opened from Python: search and read it, add and remove articles.

    Use it as a context manager (or call `close`): a write starts the
    archive's writer, which must be stopped.
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._writing = False

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.backend.close()

    # -- reading -------------------------------------------------------------

    def search(self, q: str = "", **params: Param) -> SearchResult:
        """Search as the JSON API does: `search("opec", place="Vienna", sort="newest")`.

        Parameters are those of `GET /api/search` (SPEC §6); `from` is `date_from`
        here (a Python keyword), `to` may be `date_to`. A bad one raises
        `RequestError` naming it.
        """
        return self.backend.search(request(q, **params))

    def article(self, article_id: str) -> StoredArticle | None:
        return self.backend.article(article_id)

    def entity(
        self, kind: str, name: str, *, limit: int = ENTITY_ARTICLES_LIMIT
    ) -> EntityReport | None:
        """One person, organisation or place over the archive (None if it names none)."""
        return self.backend.entity_report(kind, name, limit=limit)

    def export(self, q: str = "", **params: Param) -> Iterator[dict[str, Any]]:
        """Every matching article as a corpus record (SPEC §3), in the search's order."""
        for batch in self.backend.export(request(q, **params)).batches():
            yield from batch

    def stats(self) -> IndexStats:
        return self.backend.stats()

    # -- writing -------------------------------------------------------------

    def index(
        self, *, rebuild: bool = False, progress: ProgressFactory | None = None
    ) -> BuildReport:
        """Bring the index up to date with the corpus folder (all of it with `rebuild`)."""
        return self.backend.index(rebuild=rebuild, progress=progress)

    def add(self, articles: Iterable[Mapping[str, Any] | Article]) -> list[Outcome]:
        """Add or replace articles (SPEC §3 fields); returns when they are searchable.

        Each article lands in the corpus (`corpus/uploads/`) and then in the
        index, as an editor's upload does. One `Outcome` per article, in order:
        created, updated, or rejected with the reasons (nothing is written for it).
        """
        parsed: list[Parsed] = []
        for number, item in enumerate(articles, 1):
            where = f"article {number}"
            if isinstance(item, Article):
                parsed.append(Parsed(item, None, where))
            else:
                # Validated as an upload is: a bad one is rejected with its reasons.
                parsed.extend(parse_records([item], where))
        files, rejected = record_files(parsed)
        if not files:
            return rejected
        outcomes = self._writer().upload(files).result()
        # Each outcome carries its article's `where`: back into the order given.
        order = {item.where: position for position, item in enumerate(parsed)}
        return sorted([*outcomes, *rejected], key=lambda o: order.get(o.where or "", 0))

    def remove(self, article_id: str) -> Outcome:
        """Remove an article (its file goes to the corpus trash): deleted, or missing."""
        return self._writer().delete(article_id).result()

    def _writer(self) -> Backend:
        if not self._writing:
            self.backend.start_writer()
            self._writing = True
        return self.backend


def request(q: str = "", **params: Param) -> SearchRequest:
    """The search request of keyword parameters (`date_from`/`date_to` for `from`/`to`)."""
    names = {"date_from": "from", "date_to": "to"}
    values: dict[str, list[str]] = {"q": [q]}
    for name, value in params.items():
        items = [value] if isinstance(value, str | int) else list(value)
        values[names.get(name, name)] = [str(item) for item in items]
    return SearchRequest.from_params(values)


@dataclass(frozen=True)
class BackendCheck:
    """What `vindex backend check` tells: which backend, whether it answers, what it holds."""

    kind: str
    answers: bool
    version: str | None = None
    index: str | None = None
    alias: str | None = None
    articles: int | None = None
    error: str | None = None

    def lines(self) -> list[str]:
        rows = [
            ("backend", self.kind),
            ("answers", "yes" if self.answers else "no"),
            ("version", self.version),
            ("index", self.index),
            ("alias", self.alias),
            ("articles", f"{self.articles:,}" if self.articles is not None else None),
            ("error", self.error),
        ]
        return [f"{name + ':':<10}{value}" for name, value in rows if value is not None]


def check_backend(settings: Settings) -> BackendCheck:
    """Ask the configured backend whether it answers, and what it is and holds (never raises
    for a backend that cannot answer: the check says why)."""
    backend = open_backend(settings)
    try:
        if settings.backend == "opensearch":
            return _check_cluster(backend, settings)
        health = backend.health()
        return BackendCheck(
            kind="embedded",
            answers=health.status == "ok",
            version=f"Whoosh {metadata.version('Whoosh')}",
            index=f"{settings.index} ({health.generation})" if health.generation else None,
            articles=health.articles if health.status == "ok" else None,
            error=None if health.status == "ok" else health.message or health.status,
        )
    finally:
        backend.close()


def _check_cluster(backend: Backend, settings: Settings) -> BackendCheck:
    from indexer.opensearch.backend import OpenSearchBackend

    assert isinstance(backend, OpenSearchBackend)
    alias = settings.opensearch_index
    try:
        info = backend.cluster_info()
        distribution = info.get("version", {}).get("distribution", "opensearch")
        version = f"{distribution} {info.get('version', {}).get('number', '?')}"
        index = backend.current_index()
        articles = backend.count() if index is not None else None
    except ArchiveDamaged as exc:
        return BackendCheck("opensearch", False, alias=alias, error=str(exc))
    error = None if index is not None else "no index yet: build one with `vindex index --rebuild`"
    return BackendCheck("opensearch", True, version, index, alias, articles, error)
