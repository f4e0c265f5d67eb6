"""Views: each turns a request into the search core's result and renders it as HTML or JSON."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from whoosh.index import Index

from indexer.search import MAX_PER_PAGE, SearchResult, search
from indexer.store import IndexMissing, LiveIndex


def _index(request: Request) -> Index:
    live: LiveIndex = request.app.state.index
    try:
        return live.get()
    except IndexMissing as exc:
        raise HTTPException(503, "The index has not been built yet.") from exc


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise HTTPException(400, f"{name} must be between {low} and {high}")
    return value


def _run_search(request: Request) -> SearchResult:
    q = request.query_params.get("q", "")
    if len(q) > 1000:
        raise HTTPException(400, "q is too long (at most 1000 characters)")
    page = _int_param(request, "page", 1, 1, 10_000)
    per_page = _int_param(request, "per_page", 10, 1, MAX_PER_PAGE)
    return search(_index(request), q, page=page, per_page=per_page)


def _render(request: Request, template: str, context: dict[str, Any]) -> Response:
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(request, template, context)
    return response


async def home(request: Request) -> Response:
    result = search(_index(request), "", per_page=10)
    return _render(request, "home.html", {"result": result, "q": ""})


async def search_page(request: Request) -> Response:
    result = _run_search(request)
    return _render(request, "search.html", {"result": result, "q": result.q})


async def api_search(request: Request) -> Response:
    return JSONResponse(_run_search(request).to_dict())


async def article_page(request: Request) -> Response:
    article_id = request.path_params["id"]
    ix = _index(request)
    with ix.searcher() as searcher:
        stored = searcher.document(id=article_id)
    if stored is None:
        raise HTTPException(404, f"No article with the id {article_id!r}.")
    paragraphs = [p for p in stored.get("body", "").split("\n\n") if p]
    return _render(request, "article.html", {"article": stored, "paragraphs": paragraphs, "q": ""})


async def healthz(request: Request) -> Response:
    live: LiveIndex = request.app.state.index
    try:
        ix = live.get()
    except IndexMissing:
        return JSONResponse({"status": "no index"}, status_code=503)
    return JSONResponse({"status": "ok", "generation": live.generation, "articles": ix.doc_count()})
