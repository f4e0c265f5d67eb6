"""Readers' journeys in Chromium: by mouse, by keyboard only, on a phone, without JavaScript.

On the demo archive, a search for OSCE finds 19 articles, 10 of them in the
section Organizations; these numbers are the demo corpus's and are pinned.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Page, expect

# Chromium through Playwright, on a server in a child process.
pytestmark = pytest.mark.browser

ALL = "19 articles matching “OSCE”"
IN_ORGANIZATIONS = "10 articles matching “OSCE” in Organizations"
ORGANIZATIONS = 'a.facet-value[data-key="section:Organizations"]'


def query(page: Page) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(page.url).query)


def mark_document(page: Page) -> None:
    """A flag that a full page load would lose: facet changes must keep it."""
    page.evaluate("() => { window.__sameDocument = true; }")


def same_document(page: Page) -> bool:
    return bool(page.evaluate("() => window.__sameDocument === true"))


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 200) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches the selector."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(
            "(s) => document.activeElement !== null && document.activeElement.matches(s)",
            selector,
        ):
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"focus on {selector} is visible"
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_search_facets_chips_sort_pages_article_entity(page: Page, dialogs: list[str]) -> None:
    page.goto("/")
    page.locator("#q").fill("OSCE")
    page.locator("#q").press("Enter")
    page.wait_for_url("**/search?q=OSCE")
    expect(page.locator("#count")).to_have_text(ALL)
    expect(page.locator(".hit-title mark").first).to_have_text("OSCE")
    for group in ("section", "person", "organization", "place"):
        expect(page.locator(f"#facet-{group}")).to_be_visible()
    expect(page.locator(".histogram a.bar")).to_have_count(8)  # the years 2019 to 2026

    # A facet narrows in place: same document, the live region is the same element.
    mark_document(page)
    page.evaluate("() => { window.__count = document.getElementById('count'); }")
    page.locator(ORGANIZATIONS).click()
    expect(page.locator("#count")).to_have_text(IN_ORGANIZATIONS)
    assert query(page) == [("q", "OSCE"), ("section", "Organizations")]
    expect(page.locator("a.chip")).to_have_count(1)
    expect(page.locator("a.chip")).to_contain_text("Section: Organizations")
    assert same_document(page)
    assert page.evaluate("() => window.__count === document.getElementById('count')")
    twin = page.locator("a.json-twin")
    expect(twin).to_have_attribute("href", "/api/search?q=OSCE&section=Organizations")

    # Back restores the previous state; Forward the narrowed one.
    page.go_back()
    expect(page.locator("#count")).to_have_text(ALL)
    expect(page.locator("a.chip")).to_have_count(0)
    assert query(page) == [("q", "OSCE")]
    page.go_forward()
    expect(page.locator("#count")).to_have_text(IN_ORGANIZATIONS)

    # Removing the chip widens again.
    page.locator("a.chip").click()
    expect(page.locator("#count")).to_have_text(ALL)
    assert query(page) == [("q", "OSCE")]

    # Sort: newest first.
    page.locator('.sorts a[data-key="sort:Newest"]').click()
    expect(page.locator('.sorts a[aria-current="true"]')).to_contain_text("Newest")
    dates = page.locator(".hit time").evaluate_all("(ts) => ts.map((t) => t.dateTime)")
    assert dates == sorted(dates, reverse=True)
    assert ("sort", "newest") in query(page)

    # Paginate: the second page holds the last 9.
    page.locator('.pagination a[data-key="page:2"]').click()
    expect(page.locator('.pagination a[aria-current="page"]')).to_contain_text("2")
    expect(page.locator(".hit")).to_have_count(9)
    assert ("page", "2") in query(page)
    assert same_document(page)

    # Open an article: the search's words are marked; follow an entity to its page.
    first = page.locator(".hit-title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/articles/[^?]+\?q=OSCE"))
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".article mark").first).to_be_visible()
    entity = page.locator("a.entity-organization", has_text="OSCE").first
    entity.click()
    page.wait_for_url("**/entities/organization/OSCE")
    expect(page.locator("h1")).to_have_text("OSCE")
    expect(page.locator(".hit")).to_have_count(10)
    assert dialogs == []


def test_the_same_with_the_keyboard_only(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    expect(page.locator("a.skip")).to_be_in_viewport()
    tab_to(page, "#q")
    page.keyboard.type("OSCE")
    # Suggestions may be open; with none chosen, Enter searches for what was typed.
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=OSCE")
    expect(page.locator("#count")).to_have_text(ALL)

    tab_to(page, ORGANIZATIONS)
    page.keyboard.press("Enter")
    expect(page.locator("#count")).to_have_text(IN_ORGANIZATIONS)
    # Focus stays on the facet just chosen, so the reader can go on from there.
    expect(page.locator(ORGANIZATIONS)).to_be_focused()

    tab_to(page, "a.chip", backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator("#count")).to_have_text(ALL)

    tab_to(page, '.sorts a[data-key="sort:Newest"]')
    page.keyboard.press("Enter")
    expect(page.locator('.sorts a[aria-current="true"]')).to_contain_text("Newest")

    tab_to(page, '.pagination a[data-key="page:2"]')
    page.keyboard.press("Enter")
    expect(page.locator('.pagination a[aria-current="page"]')).to_contain_text("2")
    # After a page change the reader is taken to the top of the new results.
    expect(page.locator("#search-title")).to_be_focused()

    tab_to(page, ".hit-title a")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/articles/"))
    tab_to(page, "a.entity")
    name = page.evaluate("() => document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/entities/"))
    expect(page.locator("h1")).to_have_text(name)


def test_suggestions_while_typing(page: Page) -> None:
    page.goto("/")
    box = page.locator("#q")
    box.press_sequentially("osc", delay=40)
    options = page.locator("#q-suggestions [role=option]")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options.first).to_contain_text("OSCE")
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "q-suggestions-0")
    box.press("Escape")
    expect(page.locator("#q-suggestions")).to_be_hidden()
    box.press("ArrowDown")
    expect(options.first).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url("**/entities/organization/OSCE")


def test_phone_filters_fold_behind_a_button(phone_page: Page) -> None:
    page = phone_page
    page.goto("/search?q=OSCE")
    facets = page.locator("#facets")
    toggle = page.locator("button.filters-toggle")
    expect(facets).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    toggle.click()
    expect(facets).to_be_visible()
    page.locator(ORGANIZATIONS).click()
    expect(page.locator("#count")).to_have_text(IN_ORGANIZATIONS)
    # Folded again after the change: the results it changed are what the reader sees.
    expect(page.locator("#facets")).to_be_hidden()
    expect(page.locator("button.filters-toggle")).to_have_text("Filters (1)")
    page.locator("button.filters-toggle").click()
    expect(page.locator("#facets")).to_be_visible()


def test_everything_works_without_javascript(plain_page: Page) -> None:
    page = plain_page
    page.goto("/")
    page.locator("#q").fill("OSCE")
    page.locator("#q").press("Enter")
    page.wait_for_url("**/search?q=OSCE")
    expect(page.locator("#count")).to_have_text(ALL)
    expect(page.locator("button.filters-toggle")).to_be_hidden()
    page.locator(ORGANIZATIONS).click()
    page.wait_for_url("**/search?q=OSCE&section=Organizations")
    expect(page.locator("#count")).to_have_text(IN_ORGANIZATIONS)
    page.locator(".dates input[name=from]").fill("2024")
    page.locator(".dates input[name=to]").fill("2025")
    page.locator(".dates button").click()
    expect(page.locator("#count")).to_have_text(
        "4 articles matching “OSCE” in Organizations, from 2024 to 2025"
    )
    page.go_back()
    expect(page.locator("#count")).to_have_text(IN_ORGANIZATIONS)


def test_a_long_facet_opens_in_place(page: Page) -> None:
    page.goto("/search?q=OSCE")
    mark_document(page)
    more = page.locator("#facet-organization details")
    expect(more).not_to_have_attribute("open", "")
    page.locator('a[data-key="more:organization"]').click()
    expect(
        page.locator('#facet-organization summary[data-key="more:organization"]')
    ).to_be_focused()
    expect(page.locator("#facet-organization details")).to_have_attribute("open", "")
    expect(page.locator("#facet-organization a.facet-value")).to_have_count(23)
    assert same_document(page)
    assert ("more", "organization") in query(page)
