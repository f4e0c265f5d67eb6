"""The HTML pages readers use: home, search, article, entity, help (and the site's icon).

Each view asks the archive's backend for the same result object the JSON API
renders (SPEC §2) and hands it to a template, with the links the page needs
(`webapp.search_page`, `webapp.links`). Every page names its JSON twin in
`json_url`. Bad parameters raise HTTP 400, which the app's one error handler
renders as a page that keeps the search box.

Views that search are plain functions, which Starlette runs in its thread
pool, as it runs the API's: a search holds its index state's lock for
milliseconds, and on the event loop it stalled every other connection of the
worker process (suggestions, /healthz, the answers to uploads) meanwhile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from indexer.archive.backend import Backend
from indexer.archive.request import (
    ENTITY_ARTICLES_LIMIT,
    LANGUAGE_NAMES,
    MAX_EXPANDED_TERMS,
    MAX_Q,
    SHORT_SPAN_MONTHS,
    RequestError,
    SearchRequest,
)
from indexer.archive.results import EntityReport, SearchResult
from indexer.ingest.article import ENTITY_TYPES
from webapp import links, search_page
from webapp.errors import BadParameter, NotFound
from webapp.feeds import feed_url
from webapp.http import query_params
from webapp.reads import reads
from webapp.search_page import Histogram

HOME_ARTICLES = 8
HOME_ENTITIES = 8
# The site's icon, also at /favicon.ico: browsers and feed readers ask there whatever the
# page links (a 404 on every first visit otherwise). Modern browsers take an SVG there.
FAVICON = (Path(__file__).parent / "static" / "favicon.svg").read_bytes()


def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def _render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(
        request, template, context, status_code=status_code
    )
    return response


def _search(request: Request, search: SearchRequest, facet_limit: int) -> SearchResult:
    return _backend(request).search(search, facet_limit=facet_limit)


@reads
def home(request: Request) -> Response:
    recent = SearchRequest(sort="newest", per_page=HOME_ARTICLES)
    result = _search(request, recent, search_page.SIDEBAR_FACET_LIMIT)
    sections = [
        search_page.FacetLink(
            v.value, v.value, v.count, False, links.filter_url("section", v.value)
        )
        for v in result.facets.get("section", [])
        if not v.depth
    ]
    entities = {
        kind: [
            (v.value, v.count, links.entity_url(kind, v.value))
            for v in result.facets.get(kind, [])[:HOME_ENTITIES]
        ]
        for kind in ENTITY_TYPES
    }
    settings = request.app.state.settings
    context = {
        "result": result,
        "description": settings.description or describe_archive(result),
        "sections": sections,
        "entities": entities,
        "json_url": links.api_search_url(recent),
    }
    return _render(request, "home.html", context)


def describe_archive(result: SearchResult) -> str:
    """A line about what the archive holds, from its facets: its years and languages.

    "News from 2019 to 2026, in English and German." The home page says it
    when no VINDEX_DESCRIPTION is set: true of any archive, demo or import.
    """
    years = sorted(int(v.value) for v in result.facets.get("year", []) if v.count)
    languages = [
        LANGUAGE_NAMES.get(v.value, v.value) for v in result.facets.get("language", []) if v.count
    ]
    if not years:
        return ""
    when = f"from {years[0]}" + (f" to {years[-1]}" if years[-1] != years[0] else "")
    if not languages:
        return f"News {when}."
    tongues = languages[0] if len(languages) == 1 else ", ".join(languages[:-1])
    if len(languages) > 1:
        tongues += f" and {languages[-1]}"
    return f"News {when}, in {tongues}."


@reads
def search(request: Request) -> Response:
    # A bad parameter raises RequestError, which the app answers with a 400 page.
    params = query_params(request)
    search = SearchRequest.from_params(params)
    more = params.get("more", "")
    result = _search(request, search, search_page.facet_limit(more))
    page = search_page.build(result, more)
    if result.total == 0 and search.q and (search.filters or search.date_from or search.date_to):
        # Nothing with the filters: say whether the words alone find something.
        words_only = SearchRequest(q=search.q, per_page=1)
        page.unfiltered_total = _search(request, words_only, 1).total
        page.unfiltered_url = links.query_url(search.q)
    context = {
        "page": page,
        "result": result,
        "q": search.q,
        "count_text": search_page.describe_count(result),
        "json_url": links.api_search_url(search),
        "feed_url": feed_url(search),
    }
    return _render(request, "search.html", context)


def typed_words(request: Request) -> str:
    """The words in the search box (`?q=`) as typed, or "" when they cannot be read."""
    try:
        return query_params(request).get("q", "")
    except BadParameter:
        return ""


def _reached_with(request: Request) -> str:
    """The words of the search that led here, or "": unreadable words only go unmarked."""
    try:
        return SearchRequest.from_params({"q": typed_words(request)[:MAX_Q]}).q
    except RequestError:
        return ""


@reads
def article(request: Request) -> Response:
    article_id = request.path_params["id"]
    q = _reached_with(request)
    reading = _backend(request).reading(article_id, q)
    if reading is None:
        raise NotFound(f"No article with the id {article_id!r}.")
    stored = reading.article
    entities = {
        kind: [(name, links.entity_url(kind, name)) for name in stored.entities.get(kind, [])]
        for kind in ENTITY_TYPES
    }
    context = {
        "article": stored,
        "title": stored.display_title,
        "marked": reading.marked,
        "authors": stored.authors,
        "entities": entities,
        "related": reading.related,
        "q": q,
        "back_url": links.query_url(q) if q else None,
        "json_url": links.api_article_url(article_id),
        "editor_edit_url": _editor_edit_url(request, article_id),
    }
    return _render(request, "article.html", context)


def _editor_edit_url(request: Request, article_id: str) -> str | None:
    """The editor page's correction of the article, for a signed-in editor only."""
    if request.app.state.editor_auth.session(request) is None:
        return None
    return links.editor_edit_url(article_id)


@reads
def entity(request: Request) -> Response:
    kind = request.path_params["type"]
    name = request.path_params["name"]
    report = _backend(request).entity_report(kind, name, limit=ENTITY_ARTICLES_LIMIT)
    if report is None:
        raise NotFound(f"The archive names no {kind} called {name!r}.")
    everything = report.request
    co_mentioned = {
        other: [
            (
                item.value,
                item.count,
                links.entity_url(other, item.value),
                links.search_url(everything.with_filter(other, item.value)),
            )
            for item in items
        ]
        for other, items in report.co_mentioned.items()
        if items
    }
    context = {
        "report": report,
        "histogram": _entity_histogram(report, everything),
        "co_mentioned": co_mentioned,
        "all_url": links.search_url(everything),
        "json_url": links.api_entity_url(report.kind, report.name),
    }
    return _render(request, "entity.html", context)


def _entity_histogram(report: EntityReport, everything: SearchRequest) -> Histogram | None:
    """An entity's articles per year, or per month when they span a year or two."""
    if len(report.by_year) * 12 <= SHORT_SPAN_MONTHS:
        months = {m.month: m.count for m in report.by_month if m.count}
        return search_page.month_histogram(months, everything, "Articles per month")
    years = {y.year: y.count for y in report.by_year}
    return search_page.year_histogram(years, everything, "Articles per year")


async def favicon(request: Request) -> Response:
    return Response(
        FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


async def help_page(request: Request) -> Response:
    context = {"json_url": "/openapi.json", "max_expanded_terms": MAX_EXPANDED_TERMS}
    return _render(request, "help.html", context)
