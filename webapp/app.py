"""The web app: `create_app(settings)` builds the Starlette application.

Thin by design: the views ask the archive's backend (`indexer.archive.backend`,
opened by `indexer.archives.open_backend` in the lifespan and handed to views
as `app.state.backend`) and render its typed results. Errors are answered in
one place, the handlers here: JSON on the API's paths, the error page
elsewhere; a bad parameter is a 400, a missing or damaged index a 503.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from indexer.archive.backend import Backend
from indexer.archive.errors import ArchiveDamaged, ArchiveMissing
from indexer.archive.request import RequestError
from indexer.archives import open_backend
from indexer.settings import Settings
from indexer.system.allocator import tune_allocator
from indexer.system.collector import freeze_long_lived, tune_collector
from webapp import api, editor, metrics, pages, security
from webapp.layer import middleware as http_middleware
from webapp.responses import JSONResponse
from webapp.templating import make_templates

HERE = Path(__file__).parent
logger = logging.getLogger("vindex")

NOT_BUILT = "The index has not been built yet."
# Paths whose errors are JSON (SPEC §8) rather than an error page.
JSON_PATHS = ("/api/", "/healthz", "/readyz", "/openapi.json", "/search.atom")


def create_app(settings: Settings, *, worker: bool = False) -> Starlette:
    """The app; `worker`: the app of a server's worker process (see `start_worker`)."""
    templates = make_templates(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Two malloc arenas, and freed arrays reused by the pool threads (see the module).
        tune_allocator()
        backend = open_backend(settings)
        app.state.backend = backend
        # The one writer of this process; it first reconciles corpus and index.
        backend.start_writer()
        if worker:
            await run_in_threadpool(start_worker, backend)
        try:
            yield
        finally:
            backend.close()

    routes = [
        Route("/", pages.home, name="home"),
        Route("/search", pages.search, name="search"),
        Route("/articles/{id}", pages.article, name="article"),
        Route("/entities/{type}/{name:path}", pages.entity, name="entity"),
        Route("/help", pages.help_page, name="help"),
        Route("/favicon.ico", pages.favicon, name="favicon"),
        *api.routes,
        *editor.routes,
        *metrics.routes,
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=http_middleware(settings),
        lifespan=lifespan,
        exception_handlers={
            HTTPException: _http_error,
            RequestError: _bad_request,
            ArchiveMissing: _archive_missing,
            ArchiveDamaged: _archive_damaged,
            Exception: _server_error,
        },
    )
    app.state.settings = settings
    editor.install(app, settings)
    app.state.templates = templates
    return app


def app_from_env() -> Starlette:
    """The factory uvicorn calls in each worker: settings from `VINDEX_*`."""
    return create_app(Settings.from_env(), worker=True)


def start_worker(backend: Backend) -> None:
    """Ready a served worker before it takes connections: the index open, the collector set.

    The first search would otherwise open the index state and load the
    gazetteer while readers wait (at 100,000 articles, seconds). What that
    loads stays for the worker's life, and is then left out of the garbage
    collector's passes, which run less often (indexer/system/collector.py).
    Not for an app in a test or a script: freezing is for a process's life.
    """
    try:
        backend.warm()
    except (ArchiveMissing, ArchiveDamaged) as exc:
        # Served all the same: searches answer 503 with the reason, /readyz says it.
        logger.warning("the index was not opened at start-up: %s", exc)
    tune_collector()
    frozen = freeze_long_lived()
    health = backend.health()
    opened = f"{health.articles:,} articles" if health.status == "ok" else health.status
    logger.info(
        "worker %d ready: %s open for searching, %s objects left out of garbage collection",
        os.getpid(),
        opened,
        f"{frozen:,}",
    )


def _error(
    request: Request,
    status: int,
    message: str,
    param: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    if request.url.path.startswith(JSON_PATHS):
        error: dict[str, object] = {"status": status, "message": message}
        if param is not None:
            error["param"] = param
        return JSONResponse({"error": error}, status_code=status, headers=headers)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        # The search box keeps what was typed, read as the pages read it.
        {"status": status, "message": message, "q": pages.typed_words(request)},
        status_code=status,
        headers=headers,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    # Headers carry meaning in errors: Allow on a 405, Retry-After on a 503.
    return _error(request, exc.status_code, exc.detail, getattr(exc, "param", None), exc.headers)


async def _bad_request(request: Request, exc: Exception) -> Response:
    # Parameters are read into a request before searching (a 400 from the views); a
    # query only the index can judge (prefixes standing for too many words) fails in
    # the search, wherever a view searches: one mapping here.
    assert isinstance(exc, RequestError)
    return _error(request, 400, f"{exc.param}: {exc.message}", exc.param)


async def _archive_missing(request: Request, exc: Exception) -> Response:
    # Wherever a view reads the archive before its first build: one answer here.
    return _error(request, 503, NOT_BUILT, headers={"Retry-After": "30"})


async def _archive_damaged(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ArchiveDamaged)
    # The whole path and the cause go to the log; the answer names the file only.
    logger.error("%s", exc)
    return _error(request, 503, exc.public, headers={"Retry-After": "300"})


async def _server_error(request: Request, exc: Exception) -> Response:
    # Starlette answers this outside all middleware, so the security headers are added here.
    return _error(request, 500, "Something went wrong on our side.", headers=security.HEADERS)
