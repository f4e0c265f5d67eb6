"""Links between pages: every URL a template writes is built here.

Search URLs come from the request model's canonical parameters
(`SearchRequest.to_params`), so a link and the page it opens agree on the
state, and the JSON twin of a page is the same parameters under `/api/`.
Path segments are percent-encoded whole (`safe=""`): an entity name may
contain a slash or a question mark.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlencode

from indexer.archive.request import SearchRequest


def search_url(request: SearchRequest, **extra: str) -> str:
    """The search page of a request; `extra` adds view-only parameters (`more`)."""
    params = request.to_params() + [(k, v) for k, v in extra.items() if v]
    return "/search?" + urlencode(params) if params else "/search"


def filter_urls(request: SearchRequest, name: str) -> Callable[[str], str]:
    """`search_url(request.with_filter(name, value))` for many values of one filter.

    The parameters around the value are encoded once, not for each of a
    page's 60 and more facet links (`urlencode` joins pairs with `&`, so the
    pieces joined the same way are the same URL).
    """
    links = request.filter_links(name)
    around = [urlencode(links.head), urlencode(links.tail)]

    def url(value: str) -> str:
        added = links.added_value(value)
        if added is None:
            return search_url(request.with_filter(name, value))
        middle = urlencode([(name, added)])
        return "/search?" + "&".join(part for part in (around[0], middle, around[1]) if part)

    return url


def api_search_url(request: SearchRequest) -> str:
    params = request.to_params()
    return "/api/search?" + urlencode(params) if params else "/api/search"


def query_url(q: str) -> str:
    """A search for some words, nothing else."""
    return search_url(SearchRequest(q=q))


def filter_url(name: str, value: str) -> str:
    """All articles with one filter value (a section, a language)."""
    return search_url(SearchRequest().with_filter(name, value))


def article_url(article_id: str, q: str = "") -> str:
    """An article; with the words of the search that led to it, to mark them."""
    url = "/articles/" + quote(article_id, safe="")
    return url + "?" + urlencode({"q": q}) if q else url


def api_article_url(article_id: str) -> str:
    return "/api/articles/" + quote(article_id, safe="")


def entity_url(kind: str, name: str) -> str:
    return f"/entities/{quote(kind, safe='')}/{quote(name, safe='')}"


def api_entity_url(kind: str, name: str) -> str:
    return "/api" + entity_url(kind, name)


def editor_edit_url(article_id: str) -> str:
    """The editor page with the article open for correction."""
    return f"/editor?{urlencode({'edit': article_id})}#correct-title"
