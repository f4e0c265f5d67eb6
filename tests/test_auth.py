"""Editor access under attack: odd bytes in credentials, logout, and the guessers' throttle.

The real app through TestClient on a real index; two apps on one index stand
for the worker processes of `vindex serve --workers 2`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from indexer.build import update_index
from indexer.settings import Settings
from indexer.store import IndexLocation
from webapp.app import create_app

TOKEN = "a-long-enough-editor-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def site(corpus: Path, tmp_path: Path) -> Path:
    update_index(IndexLocation(tmp_path / "index"), corpus)
    return tmp_path


def _client(site: Path, **settings: Any) -> TestClient:
    app = create_app(
        Settings(index=site / "index", corpus=site / "corpus", editor_token=TOKEN, **settings)
    )
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(site: Path) -> Iterator[TestClient]:
    with _client(site) as client:
        yield client


def _csrf(text: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', text)
    assert found is not None
    return found.group(1)


def login(client: TestClient) -> str:
    """Log in through the editor page; the session's CSRF token."""
    csrf = _csrf(client.get("/editor").text)
    response = client.post(
        "/editor/login", data={"token": TOKEN, "csrf": csrf}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return _csrf(client.get("/editor").text)


# -- credentials that are not ASCII ----------------------------------------------


ODD = ("é", "\u00b2.sig", "\u0661\u0662.sig", "\u00ff\u00fe", "ü.ü.ü", "x" * 40 + "é", "\u2603")


@pytest.mark.parametrize("odd", ODD)
def test_non_ascii_cookies_are_no_session(client: TestClient, odd: str) -> None:
    cookie = f"vindex_editor={odd}".encode()
    for method, url in (("GET", "/editor"), ("POST", "/api/reindex"), ("GET", "/api/jobs/x")):
        response = client.request(method, url, headers={b"Cookie": cookie})
        assert response.status_code in (200, 401), (url, response.status_code, response.text)
    page = client.get("/editor", headers={b"Cookie": cookie})
    assert page.status_code == 200 and 'name="token"' in page.text


@pytest.mark.parametrize("odd", ODD)
def test_non_ascii_csrf_tokens_are_403(client: TestClient, odd: str) -> None:
    # Before login: the login form's token.
    login_page = client.post("/editor/login", data={"token": TOKEN, "csrf": odd})
    assert login_page.status_code == 403
    stamped = client.post(
        "/editor/login", data={"token": TOKEN, "csrf": f"{int(time.time())}.{odd}"}
    )
    assert stamped.status_code == 403
    login(client)
    for url in ("/editor/upload", "/editor/delete", "/editor/reindex", "/editor/logout"):
        assert client.post(url, data={"id": "t-1", "csrf": odd}).status_code == 403, url
    api = client.post("/api/reindex", headers={b"X-CSRF-Token": odd.encode()})
    assert api.status_code == 403, api.text


@pytest.mark.parametrize("odd", ODD)
def test_non_ascii_tokens_are_401(client: TestClient, odd: str) -> None:
    for header in (f"Bearer {odd}", odd, f"Bearer {TOKEN}{odd}"):
        response = client.get("/api/jobs/startup", headers={b"Authorization": header.encode()})
        assert response.status_code in (401, 429), (header, response.text)
    csrf = _csrf(client.get("/editor").text)
    wrong = client.post("/editor/login", data={"token": odd, "csrf": csrf})
    assert wrong.status_code in (401, 429)
