"""Security headers on every route of the app, whatever the answer.

The test walks `app.routes` itself, so a route added later is covered without
touching this file (and a path parameter it does not know fails the test
rather than being skipped). Each route is asked with every method it allows,
as a stranger and as an editor, and the answers also include the ones the app
gives outside routes: 404, 405, 413 from the body limit, 304, a static file
and a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.settings import Settings
from webapp.app import create_app
from webapp.security import HEADERS

TOKEN = "headers-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# A value for each path parameter of the app's routes: the ones that exist in the corpus
# fixture for reading, and ones that do not for writing (so nothing is changed or removed).
READ_PARAMS = {"id": "osce-conference", "type": "organization", "name": "OSCE", "entry": "none"}
WRITE_PARAMS = {"id": "no-such-article", "type": "organization", "name": "OSCE", "entry": "none"}
WRITES = {"POST", "PUT", "DELETE", "PATCH"}


@pytest.fixture
def client(corpus: Path, tmp_path: Path) -> Iterator[TestClient]:
    update_index(IndexLocation(tmp_path / "index"), corpus)
    settings = Settings(
        index=tmp_path / "index", corpus=corpus, editor_token=TOKEN, max_upload_mb=1
    )
    app = create_app(settings)

    async def boom(request: Any) -> Any:
        raise RuntimeError("a bug of ours")

    app.add_route("/test-only/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def assert_secure(response: Any, what: str) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (
            f"{what}: {name} is {response.headers.get(name)!r}"
        )
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert re.search(r"(^|; )frame-ancestors 'none'(;|$)", policy)
    assert "strict-transport-security" not in response.headers  # plain HTTP


def concrete(path: str, params: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in params, f"no test value for path parameter {name!r} in {path}"
        return params[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def walk(client: TestClient) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(method, URL, headers) for every route and method, as a stranger and as an editor."""
    routes = client.app.routes  # type: ignore[attr-defined]
    assert len(routes) > 20
    for route in routes:
        if isinstance(route, Mount):
            yield "GET", route.path + "/style.css", {}
            yield "GET", route.path + "/no-such-file.js", {}
            continue
        assert isinstance(route, Route), route
        for method in sorted(route.methods or {"GET"}):
            for headers in ({}, AUTH):
                params = WRITE_PARAMS if method in WRITES else READ_PARAMS
                yield method, concrete(route.path, params), headers


def test_every_route_answers_with_the_security_headers(client: TestClient) -> None:
    seen: set[int] = set()
    count = 0
    for method, url, headers in walk(client):
        if url == "/test-only/boom":
            continue
        response = client.request(method, url, headers=headers)
        assert response.status_code < 500, f"{method} {url}: {response.status_code}"
        assert_secure(response, f"{method} {url} ({response.status_code})")
        seen.add(response.status_code)
        count += 1
    assert count > 50
    # Pages, redirects or refusals, bad requests and missing things were all among them.
    assert {200, 401, 404}.issubset(seen), seen


def test_answers_outside_the_routes_have_them_too(client: TestClient) -> None:
    answers = {
        "not found": client.get("/no/such/page"),
        "not found (JSON)": client.get("/api/no-such-endpoint"),
        "method not allowed": client.delete("/search"),
        "bad request": client.get("/api/search", params={"page": "0"}),
        "too large": client.post("/api/articles", content=b"x" * (2 * 1024 * 1024), headers=AUTH),
        "server error": client.get("/test-only/boom"),
    }
    expected = {
        "not found": 404,
        "not found (JSON)": 404,
        "method not allowed": 405,
        "bad request": 400,
        "too large": 413,
        "server error": 500,
    }
    for what, response in answers.items():
        assert response.status_code == expected[what], what
        assert_secure(response, what)
    first = client.get("/api/search", params={"q": "osce"})
    again = client.get(
        "/api/search", params={"q": "osce"}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert_secure(again, "not modified")


def test_https_adds_strict_transport_security(corpus: Path, tmp_path: Path) -> None:
    update_index(IndexLocation(tmp_path / "index"), corpus)
    app = create_app(Settings(index=tmp_path / "index", corpus=corpus))
    with TestClient(app, base_url="https://vindex.example") as client:
        response = client.get("/help")
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_session_cookie_flags(client: TestClient) -> None:
    page = client.get("/editor")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, "the login form carries a CSRF token"
    response = client.post(
        "/editor/login",
        data={"token": TOKEN, "csrf": csrf.group(1)},
        follow_redirects=False,
    )
    cookies = response.headers.get_list("set-cookie")
    assert cookies, response.status_code
    for cookie in cookies:
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "path"}.issubset(flags), cookie
        assert "samesite=strict" in cookie.lower(), cookie
        # Plain HTTP in the test: Secure would make the browser drop it.
        assert "secure" not in flags, cookie


def test_session_cookie_is_secure_over_https(corpus: Path, tmp_path: Path) -> None:
    update_index(IndexLocation(tmp_path / "index"), corpus)
    app = create_app(Settings(index=tmp_path / "index", corpus=corpus, editor_token=TOKEN))
    with TestClient(app, base_url="https://vindex.example") as client:
        page = client.get("/editor")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        response = client.post(
            "/editor/login", data={"token": TOKEN, "csrf": csrf.group(1)}, follow_redirects=False
        )
    cookie = response.headers["set-cookie"].lower()
    assert "; secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
