"""The trash on the editor's page: what was removed or replaced, and putting it back.

`corpus/.trash/` keeps every removed and replaced version (`indexer.editing.trash`).
The page lists the newest entries (the API: `GET /api/trash`); "Restore"
(`POST /api/trash/{entry}/restore`) sends an entry's file through
the one writer as an upload (`webapp.editor_api.store`), so it is in the
corpus (`corpus/uploads/`) and in the index when the page answers, and the
entry is then discarded. `vindex restore ID` puts a file back at its old place
instead, and indexes the corpus itself: the page has no writer of its own.

An entry whose articles are in the archive again (a replaced version, or one
uploaded since) is not restored over them: the editor removes the newer one
first, as the CLI asks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from indexer.archive.errors import ArchiveMissing
from indexer.editing import trash
from indexer.editing.batches import upload_files
from indexer.editing.uploads import parse_file
from indexer.editing.writes import Outcome
from indexer.settings import Settings
from webapp.auth import require_editor
from webapp.editor_api import NO_STORE, backend_of, outcome_summary, store
from webapp.errors import ApiError

# Entries the page lists, newest first; older ones stay for `vindex restore`.
SHOWN = 30


@dataclass(frozen=True)
class Listed:
    name: str
    ids: tuple[str, ...]
    original: str
    reason: str
    trashed: str


def listing(corpus: Path, shown: int = SHOWN) -> tuple[list[Listed], int]:
    """The newest entries whose file is still there, and how many more there are."""
    found = [e for e in trash.entries(corpus) if e.file.is_file()]
    listed = [
        Listed(e.folder.name, e.ids, e.original, _reason(e.reason), e.trashed)
        for e in found[:shown]
    ]
    return listed, max(0, len(found) - shown)


def _reason(reason: str) -> str:
    """ "deleted by an editor" -> "Deleted by an editor"."""
    return reason[:1].upper() + reason[1:] if reason else "Removed"


def newest_entry(corpus: Path, article_id: str) -> str | None:
    """The name of the newest entry holding the article (for an "undo" of its removal)."""
    entry = trash.find(corpus, article_id)
    return entry.folder.name if entry else None


async def restore(request: Request, name: str) -> tuple[trash.TrashEntry, list[Outcome]]:
    """The entry's articles written and indexed again, and the entry discarded.

    404 for an entry that is gone, 409 when its articles are in the archive again.
    """
    settings: Settings = request.app.state.settings
    entry = trash.named(settings.corpus, name)
    if entry is None or not entry.file.is_file():
        raise ApiError(404, "That entry is no longer in the trash (restored already?).")
    backend = backend_of(request)
    try:
        live = [i for i in entry.ids if backend.article(i) is not None]
    except ArchiveMissing:
        live = []
    if live:
        raise ApiError(
            409,
            f"{', '.join(live[:5])} is in the archive again (a newer version): "
            "remove that first to restore this one.",
        )
    data = await run_in_threadpool(entry.file.read_bytes)
    parsed = await run_in_threadpool(parse_file, entry.file.name, data, settings.max_file_bytes)
    files, rejected = upload_files(entry.file.name, data, parsed, set())
    outcomes = await store(request, files, rejected)
    if files and not rejected:
        await run_in_threadpool(trash.discard, entry)
    return entry, outcomes


async def api_trash(request: Request) -> Response:
    """The newest trash entries, and how many older ones there are."""
    await require_editor(request)
    settings: Settings = request.app.state.settings
    listed, more = await run_in_threadpool(listing, settings.corpus)
    entries = [{**asdict(entry), "ids": list(entry.ids)} for entry in listed]
    return JSONResponse({"entries": entries, "more": more}, headers=NO_STORE)


async def api_restore(request: Request) -> Response:
    """The entry's articles back in the corpus and the index: one outcome per article."""
    await require_editor(request)
    _, outcomes = await restore(request, request.path_params["entry"])
    return JSONResponse(outcome_summary(outcomes), headers=NO_STORE)


routes: list[BaseRoute] = [
    Route("/api/trash", api_trash, methods=["GET"], name="api_trash"),
    Route("/api/trash/{entry}/restore", api_restore, methods=["POST"], name="api_restore"),
]
