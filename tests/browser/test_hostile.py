"""The hostile input corpus in Chromium: no payload runs, and none even tries.

A site of the articles of `tests/hostile.py` (every payload in every field) is
served by uvicorn; every page type is opened for every article, and the query
payloads go into the search box (with suggestions on) and into the URL. No
dialog may open, and the Content-Security-Policy must refuse nothing: a
refused inline script would mean markup of the data reached the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import quote, urlencode

import pytest
from hostile import QUERY_PAYLOADS, hostile_articles
from playwright.sync_api import Page, expect
from test_hostile import build_site

from browser.conftest import serve
from indexer.ingest.article import make_article

# Chromium through Playwright, on a server in a child process.
pytestmark = pytest.mark.browser

ARTICLES = [make_article(a) for a in hostile_articles()]


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve(build_site(tmp_path_factory.mktemp("hostile-site")), tmp_path_factory)


def test_no_payload_runs_on_any_page(
    watched_page: Callable[[str], Page],
    hostile_url: str,
    dialogs: list[str],
    blocked: list[str],
) -> None:
    page = watched_page(hostile_url)
    urls = ["/", "/search?q=zanzibarian&per_page=50", "/search?section=Hostile"]
    for article in ARTICLES:
        urls.append(f"/articles/{article.id}?q=zanzibarian")
        for kind, names in article.entities.to_dict().items():
            urls.append(f"/entities/{kind}/{quote(names[0], safe='')}")
            urls.append("/search?" + urlencode({kind: names[0]}))
        urls.append("/search?" + urlencode({"section": article.section}))
    for payload in QUERY_PAYLOADS:
        for name in ("q", "section", "person", "from", "sort"):
            urls.append("/search?" + urlencode({name: payload}))
        urls.append("/articles/" + quote(payload, safe=""))
        urls.append("/entities/place/" + quote(payload, safe=""))
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("load")
    assert len(urls) > 100
    assert dialogs == [], dialogs
    assert blocked == [], blocked


def test_payloads_typed_into_the_search_box(
    watched_page: Callable[[str], Page],
    hostile_url: str,
    dialogs: list[str],
    blocked: list[str],
) -> None:
    page = watched_page(hostile_url)
    for payload in QUERY_PAYLOADS:
        page.goto("/")
        box = page.locator("#q")
        # Typed, so that suggestions are asked for and shown on the way.
        box.press_sequentially("Zanzibarian " + payload[:12], delay=10)
        box.fill(payload)
        box.press("Enter")
        page.wait_for_url("**/search?q=*")
        expect(page.locator("#q")).to_have_value(payload)
    page.goto("/search?q=zanzibarian")
    page.locator("a.facet-value").first.click()
    expect(page.locator("a.chip").first).to_be_visible()
    assert dialogs == [], dialogs
    assert blocked == [], blocked
