"""Views: each turns a request into the search core's result and renders it as HTML or JSON."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from indexer.query import RequestError, SearchRequest
from indexer.search import SearchCore, SearchResult
from indexer.store import IndexMissing


class BadParameter(HTTPException):
    """A query parameter that cannot be used: 400 naming it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(400, f"{param}: {message}")
        self.param = param


def _core(request: Request) -> SearchCore:
    core: SearchCore = request.app.state.core
    return core


def _run_search(request: Request) -> SearchResult:
    try:
        search_request = SearchRequest.from_params(request.query_params)
    except RequestError as exc:
        raise BadParameter(exc.param, exc.message) from exc
    try:
        return _core(request).search(search_request)
    except IndexMissing as exc:
        raise HTTPException(503, "The index has not been built yet.") from exc


def _render(request: Request, template: str, context: dict[str, Any]) -> Response:
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(request, template, context)
    return response


async def home(request: Request) -> Response:
    try:
        result = _core(request).search(SearchRequest(sort="newest"))
    except IndexMissing as exc:
        raise HTTPException(503, "The index has not been built yet.") from exc
    return _render(request, "home.html", {"result": result, "q": ""})


async def search_page(request: Request) -> Response:
    result = _run_search(request)
    return _render(request, "search.html", {"result": result, "q": result.request.q})


async def article_page(request: Request) -> Response:
    article_id = request.path_params["id"]
    try:
        stored = _core(request).article(article_id)
    except IndexMissing as exc:
        raise HTTPException(503, "The index has not been built yet.") from exc
    if stored is None:
        raise HTTPException(404, f"No article with the id {article_id!r}.")
    paragraphs = [p for p in stored.get("body", "").split("\n\n") if p]
    related = _core(request).related(article_id)
    context = {"article": stored, "paragraphs": paragraphs, "related": related, "q": ""}
    return _render(request, "article.html", context)
