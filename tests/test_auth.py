"""Editor access (webapp/auth.py): tokens, session cookies and CSRF tokens, and under attack:
odd bytes in credentials, logout, and the guessers' throttle.

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
from api_app import editor_client
from starlette.requests import Request
from starlette.testclient import TestClient

from indexer.settings import Settings
from webapp.app import create_app
from webapp.auth import (
    FIRST_DELAY,
    FREE_FAILURES,
    MAX_DELAY,
    SESSION_COOKIE,
    SESSION_SECONDS,
    EditorAuth,
    _wait,
    client_of,
)
from webapp.auth_store import AuthStore

TOKEN = "a-long-enough-editor-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _client(site: Path, **settings: Any) -> TestClient:
    return editor_client(site, TOKEN, **settings)


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


# -- logout --------------------------------------------------------------------


def test_logout_ends_the_session_in_every_worker(site: Path) -> None:
    with _client(site) as first, _client(site) as second:
        csrf = login(first)
        cookie = first.cookies["vindex_editor"]
        copy = {"Cookie": f"vindex_editor={cookie}"}
        # The other worker accepts the session before the logout...
        assert "Upload articles" in second.get("/editor", headers=copy).text
        out = first.post("/editor/logout", data={"csrf": csrf}, follow_redirects=False)
        assert out.status_code == 303
        # ...and no worker after it, though the cookie has hours left.
        for client in (first, second):
            client.cookies.clear()
            page = client.get("/editor", headers=copy)
            assert page.status_code == 200 and 'name="token"' in page.text
            assert "Upload articles" not in page.text
            write = client.post("/api/reindex", headers={**copy, "X-CSRF-Token": csrf})
            assert write.status_code == 401
            form = client.post("/editor/reindex", headers=copy, data={"csrf": csrf})
            assert form.status_code == 401
        # A new login opens a new session.
        login(second)
        assert "Upload articles" in second.get("/editor").text


# -- the guessers' throttle ----------------------------------------------------


WRONG = {"Authorization": "Bearer wrong-guess-0000000"}


def test_the_throttle_is_shared_by_the_workers(site: Path) -> None:
    # Two apps on one index: the worker processes of `vindex serve --workers 2`.
    with _client(site) as first, _client(site) as second:
        statuses = []
        for n in range(16):
            client = (first, second)[n % 2]
            statuses.append(client.get("/api/jobs/startup", headers=WRONG).status_code)
            if statuses[-1] == 429:
                break
        # Three free failures and the fourth, then the wait: in both workers together.
        assert statuses == [401, 401, 401, 401, 429], statuses


def test_a_throttled_client_gets_in_with_the_right_token_after_the_wait(client: TestClient) -> None:
    statuses = [client.get("/api/jobs/startup", headers=WRONG).status_code for _ in range(4)]
    assert statuses == [401] * 4
    # Hammering within the wait is refused unread and does not lengthen it.
    waits = []
    for _ in range(50):
        refused = client.get("/api/jobs/startup", headers=WRONG)
        if refused.status_code != 429:
            break
        waits.append(int(refused.headers["retry-after"]))
    assert waits and max(waits) <= 1, waits
    deadline = time.monotonic() + 30  # a backstop: the wait is half a second
    while (answer := client.get("/api/jobs/startup", headers=AUTH)).status_code == 429:
        assert time.monotonic() < deadline
        time.sleep(int(answer.headers["retry-after"]))
    assert answer.status_code == 200
    # The right token forgives the failures: the next typo is free again.
    assert client.get("/api/jobs/startup", headers=WRONG).status_code == 401
    assert client.get("/api/jobs/startup", headers=AUTH).status_code == 200


def test_the_wait_is_never_longer_than_the_delay() -> None:
    now = time.time()
    assert _wait(3, now, now) == 0.0
    assert _wait(4, now, now) == FIRST_DELAY
    assert _wait(10_000, now, now) == MAX_DELAY
    # A failure stamped in the future (the clock was set back) waits the delay only.
    assert _wait(4, now + 3600, now) == FIRST_DELAY


def test_an_ipv6_client_is_its_network(site: Path) -> None:
    # One host holds a whole /64: its addresses are one client to the throttle.
    def at(address: str) -> TestClient:
        app = create_app(Settings(index=site / "index", corpus=site / "corpus", editor_token=TOKEN))
        return TestClient(app, raise_server_exceptions=False, client=(address, 50000))

    first, second, elsewhere = (
        at("2001:db8:1:2::1"),
        at("2001:db8:1:2:ffff::9"),
        at("2001:db8:1:3::1"),
    )
    with first, second, elsewhere:
        statuses = [first.get("/api/jobs/x", headers=WRONG).status_code for _ in range(4)]
        assert statuses == [401] * 4
        assert second.get("/api/jobs/x", headers=WRONG).status_code == 429
        assert elsewhere.get("/api/jobs/x", headers=WRONG).status_code == 401


# -- tokens, sessions and CSRF tokens, without HTTP ----------------------------------


def with_cookie(value: str, client: str = "192.0.2.1") -> Request:
    cookie = f"{SESSION_COOKIE}={value}".encode("latin-1")
    return Request({"type": "http", "headers": [(b"cookie", cookie)], "client": (client, 1)})


@pytest.fixture
def auth(tmp_path: Path) -> EditorAuth:
    return EditorAuth(TOKEN, AuthStore(tmp_path))


def test_only_the_token_itself_is_accepted(auth: EditorAuth) -> None:
    assert auth.token_ok(TOKEN)
    for wrong in ("", TOKEN[:-1], TOKEN + " ", TOKEN.upper(), TOKEN + "é", "\udcff"):
        assert not auth.token_ok(wrong), wrong


def test_a_session_cookie_opens_its_session_until_it_is_ended(
    auth: EditorAuth, tmp_path: Path
) -> None:
    cookie = auth.new_session()
    session_id, expires, _signature = cookie.split(".")
    assert int(expires) - time.time() == pytest.approx(SESSION_SECONDS, abs=60)
    assert auth.session(with_cookie(cookie)) == session_id
    # Signed with a key from the token: another token's server refuses it.
    other = EditorAuth("another-editor-token-entirely", AuthStore(tmp_path))
    assert other.session(with_cookie(cookie)) is None
    # Any change to the id or the expiry breaks the signature.
    assert auth.session(with_cookie(cookie.replace(expires, str(int(expires) + 9)))) is None
    assert auth.session(with_cookie("x" + cookie)) is None
    assert auth.session(with_cookie("")) is None
    auth.end_session(session_id)
    assert auth.session(with_cookie(cookie)) is None


def test_a_csrf_token_belongs_to_its_session(auth: EditorAuth) -> None:
    first, second = "first-session", "second-session"
    token = auth.csrf_token(first)
    assert auth.csrf_ok(first, token)
    assert auth.csrf_token(first) == token
    assert not auth.csrf_ok(second, token)
    assert not auth.csrf_ok(first, "")
    assert not auth.csrf_ok(None, token)


def test_the_login_forms_csrf_token_is_a_signed_time_stamp(auth: EditorAuth) -> None:
    token = auth.csrf_token(None)
    stamp, _, _signature = token.partition(".")
    assert abs(int(stamp) - time.time()) < 60
    assert auth.csrf_ok(None, token)
    # A session's token is not a login form's, nor the reverse.
    assert not auth.csrf_ok("a-session", token)
    assert not auth.csrf_ok(None, auth.csrf_token("a-session"))
    # Another time stamp under the same signature.
    assert not auth.csrf_ok(None, f"{int(stamp) - 1}.{_signature}")
    assert not auth.csrf_ok(None, f"\u00b2.{_signature}")


@pytest.mark.parametrize(
    ("address", "counted_as"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "::ffff:192.0.2.7"),  # an IPv4 client on a dual-stack socket
        ("testclient", "testclient"),
    ],
)
def test_the_throttle_counts_an_ipv6_client_by_its_network(address: str, counted_as: str) -> None:
    assert client_of(with_cookie("", address)) == counted_as


def test_the_wait_doubles_with_each_failure_past_the_free_ones() -> None:
    now = time.time()
    waits = [_wait(count, now, now) for count in range(FREE_FAILURES, FREE_FAILURES + 10)]
    assert waits == [0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    # Time passed since the last failure counts off the wait.
    assert _wait(FREE_FAILURES + 3, now - 1.5, now) == 0.5
    assert _wait(FREE_FAILURES + 3, now - 10, now) == 0.0
