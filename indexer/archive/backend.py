"""The backend protocol: everything the web app, the CLI and the editor ask of an archive.

SPEC §11: the surfaces talk to the archive through this one interface, and
only a backend knows how the archive is stored and searched. The embedded
backend (`indexer.embedded.backend`: Whoosh files and numpy arrays on this
machine) is the first implementation; a backend for a search cluster is a
second class with the same methods, chosen by `indexer.open_archive`.

Reads return the typed results of `indexer.archive.results`. Writes go
through the backend's one writer: `upload` and `delete` answer futures that
resolve when the change is searchable, `reindex` a job whose progress can be
polled. A backend raises `ArchiveMissing` while it has no index yet and
`ArchiveDamaged` when its index cannot be read; the web app turns both into a
503 in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from indexer.archive.builds import BuildReport, ProgressFactory
from indexer.archive.errors import ArchiveDamaged, ArchiveMissing
from indexer.archive.request import SearchRequest
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
from indexer.ingest.article import Article

__all__ = ["ArchiveDamaged", "ArchiveMissing", "Backend", "Export"]


class Export(Protocol):
    """Every article a search matches, in the order a search lists them."""

    def __len__(self) -> int: ...

    def batches(self) -> Iterator[list[dict[str, Any]]]:
        """The corpus records, a batch at a time (memory stays flat)."""
        ...


class Backend(Protocol):
    """An archive: searched, read, written and rebuilt through these methods only."""

    # -- reading -----------------------------------------------------------

    def search(self, request: SearchRequest, *, facet_limit: int = ...) -> SearchResult:
        """A page of hits, every facet, totals, did-you-mean."""
        ...

    def facet_values(
        self, request: SearchRequest, facet: str, prefix: str = "", *, limit: int = ...
    ) -> FacetValues:
        """The facet's values within the request's result set that start with `prefix`."""
        ...

    def suggest(self, prefix: str, limit: int = ...) -> list[Suggestion]:
        """Completions of what a reader is typing: entities, then titles."""
        ...

    def article(self, article_id: str) -> StoredArticle | None:
        """One article as stored, or None."""
        ...

    def original(self, article_id: str) -> tuple[str, Article | None] | None:
        """The corpus file holding an article, and the article as that file has it.

        For editing: the file's own entities, not the extracted ones. None when
        the archive has no such article; the article is None when its file no
        longer holds it.
        """
        ...

    def related(self, article_id: str, limit: int = ...) -> list[RelatedArticle]:
        """Articles sharing entities and distinctive words with this one."""
        ...

    def reading(self, article_id: str, q: str = "") -> ArticleReading | None:
        """An article opened from a search for `q`: its text with the query's words marked."""
        ...

    def entity_report(self, kind: str, name: str, *, limit: int = ...) -> EntityReport | None:
        """One entity over the archive, or None when the archive does not name it."""
        ...

    def export(self, request: SearchRequest) -> Export:
        """Every article the request matches, for streaming."""
        ...

    def serving(self) -> AbstractContextManager[None]:
        """One request's reads: within the block they share what a request holds.

        For the embedded backend, one search turn and one index state, taken
        at the first read (a page reads two to four times). A backend that
        holds nothing per request answers a block that does nothing.
        """
        ...

    def stats(self) -> IndexStats:
        """What the archive holds."""
        ...

    def health(self) -> Health:
        """Whether the archive can answer (never raises for a missing or damaged index).

        Cheap enough to be asked every second: from what the process already
        knows, without reading the index when a state is open.
        """
        ...

    def readiness(self) -> Readiness:
        """Whether searches are answered from the index's newest state (opening it if need be)."""
        ...

    def version(self) -> str:
        """The archive's state: changes with every write (for ETags)."""
        ...

    def updated(self) -> str | None:
        """When the archive last changed (ISO 8601), if known."""
        ...

    def activity(self) -> dict[str, Any]:
        """For the editor's page: articles, last build and its errors, recent writes."""
        ...

    # -- writing -----------------------------------------------------------

    def index(
        self,
        paths: Iterable[Path] | None = None,
        *,
        rebuild: bool = False,
        progress: ProgressFactory | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> BuildReport:
        """Bring the archive up to date with the corpus (or some of its files), now."""
        ...

    def start_writer(self) -> None:
        """Start the one writer of a server (uploads, removals, reindexing) and reconcile."""
        ...

    def upload(self, files: list[NewFile]) -> Future[list[Outcome]]:
        """Add or replace articles: each file lands in the corpus, then in the index."""
        ...

    def delete(self, article_id: str) -> Future[Outcome]:
        """Remove an article (its file goes to the corpus trash)."""
        ...

    def reindex(self) -> Job:
        """Rebuild the index from the corpus in the background; the job reports progress."""
        ...

    def job(self, job_id: str) -> Job | None:
        """A write job by id (any worker process's)."""
        ...

    # -- lifecycle ---------------------------------------------------------

    def warm(self) -> None:
        """Open what the first search would open (arrays, names), now."""
        ...

    def close(self) -> None:
        """Stop the writer and release the index."""
        ...
