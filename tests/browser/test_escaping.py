"""Markup in articles and queries is shown as text: no script of it ever runs.

The demo site has an article titled `<img src=x onerror=alert(1)>` with a
script in its lead and markup in its body, section, source and a person's
name. Any alert would open a dialog, which the `dialogs` fixture records.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from demo_site import XSS_QUERY, XSS_TITLE
from playwright.sync_api import Page, expect

# Chromium through Playwright, on a server in a child process.
pytestmark = pytest.mark.browser

EVIL_PERSON = "<svg onload=alert(4)>"


def test_hostile_article_and_query_are_text(page: Page, dialogs: list[str]) -> None:
    page.goto("/search?q=zanzibarian")
    title = page.locator(".hit-title a", has_text="onerror")
    expect(title).to_have_text(XSS_TITLE)
    expect(page.locator("#facet-person")).to_contain_text(EVIL_PERSON)
    page.locator(f'a.facet-value[data-key="person:{EVIL_PERSON}"]').click()
    expect(page.locator("a.chip")).to_contain_text(f"Person: {EVIL_PERSON}")

    page.goto("/articles/hostile-title?q=zanzibarian")
    expect(page.locator("h1")).to_have_text(XSS_TITLE)
    body = page.locator(".article .body")
    expect(body).to_contain_text("<b onmouseover=alert(3)>bold</b> & more.")
    expect(page.locator(".lead")).to_contain_text("<script>alert(2)</script>")
    page.locator("a.entity-person").click()
    page.wait_for_url("**/entities/person/" + quote(EVIL_PERSON, safe=""))
    expect(page.locator("h1")).to_have_text(EVIL_PERSON)
    expect(page.locator(".hit-title a").first).to_be_visible()

    # The query, typed as a reader would, with suggestions on.
    page.goto("/")
    page.locator("#q").press_sequentially("<img src", delay=20)
    page.locator("#q").fill(XSS_QUERY)
    page.locator("#q").press("Enter")
    page.wait_for_url("**/search?q=*")
    expect(page.locator("#search-title")).to_have_text("Results for “‘><script>alert(1)</script>”")
    expect(page.locator("#q")).to_have_value(XSS_QUERY)
    assert page.title().startswith(XSS_QUERY)
    assert dialogs == []
