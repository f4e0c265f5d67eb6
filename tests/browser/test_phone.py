"""Readers' pages on a 390 px phone (an iPhone 12 to 15), and the API page's "Try it" forms.

What a reader on a phone noticed: a facet tapped left the filter panel open above
the results, pushing them a screen down; the help page's syntax table and the API
page's tables were wider than the screen; the last suggestion was cut off.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from browser.conftest import DESKTOP, HANG_MS, SCREENSHOTS

# Chromium through Playwright, on a server in a child process.
pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
SKOPJE = "2023-11-30-osce-ministerial-council-opens-in-skopje"
READER_PAGES = (
    "/",
    "/search?q=OSCE",
    "/search?q=skopje",
    f"/articles/{SKOPJE}?q=osce",
    "/entities/organization/OSCE",
    "/help",
    "/api",
    "/articles/no-such-article",
)


@pytest.fixture
def phone(browser: Browser, base_url: str, blocked: list[str]) -> Iterator[Page]:
    context = browser.new_context(
        base_url=base_url, viewport=PHONE_390, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(HANG_MS)
    page = context.new_page()
    page.on("pageerror", lambda error: blocked.append(f"script error: {error}"))
    try:
        yield page
        assert not blocked, blocked
    finally:
        context.close()


def in_view(page: Page, selector: str) -> bool:
    """Whether the element's top is on the screen (a scrolled-to top may be -0.02 px)."""
    return bool(
        page.evaluate(
            """(s) => { const r = document.querySelector(s).getBoundingClientRect();
                        return r.top >= -1 && r.top < window.innerHeight; }""",
            selector,
        )
    )


def test_a_filter_chosen_folds_the_panel_and_shows_the_results(phone: Page) -> None:
    page = phone
    page.goto("/search?q=OSCE")
    # Sort and the filters' button share a row: the results start a row higher.
    rows = page.evaluate(
        """() => ['.sorts', '.filters-toggle'].map(
                   (s) => Math.round(document.querySelector(s).getBoundingClientRect().top))"""
    )
    assert abs(rows[0] - rows[1]) <= 2, rows
    page.locator("button.filters-toggle").tap()
    facets = page.locator("#facets")
    expect(facets).to_be_visible()
    # Two screens of filters stand between the button and the results.
    assert not in_view(page, ".results .hit")
    page.locator('a.facet-value[data-key="section:Organizations"]').tap()
    expect(page.locator("#count")).to_have_text("10 articles matching “OSCE” in Organizations")
    expect(facets).to_be_hidden()
    assert in_view(page, ".results .hit"), "the first result is on the screen"
    expect(page.locator("#search-title")).to_be_focused()
    # Asking for more of a facet's values is not a choice: the panel stays open.
    page.locator("button.filters-toggle").tap()
    page.locator('a[data-key="more:place"]').tap()
    expect(page.locator("#facet-place details[open]")).to_be_visible()
    expect(facets).to_be_visible()
    # A bar of the date histogram is a choice.
    page.locator('a.bar[data-key="bar:2024"]').tap()
    expect(page.locator("#count")).to_contain_text(", 2024")
    expect(facets).to_be_hidden()
    assert in_view(page, ".results .hit")
    # Looked through and nothing chosen: the end of the panel leads back to the results.
    page.locator("button.filters-toggle").tap()
    done = page.get_by_role("button", name="Show 3 results")
    done.scroll_into_view_if_needed()
    assert not in_view(page, "#search-title")
    done.tap()
    expect(facets).to_be_hidden()
    assert in_view(page, "#search-title") and in_view(page, ".results .hit")
    expect(page.locator("#search-title")).to_be_focused()


def test_no_reader_page_is_wider_than_the_phone(phone: Page) -> None:
    wider = {}
    for url in READER_PAGES:
        phone.goto(url)
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE_390["width"]:
            wider[url] = width
    assert wider == {}


def test_every_suggestion_is_in_view(phone: Page) -> None:
    phone.goto("/")
    box = phone.locator("#q")
    box.tap()
    box.press_sequentially("vi")
    options = phone.locator("#q-suggestions [role=option]")
    expect(options.first).to_be_visible()
    assert options.count() == 8
    geometry = phone.evaluate(
        """() => { const list = document.getElementById("q-suggestions");
                   const last = list.lastElementChild.getBoundingClientRect();
                   return { scrolls: list.scrollHeight > list.clientHeight,
                            last: last.bottom, list: list.getBoundingClientRect().bottom,
                            screen: window.innerHeight,
                            width: list.getBoundingClientRect().width }; }"""
    )
    assert not geometry["scrolls"], geometry
    assert geometry["last"] <= geometry["list"] <= geometry["screen"], geometry
    # As wide as the search form, button included: titles are not a word a line.
    assert geometry["width"] > 340, geometry
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=SCREENSHOTS / "suggestions-phone.png")


def test_the_site_icon_is_found(phone: Page) -> None:
    failed: list[str] = []

    def record(response: Response) -> None:
        if response.status >= 400:
            failed.append(f"{response.status} {response.url}")

    phone.on("response", record)
    phone.goto("/")
    icon = phone.request.get("/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] == "image/svg+xml"
    linked = phone.locator('link[rel="icon"]').get_attribute("href")
    assert linked is not None and phone.request.get(linked).status == 200
    assert failed == []


def test_try_an_endpoint_from_the_api_page(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport=DESKTOP)
    context.set_default_timeout(HANG_MS)
    try:
        page = context.new_page()
        page.goto("/api")
        form = page.locator('form[data-try="/api/entities/{type}/{name}"]')
        form.locator("select[name=type]").select_option("organization")
        form.locator("input[name=name]").fill("OSCE")
        form.locator("input[name=limit]").fill("1")
        form.get_by_role("button", name="Send GET").click()
        expect(form.locator(".try-status")).to_have_text("200 OK · application/json")
        expect(form.locator(".try-body")).to_contain_text('"name": "OSCE"')
        expect(form.locator("a.try-url")).to_have_attribute(
            "href", "/api/entities/organization/OSCE?limit=1"
        )
        # An error is shown as the API answers it.
        search = page.locator('form[data-try="/api/search"]')
        search.locator("input[name=from]").fill("yesterday")
        search.get_by_role("button", name="Send GET").click()
        expect(search.locator(".try-status")).to_contain_text("400")
        expect(search.locator(".try-body")).to_contain_text('"param": "from"')
    finally:
        context.close()
