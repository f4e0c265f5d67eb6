"""The write endpoints of the JSON API (SPEC §9): add, replace and remove articles, reindex.

Each takes the bearer token (`webapp.auth.require_editor`), reads its body
through `webapp.bodies`, and hands the files to the archive's one writer
(`Backend.upload`, `Backend.delete`, `Backend.reindex`). It answers when every
article is in the corpus and in the index: one outcome per article. The
editor's page (`webapp.editor_pages`) stores and removes through the same
`store` and `remove`, so the two cannot answer differently.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from indexer.archive.backend import Backend

# The editor's types; they move to indexer.editing.writes (the lead fixes this import at merge).
from indexer.editing.writes import NewFile, Outcome, WriteFailed
from webapp import bodies, metrics
from webapp.auth import require_editor
from webapp.errors import ApiError, NotFound, Unprocessable
from webapp.http import media_type
from webapp.responses import JSONResponse

T = TypeVar("T")
# Write answers describe a change just made: never to be cached.
NO_STORE = {"Cache-Control": "no-store"}


def backend_of(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


async def _wait(future: Future[T]) -> T:
    try:
        return await asyncio.wrap_future(future)
    except WriteFailed as exc:
        raise ApiError(503, f"The write could not be finished: {exc}") from exc


async def store(request: Request, files: list[NewFile], rejected: list[Outcome]) -> list[Outcome]:
    """The files written and indexed; their outcomes, then the rejected ones."""
    written = await _wait(backend_of(request).upload(files)) if files else []
    metrics.count_outcomes([o.status for o in written + rejected])
    return written + rejected


async def remove(request: Request, article_id: str) -> Outcome:
    """The article removed (its file to the trash): 404 if unknown, 409 if its file cannot be."""
    outcome = await _wait(backend_of(request).delete(article_id))
    if outcome.status == "missing":
        raise NotFound(f"There is no article with the id {article_id!r}.")
    if outcome.status == "rejected":
        raise ApiError(409, "; ".join(outcome.reasons))
    metrics.count_outcomes([outcome.status])
    return outcome


def outcome_summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """The answer to a write: the outcomes counted, and each listed."""
    counts = {k: sum(o.status == k for o in outcomes) for k in ("created", "updated", "rejected")}
    return {**counts, "articles": [o.to_dict() for o in outcomes]}


async def _stored(request: Request, files: list[NewFile], rejected: list[Outcome]) -> Response:
    """The files stored; the answer counts the outcomes and lists each."""
    outcomes = await store(request, files, rejected)
    return JSONResponse(outcome_summary(outcomes), headers=NO_STORE)


async def post_articles(request: Request) -> Response:
    """JSON (an article or a list), JSONL, or multipart files in any corpus format."""
    await require_editor(request)
    kind = media_type(request, bodies.ACCEPTED)
    if kind == "multipart/form-data":
        async with request.form(max_files=bodies.MAX_FILES) as form:
            uploads = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
            if not uploads:
                raise Unprocessable("The form holds no files.", "files")
            files, rejected = await bodies.form_files(request, uploads)
    else:
        body = await bodies.read_body(request)
        files, rejected = await run_in_threadpool(bodies.body_files, body, kind)
    return await _stored(request, files, rejected)


async def put_article(request: Request) -> Response:
    """Replace (or create) the article with this id."""
    await require_editor(request)
    article_id = request.path_params["id"]
    media_type(request, bodies.JSON_TYPES)
    body = await bodies.read_body(request)
    files, rejected = await run_in_threadpool(bodies.article_files, body, article_id)
    return await _stored(request, files, rejected)


async def delete_article(request: Request) -> Response:
    """Remove from the index; the file (or the record) goes to corpus/.trash/."""
    await require_editor(request)
    outcome = await remove(request, request.path_params["id"])
    return JSONResponse(outcome.to_dict(), headers=NO_STORE)


async def post_reindex(request: Request) -> Response:
    """Start a full rebuild in the background; follow it at /api/jobs/{id}."""
    await require_editor(request)
    job = backend_of(request).reindex()
    headers = {"Location": f"/api/jobs/{job.id}", **NO_STORE}
    return JSONResponse(job.to_dict(), status_code=202, headers=headers)


async def get_job(request: Request) -> Response:
    await require_editor(request)
    job = backend_of(request).job(request.path_params["id"])
    if job is None:
        raise NotFound(f"There is no job {request.path_params['id']!r} (jobs are kept a while).")
    return JSONResponse(job.to_dict(), headers=NO_STORE)


routes: list[BaseRoute] = [
    Route("/api/articles", post_articles, methods=["POST"], name="api_articles_post"),
    Route("/api/articles/{id}", put_article, methods=["PUT"], name="api_article_put"),
    Route("/api/articles/{id}", delete_article, methods=["DELETE"], name="api_article_delete"),
    Route("/api/reindex", post_reindex, methods=["POST"], name="api_reindex"),
    Route("/api/jobs/{id}", get_job, methods=["GET"], name="api_job"),
]
