"""The editor's flows in Chromium: sign in, upload, find and edit, remove and restore.

A site of its own (the demo archive, copied: these tests write), served by
uvicorn in a child process as the readers' pages are. Each step is checked
by what the editor sees, and every state of the page by axe-core: no
serious or critical violation, at desktop and phone width. The screenshots
of the editor's page go to tests/artifacts/screenshots/ (the README's is
docs/editor.png, taken from the desktop one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from demo_site import build_demo_site
from playwright.sync_api import Browser, Page, expect

from browser.conftest import DESKTOP, HANG_MS, PHONE, SCREENSHOTS, serve
from browser.test_accessibility import AXE_RUN

pytestmark = pytest.mark.browser

TOKEN = "browser-editor-token-0123456789"
SKOPJE = "2023-11-30-osce-ministerial-council-opens-in-skopje"
IBEX = (
    b"---\nid: ibex-census\ntitle: Ibex census in the Hohe Tauern\npublished: 2024-02-01\n"
    b"---\nRangers counted 1,200 ibex.\n"
)


@pytest.fixture(scope="module")
def editor_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = build_demo_site(tmp_path_factory.mktemp("editor-site"))
    yield from serve(settings.with_overrides(editor_token=TOKEN), tmp_path_factory)


def serious(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations of the page as it is now."""
    page.evaluate(axe_source)
    violations: list[dict[str, Any]] = page.evaluate(AXE_RUN)
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def open_page(browser: Browser, url: str, viewport: dict[str, int], blocked: list[str]) -> Page:
    context = browser.new_context(base_url=url, viewport=viewport)
    context.set_default_timeout(HANG_MS)
    page = context.new_page()
    page.on("dialog", lambda dialog: blocked.append(f"dialog: {dialog.message}"))
    page.on(
        "console",
        lambda m: (
            blocked.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda error: blocked.append(f"script error: {error}"))
    return page


def sign_in(page: Page) -> None:
    page.goto("/editor")
    page.get_by_label("Editor token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_sign_in_upload_find_edit_remove_and_restore(
    browser: Browser, editor_url: str, axe_source: str
) -> None:
    blocked: list[str] = []
    found: dict[str, list[dict[str, Any]]] = {}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = open_page(browser, editor_url, DESKTOP, blocked)
    try:
        page.goto("/editor")
        found["sign-in"] = serious(page, axe_source)
        page.screenshot(path=SCREENSHOTS / "editor-sign-in-desktop.png")
        # A wrong token is said, next to the field.
        page.get_by_label("Editor token").fill("not-the-token-at-all")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_have_text("That is not the editor token.")
        found["sign-in-error"] = serious(page, axe_source)
        sign_in(page)

        # Upload: two files, one good and one not; a results table says what happened.
        page.get_by_label("Files:", exact=False).set_input_files(
            [
                {"name": "ibex.md", "mimeType": "text/markdown", "buffer": IBEX},
                {"name": "broken.json", "mimeType": "application/json", "buffer": b"{nope"},
            ]
        )
        page.get_by_role("button", name="Upload").click()
        table = page.get_by_role("table", name="What happened to each article")
        expect(table.get_by_role("row")).to_have_count(3)
        created = table.get_by_role("row").nth(1)
        expect(created).to_contain_text("ibex-census")
        expect(created).to_contain_text("created")
        expect(created.get_by_role("link", name="ibex-census")).to_have_attribute(
            "href", "/articles/ibex-census"
        )
        expect(table.get_by_role("row").nth(2)).to_contain_text("rejected")
        expect(page.get_by_role("status").first).to_have_text(
            "Uploaded: 1 created, 1 rejected; each is listed under Upload articles."
        )
        found["uploaded"] = serious(page, axe_source)
        page.screenshot(path=SCREENSHOTS / "editor-uploaded-desktop.png", full_page=True)

        # Find, then edit from the hit: the correction is saved and found.
        page.get_by_role("searchbox", name="Search words").last.fill("Skopje ministerial")
        page.get_by_role("button", name="Find").click()
        hits = page.locator(".editor-hit")
        expect(hits.first).to_contain_text(SKOPJE)
        found["found"] = serious(page, axe_source)
        page.screenshot(path=SCREENSHOTS / "editor-desktop.png", full_page=True)
        hits.first.get_by_role("link", name="Edit", exact=False).click()
        text = page.get_by_label(f"{SKOPJE}", exact=False)
        record = json.loads(text.input_value())
        record["title"] = "OSCE ministerial council opens in Skopje (corrected)"
        text.fill(json.dumps(record, ensure_ascii=False, indent=2))
        page.get_by_role("button", name="Save the correction").click()
        expect(table.get_by_role("row").nth(1)).to_contain_text("updated")
        expect(page.get_by_role("status").first).to_contain_text(
            f"Saved the correction of {SKOPJE}"
        )
        page.goto(f"/articles/{SKOPJE}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("(corrected)")
        # A signed-in editor can edit from the article's page.
        page.get_by_role("link", name="Edit this article").click()
        expect(page.get_by_role("button", name="Save the correction")).to_be_visible()

        # Remove from the list, undo; remove again and restore from the trash.
        page.get_by_role("searchbox", name="Search words").last.fill("ibex")
        page.get_by_role("button", name="Find").click()
        page.locator(".editor-hit").first.get_by_role("button", name="Remove").click()
        expect(page.get_by_role("status").first).to_contain_text("Removed ibex-census")
        expect(page.locator(".editor-hit")).to_have_count(0)
        found["removed"] = serious(page, axe_source)
        page.get_by_role("button", name="Undo: restore it").click()
        expect(page.get_by_role("status").first).to_contain_text("Restored ibex-census")
        page.goto("/editor?find=ibex")
        page.locator(".editor-hit").first.get_by_role("button", name="Remove").click()
        trash = page.locator(".editor-trash li").filter(has_text="ibex-census")
        expect(trash).to_contain_text("Deleted by an editor")
        found["trash"] = serious(page, axe_source)
        trash.get_by_role("button", name="Restore", exact=False).click()
        expect(page.get_by_role("status").first).to_contain_text("Restored ibex-census")
        page.goto("/search?q=ibex")
        expect(page.get_by_role("link", name="Ibex census in the Hohe Tauern")).to_be_visible()

        # A rebuild, followed live: articles counted, and what it did at the end.
        page.goto("/editor")
        page.get_by_role("button", name="Rebuild from the corpus").click()
        status = page.locator("#job-status")
        expect(status).to_contain_text("reindex done", timeout=HANG_MS)
        expect(status).to_contain_text("articles/s")
        expect(page.locator("[data-stat=articles]")).to_have_text("69")
        found["rebuilt"] = serious(page, axe_source)
    finally:
        page.context.close()
    assert not blocked, blocked
    assert {name: v for name, v in found.items() if v} == {}


def test_the_editor_page_on_a_phone(browser: Browser, editor_url: str, axe_source: str) -> None:
    blocked: list[str] = []
    page = open_page(browser, editor_url, PHONE, blocked)
    try:
        sign_in(page)
        page.goto("/editor?find=OSCE")
        expect(page.locator(".editor-hit").first).to_be_visible()
        # One column: nothing wider than the screen.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        page.screenshot(path=SCREENSHOTS / "editor-phone.png")
        violations = serious(page, axe_source)
    finally:
        page.context.close()
    assert not blocked, blocked
    assert violations == []
