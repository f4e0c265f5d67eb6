"""The Jinja environment of the pages: autoescape on, link builders and date filters.

Templates do no I/O and build no URLs by string concatenation: they call
the functions of `webapp.links` registered here as globals.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from indexer.archive.quoting import TYPOGRAPHIC, quote_query
from indexer.settings import Settings
from webapp import links, times

HERE = Path(__file__).parent
KIND_TITLES = {"person": "People", "organization": "Organizations", "place": "Places"}
KIND_NAMES = {"person": "Person", "organization": "Organization", "place": "Place"}


def make_templates(settings: Settings | None = None) -> Jinja2Templates:
    settings = settings or Settings()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    # Jinja2Templates turns autoescape on for .html; say so rather than rely on it.
    env.autoescape = True
    # Templates ship with the code and change only with a new release (and restart).
    # Jinja's default checked each template file's mtime on every render: getmtime
    # was 4.2 % of a worker's samples under bench/load.py, the largest self cost
    # after waiting.
    env.auto_reload = False
    env.globals.update(
        article_url=links.article_url,
        entity_url=links.entity_url,
        filter_url=links.filter_url,
        query_url=links.query_url,
        kind_titles=KIND_TITLES,
        kind_names=KIND_NAMES,
        url_for=url_for,
        # The archive's name (VINDEX_TITLE), in every page's header and title.
        site_title=settings.title,
    )
    env.filters["day"] = day
    env.filters["day_time"] = day_time
    env.filters["plural"] = plural
    # The editor's page: times in words, in the archive's time zone (webapp.times).
    env.filters["when"] = when
    env.tests["moment"] = lambda text: times.parse(text) is not None
    env.filters["markdown"] = markdown
    env.filters["markdown_inline"] = markdown_inline
    # A query in a sentence: “skopje”, a phrase's own quotes not doubled.
    env.filters["quoted"] = quote_query
    # A request in words, with the pages' quotation marks.
    env.filters["described"] = lambda request: request.describe(TYPOGRAPHIC)
    return templates


@pass_context
def url_for(context: dict[str, Any], name: str, /, **path_params: Any) -> str:
    """A route's path from the site's root, in place of Starlette's absolute URL.

    Starlette builds that from the request's Host header: a page kept by a
    shared cache would then load its scripts from whatever host one client named.
    """
    request: Request = context["request"]
    path = _route_path(request.app, name, path_params)
    return f"{request.scope.get('root_path', '')}{path}"


# Paths kept per app, at most this many (the pages ask for a handful: static files).
ROUTE_PATHS = 256


def _route_path(app: Any, name: str, params: dict[str, Any]) -> str:
    """A route's path, looked up once per app: Starlette tries each route in turn, and
    each that does not match raises an exception (the static files' paths, asked by
    every page, were 3 % of a loaded worker's samples). Routes never change."""
    paths: dict[tuple[str, tuple[tuple[str, Any], ...]], str] | None = getattr(
        app.state, "route_paths", None
    )
    if paths is None:
        paths = app.state.route_paths = {}
    key = (name, tuple(sorted(params.items())))
    path = paths.get(key)
    if path is None:
        if len(paths) >= ROUTE_PATHS:
            paths.clear()
        path = paths[key] = str(app.url_path_for(name, **params))
    return path


@pass_context
def when(context: dict[str, Any], iso: str | None) -> Markup:
    """A moment as `<time>`: "3 minutes ago", titled with the time in the archive's zone."""
    request: Request = context["request"]
    return times.time_element(iso, request.app.state.settings.time_zone)


def _parse(iso: str) -> datetime | None:
    try:
        return datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None


def day(iso: str) -> str:
    """'2023-11-30T18:00:00+01:00' -> '30 November 2023' (the article's own time zone)."""
    moment = _parse(iso)
    return f"{moment.day} {moment:%B %Y}" if moment else iso[:10]


def day_time(iso: str) -> str:
    """'2023-11-30T18:00:00+01:00' -> '30 November 2023, 18:00'."""
    moment = _parse(iso)
    return f"{moment.day} {moment:%B %Y, %H:%M}" if moment else iso


# CommonMark with raw HTML off: text is escaped, so the output may be marked safe. The
# API's descriptions are written in Markdown (OpenAPI's rule) for tools that render it;
# markdown-it-py is already pinned for the corpus's Markdown files.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def markdown(text: object) -> Markup:
    """Markdown as HTML blocks (paragraphs, lists); nothing for a missing text."""
    return Markup(_MARKDOWN.render(text)) if isinstance(text, str) else Markup("")


def markdown_inline(text: object) -> Markup:
    """Markdown within one line (`code`, *emphasis*, links), without a paragraph around it."""
    return Markup(_MARKDOWN.renderInline(text)) if isinstance(text, str) else Markup("")


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 article', '2 articles', with thousands separated."""
    word = noun if count == 1 else (nouns or noun + "s")
    return f"{count:,} {word}"
