"""Browser tests: a real uvicorn serving the demo site, driven by Debian's Chromium.

Playwright's own browser download does not work here, so the system Chromium
is launched through `executable_path` (`VINDEX_CHROMIUM` overrides where it
is). Without Chromium, or without axe-core from npm, these tests skip on a
developer's machine and fail under `CI=true`: CI must not pass by running
nothing.

Screenshots of every page at desktop and phone width go to
`tests/artifacts/screenshots/` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from demo_corpus import ROOT
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, expect, sync_playwright
from waiting import HANG, wait_until

from indexer.settings import Settings

SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1440, "height": 900}
# Playwright waits for the event (a page loaded, a text shown), so its limit is only a
# backstop against a hang: its 5 s (assertions) and our former 10 s (actions) could fail
# a page that a loaded machine served slowly. Not 30 min (waiting.HANG): a wrong text
# is only reported when the limit is reached.
HANG_MS = 60 * 1000
expect.set_options(timeout=HANG_MS)
PHONE = {"width": 375, "height": 812}


def missing(what: str) -> None:
    """Skip on a developer's machine; fail in CI, where a skip would hide the gap."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true and {what}", pytrace=False)
    pytest.skip(what)


def chromium_path() -> str | None:
    configured = os.environ.get("VINDEX_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def base_url(pages_site: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The pages' site (the demo archive and hostile articles) served by uvicorn in a child
    process, as `vindex serve` would."""
    yield from serve(pages_site, tmp_path_factory)


def serve(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A site's URL while uvicorn serves it in a child process."""
    port = _free_port()
    env = {**os.environ, **settings.to_env(), "VINDEX_PORT": str(port)}
    log = tmp_path_factory.mktemp("uvicorn") / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "webapp.app:app_from_env",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    def up() -> bool:
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn exited: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=HANG) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False  # not listening yet

    wait_until(up, f"uvicorn's first answer (log: {log})", interval=0.1)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        missing("Chromium is not installed (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        missing("axe-core is not installed (npm ci)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def dialogs() -> list[str]:
    """Every alert, confirm or prompt a page opened: a script that should not have run."""
    return []


@pytest.fixture
def blocked() -> list[str]:
    """Every script, style or load the Content-Security-Policy refused, and every script error.

    The policy would stop injected markup from running, so a page whose text
    escaping failed might open no dialog; the attempt still shows up here.
    """
    return []


@pytest.fixture
def page(browser: Browser, base_url: str, dialogs: list[str], blocked: list[str]) -> Iterator[Page]:
    yield from _page(browser, base_url, dialogs, blocked, DESKTOP, javascript=True)


@pytest.fixture
def watched_page(
    browser: Browser, dialogs: list[str], blocked: list[str]
) -> Iterator[Callable[[str], Page]]:
    """A desktop page on any site, recording what the security policy blocked into `blocked`."""
    contexts = []

    def open_page(url: str) -> Page:
        context = browser.new_context(base_url=url, viewport=DESKTOP)
        context.set_default_timeout(HANG_MS)
        contexts.append(context)
        page = context.new_page()
        _watch(page, dialogs, blocked)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def phone_page(
    browser: Browser, base_url: str, dialogs: list[str], blocked: list[str]
) -> Iterator[Page]:
    yield from _page(browser, base_url, dialogs, blocked, PHONE, javascript=True)


@pytest.fixture
def plain_page(
    browser: Browser, base_url: str, dialogs: list[str], blocked: list[str]
) -> Iterator[Page]:
    """A desktop page with JavaScript turned off."""
    yield from _page(browser, base_url, dialogs, blocked, DESKTOP, javascript=False)


def _page(
    browser: Browser,
    base_url: str,
    dialogs: list[str],
    blocked: list[str],
    viewport: dict[str, int],
    javascript: bool,
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=base_url, viewport=viewport, java_script_enabled=javascript
    )
    context.set_default_timeout(HANG_MS)
    page = context.new_page()
    _watch(page, dialogs, blocked)
    try:
        yield page
        # Our own pages must work under the policy: nothing of theirs may be refused.
        assert not blocked, blocked
    finally:
        context.close()


def _watch(page: Page, dialogs: list[str], blocked: list[str]) -> None:
    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            blocked.append(message.text)

    page.on("dialog", record)
    page.on("console", console)
    page.on("pageerror", lambda error: blocked.append(f"script error: {error}"))
