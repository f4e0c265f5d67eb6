"""HTTP manners of webapp/http.py: strict query strings, ETags, request bodies and their limits.

The parsers are tested on plain ASGI scopes; the middleware through the
real app on the demo archive (test_api.py checks the same manners from a
reader's side: 304s, CORS headers, gzip answers).
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator

import pytest
from api_app import demo_app, running
from starlette.requests import Request
from starlette.testclient import TestClient
from starlette.types import Message

from webapp.errors import BadParameter
from webapp.http import etag, is_fresh, query_params

LIMIT_MB = 1
LIMIT = LIMIT_MB * 1024 * 1024
JSON = {"content-type": "application/json"}


def request(query: bytes = b"", path: str = "/api/search", **headers: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": query,
            "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
        }
    )


def raw_post(
    client: TestClient, path: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> tuple[int, bytes]:
    """POST exactly these headers and body to the running app; its status and body.

    HTTP clients write their own Content-Length, so this is an ASGI call, as a
    server that passes the header on unchecked would make it.
    """
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[Message] = []

    async def call() -> None:
        messages: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> Message:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        await client.app(scope, receive, send)

    assert client.portal is not None
    client.portal.call(call)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with running(demo_app(tmp_path_factory, max_upload_mb=LIMIT_MB)) as client:
        yield client


# -- query strings -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "pairs"),
    [
        (b"", []),
        (b"q=osce&&page=2&", [("q", "osce"), ("page", "2")]),
        (b"q=a+b%2Bc", [("q", "a b+c")]),
        (b"q=%C3%B6sterreich", [("q", "österreich")]),
        (b"flag", [("flag", "")]),
        (b"q=1=2", [("q", "1=2")]),
        (b"place=Wien&place=Graz", [("place", "Wien"), ("place", "Graz")]),
    ],
)
def test_query_strings_are_percent_decoded_as_utf8(
    raw: bytes, pairs: list[tuple[str, str]]
) -> None:
    assert query_params(request(raw)).multi_items() == pairs


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"q=%ff", "q: not valid UTF-8 once percent-decoded"),
        (b"page=1&section=caf%E9", "section: not valid UTF-8 once percent-decoded"),
        # A broken name is named as well as it can be.
        (b"%ff=1", "\ufffd: not valid UTF-8 once percent-decoded"),
    ],
)
def test_bytes_that_are_not_utf8_are_a_bad_parameter(raw: bytes, message: str) -> None:
    with pytest.raises(BadParameter) as raised:
        query_params(request(raw))
    assert raised.value.detail == message


def test_the_api_refuses_what_is_not_utf8(client: TestClient) -> None:
    answer = client.get("/api/search?q=%ff")
    assert answer.status_code == 400
    assert answer.json() == {
        "error": {
            "status": 400,
            "message": "q: not valid UTF-8 once percent-decoded",
            "param": "q",
        }
    }


# -- ETags ---------------------------------------------------------------------


def test_an_etag_is_weak_and_depends_on_path_query_and_index_state() -> None:
    tag = etag(request(b"q=osce"), "3.1")
    assert tag.startswith('W/"') and tag.endswith('"') and len(tag) == 3 + 24 + 1
    assert etag(request(b"q=osce"), "3.1") == tag
    assert etag(request(b"q=osce"), "3.2") != tag
    assert etag(request(b"q=iaea"), "3.1") != tag
    assert etag(request(b"q=osce", path="/api/search.ndjson"), "3.1") != tag


@pytest.mark.parametrize(
    ("header", "fresh"),
    [
        (None, False),
        ("", False),
        ('W/"abc"', True),
        ('"abc"', True),  # weak comparison: a strong tag of the same value matches
        ('"other", W/"abc"', True),
        (' "other" ,W/"abc" ', True),
        ("*", True),
        ('W/"abcd"', False),
        ('"other"', False),
    ],
)
def test_if_none_match_compares_weakly(header: str | None, fresh: bool) -> None:
    headers = {} if header is None else {"if_none_match": header}
    assert is_fresh(request(b"", **headers), 'W/"abc"') is fresh


# -- request bodies ------------------------------------------------------------


def test_a_json_body_must_be_json(client: TestClient) -> None:
    form = client.post("/api/search", content=b"q=osce", headers={"content-type": "text/plain"})
    assert form.status_code == 415
    assert form.json()["error"]["status"] == 415
    broken = client.post("/api/search", content=b'{"q": ', headers=JSON)
    assert broken.status_code == 422
    assert broken.json()["error"]["message"].startswith("The body is not valid UTF-8 JSON")
    latin = client.post("/api/search", content='{"q": "é"}'.encode("latin-1"), headers=JSON)
    assert latin.status_code == 422
    deep = client.post("/api/search", content=b"[" * 10_000 + b"]" * 10_000, headers=JSON)
    assert deep.status_code == 422
    assert "nested too deeply" in deep.json()["error"]["message"]
    array = client.post("/api/search", content=b'["osce"]', headers=JSON)
    assert array.status_code == 422
    assert array.json()["error"]["message"] == (
        "The body must be a JSON object of search parameters."
    )


def without_time(answer: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in answer.items() if key != "took_ms"}


def test_a_compressed_body_is_inflated_for_the_app(client: TestClient) -> None:
    body = json.dumps({"q": "osce", "per_page": 1}).encode()
    plain = client.post("/api/search", content=body, headers=JSON).json()
    assert plain["total"] > 0
    for encoding, data in (("gzip", gzip.compress(body)), ("deflate", zlib.compress(body))):
        answer = client.post(
            "/api/search", content=data, headers={**JSON, "content-encoding": encoding}
        )
        assert answer.status_code == 200, encoding
        assert without_time(answer.json()) == without_time(plain)


@pytest.mark.parametrize(
    ("encoding", "data", "status", "message"),
    [
        ("br", b"{}", 415, "Content-Encoding 'br' is not accepted; send the body plain or gzip."),
        ("gzip", b"not gzip", 400, "The body is not valid gzip data: "),
        ("gzip", gzip.compress(b'{"q": "osce"}')[:-12], 400, "The body is not valid gzip data: "),
    ],
)
def test_bodies_that_cannot_be_read_are_refused(
    client: TestClient, encoding: str, data: bytes, status: int, message: str
) -> None:
    headers = {**JSON, "content-encoding": encoding}
    answer = client.post("/api/search", content=data, headers=headers)
    assert answer.status_code == status
    assert answer.json()["error"]["message"].startswith(message)


def test_a_body_that_inflates_beyond_the_limit_is_refused(client: TestClient) -> None:
    bomb = gzip.compress(b" " * (LIMIT * 4))
    assert len(bomb) < LIMIT // 50
    answer = client.post("/api/search", content=bomb, headers={**JSON, "content-encoding": "gzip"})
    assert answer.status_code == 413
    assert answer.json()["error"]["message"] == f"The request body is larger than {LIMIT} bytes."


def test_a_chunked_body_is_counted_as_it_arrives(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(LIMIT // 65536 + 2):
            yield b" " * 65536

    answer = client.post("/api/search", content=chunks(), headers=JSON)
    assert answer.status_code == 413


@pytest.mark.parametrize(
    "declared", [b"\xb2", b"1\xb3", "١٠".encode(), b"12a", b"-1", b" ", b""], ids=repr
)
def test_a_content_length_that_is_no_number_is_a_bad_request(
    client: TestClient, declared: bytes
) -> None:
    """Only ASCII digits are a length. Header bytes are read as Latin-1, and `str.isdigit`
    takes '²' (byte B2), which `int()` refuses: that was a 500. Uvicorn's h11 refuses such
    a header itself; a server that passes it on must get a 400, as HTTP asks."""
    status, answer = raw_post(
        client,
        "/api/search",
        [(b"content-type", b"application/json"), (b"content-length", declared)],
        b'{"q": "osce"}',
    )
    assert status == 400
    assert json.loads(answer) == {
        "error": {
            "status": 400,
            "message": "Content-Length must be a number of bytes in ASCII digits.",
            "param": "Content-Length",
        }
    }


# -- the middleware layer ----------------------------------------------------------


def test_gzip_is_the_same_answer_whole_or_streamed(client: TestClient) -> None:
    """One layer compresses a whole answer and a streamed one; identity clients get Vary too."""
    for path in ("/api/search?per_page=50", "/api/search.ndjson"):
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert "Accept-Encoding" in plain.headers["vary"]
        packed = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert packed.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["vary"]
        # httpx inflates it: the same answer as the plain one (but for the time taken).
        assert len(plain.content) > 1024
        assert _untimed(packed.content) == _untimed(plain.content)
        assert packed.headers["x-content-type-options"] == "nosniff"
    whole = client.get("/api/search?per_page=50", headers={"Accept-Encoding": "gzip"})
    streamed = client.get("/api/search.ndjson", headers={"Accept-Encoding": "gzip"})
    assert int(whole.headers["content-length"]) < len(whole.content)
    assert "content-length" not in streamed.headers


def _untimed(content: bytes) -> bytes:
    return re.sub(rb'"took_ms":[0-9.]+', b"", content)


def test_cors_headers_only_for_another_origin_on_a_read_path(client: TestClient) -> None:
    origin = {"Origin": "https://reader.example"}
    assert "access-control-allow-origin" not in client.get("/api/search").headers
    assert client.get("/api/search", headers=origin).headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in client.get("/help", headers=origin).headers
    preflight = client.options(
        "/api/search",
        headers={**origin, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["x-frame-options"] == "DENY"
