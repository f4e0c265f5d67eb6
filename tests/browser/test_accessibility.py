"""axe-core in every page, at desktop and phone width; a screenshot of each on the way.

axe-core (npm, installed by `make test`) is evaluated through the DevTools
protocol rather than added as a <script> element, so that it runs under a
Content-Security-Policy without 'unsafe-inline' too. The test fails on any
violation axe rates serious or critical and names each.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser

from browser.conftest import DESKTOP, PHONE, SCREENSHOTS

# Chromium through Playwright, on a server in a child process.
pytestmark = pytest.mark.browser

SKOPJE = "2023-11-30-osce-ministerial-council-opens-in-skopje"
PAGES = {
    "home": "/",
    "search": "/search?q=OSCE",
    "search-narrowed": "/search?q=OSCE&section=Organizations&from=2024&to=2024",
    "no-results": "/search?q=OSCE&place=Zanzibar",
    "article": f"/articles/{SKOPJE}?q=osce",
    "entity": "/entities/organization/OSCE",
    "help": "/help",
    "api": "/api",
    "search-by-month": "/search?q=skopje",
    "not-found": "/articles/no-such-article",
}
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}"""


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_no_serious_violations_and_screenshots(
    browser: Browser, base_url: str, axe_source: str, width: str
) -> None:
    viewport = DESKTOP if width == "desktop" else PHONE
    context = browser.new_context(base_url=base_url, viewport=viewport)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        page = context.new_page()
        for name, url in PAGES.items():
            page.goto(url)
            page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
            page.evaluate(axe_source)
            violations = page.evaluate(AXE_RUN)
            serious = [v for v in violations if v["impact"] in ("serious", "critical")]
            if serious:
                found[name] = serious
    finally:
        context.close()
    assert found == {}
