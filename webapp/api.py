"""The JSON API (SPEC §8): search, export, articles, suggestions, entities, facet values.

Every endpoint reads its parameters through `webapp.http.query_params`
(strict UTF-8), builds the same `SearchRequest` the pages use, asks the
archive's backend (`indexer.archive.backend`), and answers the result's
`to_dict()`, described by `webapp.openapi`. Read endpoints are plain
functions, which Starlette runs in its thread pool: a search blocks on numpy
and Whoosh, not on the event loop. Errors are raised as `webapp.errors`
exceptions and rendered by the app's one error handler.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from indexer.archive.backend import Backend
from indexer.archive.request import (
    ENTITY_ARTICLES_LIMIT,
    FACET_VALUES_LIMIT,
    MAX_ENTITY_LIMIT,
    MAX_FACET_LIMIT,
    MAX_FACET_PREFIX,
    MAX_Q,
    SEARCHABLE_FACETS,
    SearchRequest,
)
from indexer.ingest.article import ENTITY_TYPES
from webapp import feeds, parameters
from webapp.errors import BadParameter, NotFound, Unprocessable
from webapp.http import ascii_digits, conditional, query_params, read_json_object
from webapp.openapi import openapi_document
from webapp.reads import on_reading_thread, reads
from webapp.responses import JSONResponse

# A search's parameters fit in far less; anything bigger is a mistake or an attack.
MAX_SEARCH_BODY = 64 * 1024
# Articles in a feed unless per_page says otherwise: what feed readers expect.
FEED_SIZE = 20
# Seconds a feed may be kept (feed readers poll; the index changes with uploads).
FEED_MAX_AGE = 300


def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def _int_param(params: Mapping[str, str], name: str, default: int, high: int) -> int:
    text = params.get(name, "").strip()
    if not text:
        return default
    if not ascii_digits(text) or len(text) > 6 or not 1 <= int(text) <= high:
        raise BadParameter(name, f"must be a whole number between 1 and {high}")
    return int(text)


def _json(data: Any) -> Response:
    return JSONResponse(data)


def _answer(
    request: Request, build: Any, max_age: int = 60, warnings: list[str] | None = None
) -> Response:
    """A cached JSON answer of the index state, with the warnings about its parameters."""
    backend = _backend(request)

    def answer() -> Response:
        data = build(backend)
        if warnings:
            data = {**data, "warnings": warnings}
        return _json(data)

    return conditional(request, backend.version(), answer, max_age)


def _checked(params: Mapping[str, str], *extra: str) -> list[str]:
    """Warnings for the parameters the endpoint does not know (400 for a likely typo)."""
    return parameters.check(params.keys(), (*parameters.SEARCH_PARAMS, *extra))


# -- endpoints -------------------------------------------------------------------


async def api_search_endpoint(request: Request) -> Response:
    """GET with query parameters (cacheable), or POST with the same parameters as JSON."""
    if request.method == "POST":
        return await api_search_post(request)
    return await api_search(request)


@reads
def api_search(request: Request) -> Response:
    params = query_params(request)
    warnings = _checked(params, *parameters.PAGE_PARAMS)
    wanted = SearchRequest.from_params(params)
    return _answer(request, lambda backend: backend.search(wanted).to_dict(), warnings=warnings)


async def api_search_post(request: Request) -> Response:
    """The same search with its parameters in a JSON body (long filter lists, no URL limits)."""
    body = await read_json_object(request, MAX_SEARCH_BODY)
    params: dict[str, list[str]] = {}
    for name, value in body.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
            raise Unprocessable(f"{name}: expected a string, a number or a list of them", name)
        params[name] = [str(v) for v in values]
    warnings = parameters.check(params, parameters.SEARCH_PARAMS)
    wanted = SearchRequest.from_params(params)
    found = await on_reading_thread(request.app, _backend(request).search, wanted)
    result = found.to_dict()
    if warnings:
        result["warnings"] = warnings
    return JSONResponse(result, headers={"Cache-Control": "no-store"})


def api_export(request: Request) -> Response:
    """Every matching article as NDJSON, streamed a batch at a time: memory stays flat."""
    params = query_params(request)
    # No object to carry warnings: a likely typo is still refused.
    _checked(params)
    wanted = SearchRequest.from_params(params)
    backend = _backend(request)

    def stream() -> Response:
        export = backend.export(wanted)
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

    return conditional(request, backend.version(), stream)


def _ndjson(batches: Iterator[list[dict[str, Any]]]) -> Iterator[str]:
    for batch in batches:
        yield "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in batch)


@reads
def api_article(request: Request) -> Response:
    article_id: str = request.path_params["id"]

    def build(backend: Backend) -> dict[str, Any]:
        article = backend.article(article_id)
        if article is None:
            raise NotFound(f"No article with the id {article_id!r}.")
        related = [r.to_dict() for r in backend.related(article_id)]
        return {"article": article.to_dict(), "related": related}

    return _answer(request, build)


@reads
def api_suggest(request: Request) -> Response:
    params = query_params(request)
    warnings = parameters.check(params.keys(), ("q",))
    q = params.get("q", "")
    if len(q) > MAX_Q:
        raise BadParameter("q", f"longer than {MAX_Q} characters")
    return _answer(
        request,
        lambda backend: {"q": q, "suggestions": [s.to_dict() for s in backend.suggest(q)]},
        warnings=warnings,
    )


@reads
def api_entity(request: Request) -> Response:
    kind: str = request.path_params["type"]
    name: str = request.path_params["name"]
    if kind not in ENTITY_TYPES:
        raise NotFound(f"No entity type {kind!r}; the types are {', '.join(ENTITY_TYPES)}.")
    params = query_params(request)
    warnings = parameters.check(params.keys(), ("limit",))
    limit = _int_param(params, "limit", ENTITY_ARTICLES_LIMIT, MAX_ENTITY_LIMIT)

    def build(backend: Backend) -> dict[str, Any]:
        report = backend.entity_report(kind, name, limit=limit)
        if report is None:
            raise NotFound(f"No {kind} named {name!r} in the archive.")
        return report.to_dict()

    return _answer(request, build, warnings=warnings)


@reads
def api_facet(request: Request) -> Response:
    facet: str = request.path_params["name"]
    if facet not in SEARCHABLE_FACETS:
        raise NotFound(f"No facet {facet!r}; the facets are {', '.join(SEARCHABLE_FACETS)}.")
    params = query_params(request)
    warnings = _checked(params, "prefix", "limit")
    wanted = SearchRequest.from_params(params)
    prefix = params.get("prefix", "")
    if len(prefix) > MAX_FACET_PREFIX:
        raise BadParameter("prefix", f"longer than {MAX_FACET_PREFIX} characters")
    limit = _int_param(params, "limit", FACET_VALUES_LIMIT, MAX_FACET_LIMIT)
    return _answer(
        request,
        lambda backend: backend.facet_values(wanted, facet, prefix, limit=limit).to_dict(),
        warnings=warnings,
    )


@reads
def search_feed(request: Request) -> Response:
    """The newest articles of a search as an Atom feed: a saved search to follow."""
    params = query_params(request)
    # Feed readers add their own parameters: only a likely typo is refused.
    _checked(params)
    wanted = SearchRequest.from_params(params)
    per_page = wanted.per_page if params.get("per_page") else FEED_SIZE
    wanted = replace(wanted, sort="newest", page=1, per_page=per_page)
    backend = _backend(request)
    base_url: str | None = request.app.state.settings.base_url

    def build() -> Response:
        result = backend.search(wanted, facet_limit=1)
        updated = backend.updated()
        xml = feeds.atom(result, base_url or str(request.base_url), updated_fallback=updated)
        return Response(xml, media_type=feeds.MEDIA_TYPE)

    response = conditional(request, backend.version(), build, max_age=FEED_MAX_AGE)
    if base_url is None:
        # Links from the request's Host: a shared cache must not hand one client's
        # links (Host: evil.example) to the others. VINDEX_BASE_URL makes it public.
        response.headers["Cache-Control"] = f"private, max-age={FEED_MAX_AGE}"
        response.headers.add_vary_header("Host")
    return response


def healthz(request: Request) -> Response:
    """Liveness: the process answers, and what it last knew of the index (no index read)."""
    health = _backend(request).health()
    status = 200 if health.status == "ok" else 503
    return JSONResponse(health.to_dict(), status_code=status, headers={"Cache-Control": "no-store"})


def readyz(request: Request) -> Response:
    """Readiness: 200 once the index's newest state is open (opened now if need be), else 503."""
    readiness = _backend(request).readiness()
    headers = {"Cache-Control": "no-store"}
    if not readiness.ready:
        headers["Retry-After"] = "1"
    status = 200 if readiness.ready else 503
    return JSONResponse(readiness.to_dict(), status_code=status, headers=headers)


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
    Route("/readyz", readyz, methods=["GET"], name="readyz"),
    Route("/openapi.json", openapi_json, methods=["GET"], name="openapi"),
    Route("/api", api_reference, methods=["GET"], name="api_reference"),
]
