"""The JSON API (SPEC §8): search, export, articles, suggestions, entities, facet values.

Every endpoint reads its parameters through `webapp.http.query_params`
(strict UTF-8), builds the same `SearchRequest` the pages use, asks the search
core, and answers JSON described by `webapp.openapi`. Read endpoints are plain
functions, which Starlette runs in its thread pool: a search blocks on numpy
and Whoosh, not on the event loop. Errors are raised as `webapp.errors`
exceptions and rendered by the app's one error handler.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from indexer.archive.request import MAX_Q, RequestError, SearchRequest
from indexer.embedded.index.store import IndexDamaged, IndexMissing
from indexer.embedded.index.titles import shown_title
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.entity_report import MAX_LIMIT as MAX_ENTITY_LIMIT
from indexer.embedded.search.entity_report import entity_report
from indexer.embedded.search.export import Export, article_record
from indexer.embedded.search.facet_search import MAX_LIMIT as MAX_FACET_LIMIT
from indexer.embedded.search.facet_search import MAX_PREFIX, SEARCHABLE, facet_values
from indexer.ingest.article import ENTITY_TYPES
from webapp import feeds
from webapp.errors import (
    BadParameter,
    IndexNotReady,
    NotFound,
    Unprocessable,
    damaged_message,
    logger,
)
from webapp.http import conditional, index_version, query_params, read_json_object
from webapp.openapi import openapi_document

# A search's parameters fit in far less; anything bigger is a mistake or an attack.
MAX_SEARCH_BODY = 64 * 1024
# Articles in a feed unless per_page says otherwise: what feed readers expect.
FEED_SIZE = 20
# Seconds a feed may be kept (feed readers poll; the index changes with uploads).
FEED_MAX_AGE = 300


def _core(request: Request) -> SearchCore:
    core: SearchCore = request.app.state.core
    return core


def search_request(params: Mapping[str, Any]) -> SearchRequest:
    """The search request of parameters; a bad one is a 400 naming the parameter."""
    try:
        return SearchRequest.from_params(params)
    except RequestError as exc:
        raise BadParameter(exc.param, exc.message) from exc


def _int_param(params: Mapping[str, str], name: str, default: int, high: int) -> int:
    text = params.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 6 or not 1 <= int(text) <= high:
        raise BadParameter(name, f"must be a whole number between 1 and {high}")
    return int(text)


def _json(data: Any) -> Response:
    return JSONResponse(data)


def _answer(request: Request, build: Any, max_age: int = 60) -> Response:
    """A cached JSON answer of the index state; 503 while there is no index."""
    core = _core(request)
    version = index_version(core)
    try:
        return conditional(request, version, lambda: _json(build(core)), max_age)
    except IndexMissing as exc:
        raise IndexNotReady() from exc


# -- endpoints -------------------------------------------------------------------


async def api_search_endpoint(request: Request) -> Response:
    """GET with query parameters (cacheable), or POST with the same parameters as JSON."""
    if request.method == "POST":
        return await api_search_post(request)
    response: Response = await run_in_threadpool(api_search, request)
    return response


def api_search(request: Request) -> Response:
    wanted = search_request(query_params(request))
    return _answer(request, lambda core: core.search(wanted).to_dict())


async def api_search_post(request: Request) -> Response:
    """The same search with its parameters in a JSON body (long filter lists, no URL limits)."""
    body = await read_json_object(request, MAX_SEARCH_BODY)
    params: dict[str, list[str]] = {}
    for name, value in body.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
            raise Unprocessable(f"{name}: expected a string, a number or a list of them", name)
        params[name] = [str(v) for v in values]
    wanted = search_request(params)
    core = _core(request)
    try:
        result = await run_in_threadpool(core.search, wanted)
    except IndexMissing as exc:
        raise IndexNotReady() from exc
    return JSONResponse(result.to_dict(), headers={"Cache-Control": "no-store"})


def api_export(request: Request) -> Response:
    """Every matching article as NDJSON, streamed a batch at a time: memory stays flat."""
    wanted = search_request(query_params(request))
    core = _core(request)

    def stream() -> Response:
        try:
            export = Export(core, wanted)
        except IndexMissing as exc:
            raise IndexNotReady() from exc
        # A HEAD asks for the headers (the count) only: the articles are not read.
        body = iter(()) if request.method == "HEAD" else _ndjson(export.batches())
        return StreamingResponse(
            body,
            media_type="application/x-ndjson",
            headers={
                "Content-Disposition": 'attachment; filename="vindex-export.ndjson"',
                "X-Total-Count": str(len(export)),
            },
        )

    return conditional(request, index_version(core), stream)


def _ndjson(batches: Iterator[list[dict[str, Any]]]) -> Iterator[str]:
    for batch in batches:
        yield "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in batch)


def api_article(request: Request) -> Response:
    article_id: str = request.path_params["id"]

    def build(core: SearchCore) -> dict[str, Any]:
        stored = core.article(article_id)
        if stored is None:
            raise NotFound(f"No article with the id {article_id!r}.")
        # The article as written, plus its title as lists and pages show it.
        article = {**article_record(stored), "display_title": shown_title(stored)}
        return {"article": article, "related": core.related(article_id)}

    return _answer(request, build)


def api_suggest(request: Request) -> Response:
    params = query_params(request)
    q = params.get("q", "")
    if len(q) > MAX_Q:
        raise BadParameter("q", f"longer than {MAX_Q} characters")
    return _answer(request, lambda core: {"q": q, "suggestions": core.suggest(q)})


def api_entity(request: Request) -> Response:
    kind: str = request.path_params["type"]
    name: str = request.path_params["name"]
    if kind not in ENTITY_TYPES:
        raise NotFound(f"No entity type {kind!r}; the types are {', '.join(ENTITY_TYPES)}.")
    limit = _int_param(query_params(request), "limit", 10, MAX_ENTITY_LIMIT)

    def build(core: SearchCore) -> dict[str, Any]:
        report = entity_report(core, kind, name, limit=limit)
        if report is None:
            raise NotFound(f"No {kind} named {name!r} in the archive.")
        return report.to_dict()

    return _answer(request, build)


def api_facet(request: Request) -> Response:
    facet: str = request.path_params["name"]
    if facet not in SEARCHABLE:
        raise NotFound(f"No facet {facet!r}; the facets are {', '.join(SEARCHABLE)}.")
    params = query_params(request)
    wanted = search_request(params)
    prefix = params.get("prefix", "")
    if len(prefix) > MAX_PREFIX:
        raise BadParameter("prefix", f"longer than {MAX_PREFIX} characters")
    limit = _int_param(params, "limit", 20, MAX_FACET_LIMIT)
    return _answer(
        request, lambda core: facet_values(core, wanted, facet, prefix, limit=limit).to_dict()
    )


def search_feed(request: Request) -> Response:
    """The newest articles of a search as an Atom feed: a saved search to follow."""
    params = query_params(request)
    wanted = search_request(params)
    per_page = wanted.per_page if params.get("per_page") else FEED_SIZE
    wanted = replace(wanted, sort="newest", page=1, per_page=per_page)
    core = _core(request)
    base_url: str | None = request.app.state.settings.base_url

    def build() -> Response:
        result = core.search(wanted, facet_limit=1)
        built = core.live.location.info().get("updated")
        xml = feeds.atom(result, base_url or str(request.base_url), updated_fallback=built)
        return Response(xml, media_type=feeds.MEDIA_TYPE)

    response = conditional(request, index_version(core), build, max_age=FEED_MAX_AGE)
    if base_url is None:
        # Links from the request's Host: a shared cache must not hand one client's
        # links (Host: evil.example) to the others. VINDEX_BASE_URL makes it public.
        response.headers["Cache-Control"] = f"private, max-age={FEED_MAX_AGE}"
        response.headers.add_vary_header("Host")
    return response


def healthz(request: Request) -> Response:
    core = _core(request)
    try:
        version = index_version(core)
        articles = core.live.get().doc_count()
    except IndexNotReady:
        body = {"status": "no index", "generation": None, "articles": 0}
        return JSONResponse(body, status_code=503, headers={"Cache-Control": "no-store"})
    except IndexDamaged as exc:
        logger.error("%s", exc)
        current = core.live.location.current()
        body = {
            "status": "damaged",
            "generation": current.name if current else None,
            "articles": 0,
            "message": damaged_message(exc),
        }
        return JSONResponse(body, status_code=503, headers={"Cache-Control": "no-store"})
    body = {"status": "ok", "generation": core.generation, "version": version, "articles": articles}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def openapi_json(request: Request) -> Response:
    base_url: str | None = request.app.state.settings.base_url
    document = openapi_document()
    if base_url:
        # Clients generated from the document call the public address, not the Host they saw.
        document = {**document, "servers": [{"url": base_url}]}
    return conditional(request, "openapi", lambda: JSONResponse(document), max_age=3600)


def api_reference(request: Request) -> Response:
    """The OpenAPI document as a readable page, rendered on the server (no scripts, no CDN)."""
    templates = request.app.state.templates

    def build() -> Response:
        response: Response = templates.TemplateResponse(
            request, "api.html", {"spec": openapi_document(), "q": ""}
        )
        return response

    return conditional(request, "openapi", build, max_age=3600)


routes: list[BaseRoute] = [
    Route("/api/search", api_search_endpoint, methods=["GET", "POST"], name="api_search"),
    Route("/api/search.ndjson", api_export, methods=["GET"], name="api_export"),
    Route("/api/articles/{id}", api_article, methods=["GET"], name="api_article"),
    Route("/api/suggest", api_suggest, methods=["GET"], name="api_suggest"),
    Route("/api/entities/{type}/{name:path}", api_entity, methods=["GET"], name="api_entity"),
    Route("/api/facets/{name}", api_facet, methods=["GET"], name="api_facet"),
    Route("/search.atom", search_feed, methods=["GET"], name="search_feed"),
    Route("/healthz", healthz, methods=["GET"], name="healthz"),
    Route("/openapi.json", openapi_json, methods=["GET"], name="openapi"),
    Route("/api", api_reference, methods=["GET"], name="api_reference"),
]
