"""Opening an archive: the public Python API, and the backend a deployment's settings name.

The web app, the CLI and a newsroom's own scripts open the archive here and
then speak only the protocol of `indexer.archive.backend`. `open_archive`
gives scripts a friendlier face over it (`Archive`): keyword search
parameters, articles added as plain mappings, writes that return when they
are searchable. Today there is one backend, the embedded one (Whoosh files on
this machine).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from indexer.archive.backend import Backend
from indexer.archive.builds import BuildReport, ProgressFactory
from indexer.archive.request import ENTITY_ARTICLES_LIMIT, SearchRequest
from indexer.archive.results import EntityReport, IndexStats, SearchResult, StoredArticle
from indexer.editing.batches import record_files
from indexer.editing.uploads import Parsed, parse_records
from indexer.editing.writes import Outcome
from indexer.ingest.article import Article
from indexer.settings import Settings

# A search parameter as a script writes it: `page=2`, `place="Vienna"`, `section=[...]`.
Param = str | int | Iterable[str]


def open_backend(settings: Settings) -> Backend:
    """The archive of the settings' index and corpus folders (opened on first use)."""
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
