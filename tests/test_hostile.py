"""The hostile input corpus: markup, template syntax and oversized or malformed input everywhere.

Articles carry every payload of `tests/hostile.py` in every field; every
query parameter of every page gets the payloads too. Each page type, the API
and the Atom feed must show them as text (no element or attribute of the data
in the HTML, template syntax not evaluated) and never answer 500. Then input
that is hostile by its size or shape: 1 MB titles, 10,000 entities on one
article, deeply nested JSON, compression bombs, and clients that send slowly.
"""

from __future__ import annotations

import gzip
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import feedparser
import httpx2
import pytest
from bs4 import BeautifulSoup
from conftest import synthetic_article, write_jsonl
from editor_server import AUTH, Server
from hostile import (
    PAYLOADS,
    QUERY_PAYLOADS,
    SSTI,
    canonical_title,
    hostile_articles,
    inert_problems,
)
from lxml import etree
from starlette.testclient import TestClient
from waiting import HANG

from indexer.archive.request import FILTER_PARAMS
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.ingest.article import make_article
from indexer.settings import Settings
from webapp.app import create_app

TOKEN = AUTH["Authorization"].removeprefix("Bearer ")
ARTICLES = hostile_articles()
PARAMS = ("q", *FILTER_PARAMS, "from", "to", "sort", "page", "per_page", "prefix", "tag")
PAGES = ("/", "/search", "/articles/hostile-0", "/entities/place/Vienna", "/help", "/api")
UPLOAD_MB = 2


def build_site(folder: Path) -> Settings:
    corpus = folder / "corpus"
    write_jsonl(corpus / "hostile.jsonl", ARTICLES)
    write_jsonl(corpus / "plain.jsonl", [synthetic_article(i) for i in range(5)])
    update_index(IndexLocation(folder / "index"), corpus)
    return Settings(
        index=folder / "index", corpus=corpus, editor_token=TOKEN, max_upload_mb=UPLOAD_MB
    )


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = build_site(tmp_path_factory.mktemp("hostile"))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def page_of(client: TestClient, url: str, **params: str) -> str:
    response = client.get(url, params=params)
    assert response.status_code == 200, f"{url} {params}: {response.status_code}"
    assert response.headers["content-type"].startswith("text/html")
    problems = inert_problems(response.text)
    assert not problems, f"{url} {params}: {problems}"
    return response.text


def text_of(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text()


# -- articles made of payloads ---------------------------------------------------


@pytest.mark.parametrize("n", range(len(PAYLOADS)))
def test_every_field_shows_as_text_on_every_page_type(client: TestClient, n: int) -> None:
    article = ARTICLES[n]
    page = page_of(client, f"/articles/{article['id']}", q="zanzibarian")
    shown = text_of(page)
    canonical = make_article(article)
    assert canonical.title in shown
    for field in ("source", "dateline", "image_caption"):
        assert getattr(canonical, field) in shown, field
    for name in (*canonical.entities.person, *canonical.entities.organization):
        assert name in shown
    page_of(client, f"/articles/{article['id']}")
    for kind, names in canonical.entities.to_dict().items():
        entity = page_of(client, f"/entities/{kind}/{quote(names[0], safe='')}")
        assert names[0] in text_of(entity)
        page_of(client, "/search", **{kind: names[0]})
    page_of(client, "/search", section=canonical.section)
    page_of(client, "/search", source=canonical.source)
    hits = page_of(client, "/search", q=f'"title {n}" zanzibarian', per_page="50")
    assert canonical_title(article) in text_of(hits)


def test_pages_listing_every_hostile_article(client: TestClient) -> None:
    for url, params in (
        ("/", {}),
        ("/search", {"q": "zanzibarian", "per_page": "50"}),
        ("/search", {"q": "zanzibarian", "sort": "newest", "per_page": "50"}),
        ("/search", {"section": "Hostile"}),
    ):
        page_of(client, url, **params)


def test_template_syntax_in_articles_is_not_evaluated(client: TestClient) -> None:
    n = next(i for i, p in enumerate(PAYLOADS) if SSTI in p)
    page = text_of(page_of(client, f"/articles/hostile-{n}"))
    assert PAYLOADS[n] in page
    assert "Zanzibarian 49" not in page


def test_api_gives_the_payloads_back_as_data(client: TestClient) -> None:
    result = client.get("/api/search", params={"q": "zanzibarian", "per_page": "50"}).json()
    titles = {hit["title"] for hit in result["hits"]}
    assert result["total"] == len(ARTICLES)
    assert titles == {canonical_title(a) for a in ARTICLES}
    for hit in result["hits"]:
        assert not inert_problems(hit["snippet_html"], allowed=frozenset({"mark"}))
        assert not inert_problems(hit["title_html"], allowed=frozenset({"mark"}))
    article = client.get("/api/articles/hostile-1").json()["article"]
    assert article["title"] == canonical_title(ARTICLES[1])


def test_atom_feed_carries_the_payloads_as_text(client: TestClient) -> None:
    response = client.get("/search.atom", params={"q": "zanzibarian", "per_page": "50"})
    assert response.status_code == 200
    root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False))
    atom = "{http://www.w3.org/2005/Atom}"
    titles = {entry.findtext(f"{atom}title") for entry in root.iter(f"{atom}entry")}
    assert titles == {canonical_title(a) for a in ARTICLES}
    for summary in root.iter(f"{atom}summary"):
        # A feed reader renders type="html" summaries as HTML: only our <mark> may be in them.
        assert not inert_problems(summary.text or "", allowed=frozenset({"mark"}))
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")


# -- payloads in every query parameter and path --------------------------------------


@pytest.mark.slow  # every payload in every parameter of every page: hundreds of pages
@pytest.mark.parametrize("payload", QUERY_PAYLOADS)
def test_every_query_parameter_of_every_page(client: TestClient, payload: str) -> None:
    for url in PAGES:
        for name in PARAMS:
            response = client.get(url, params={name: payload})
            assert response.status_code in (200, 400), f"{url} {name}: {response.status_code}"
            assert not inert_problems(response.text), f"{url} {name}={payload!r}"
        response = client.get(url, params={payload: payload})
        assert response.status_code == 200, f"{url} parameter named {payload!r}"
        assert not inert_problems(response.text)
    for name in PARAMS:
        response = client.get("/search.atom", params={name: payload})
        assert response.status_code in (200, 400), f"atom {name}: {response.status_code}"
        if response.status_code == 200:
            etree.fromstring(response.content)
    for url in ("/api/search", "/api/suggest", "/api/facets/person", "/editor"):
        for name in PARAMS:
            response = client.get(url, params={name: payload})
            assert response.status_code < 500, f"{url} {name}: {response.status_code}"


@pytest.mark.parametrize("payload", QUERY_PAYLOADS)
def test_payloads_in_paths(client: TestClient, payload: str) -> None:
    name = quote(payload, safe="")
    for url in (
        f"/articles/{name}",
        f"/entities/person/{name}",
        f"/entities/{name}/x",
        f"/api/articles/{name}",
        f"/api/entities/place/{name}",
        f"/api/facets/{name}",
        f"/{name}",
    ):
        response = client.get(url)
        assert response.status_code in (200, 400, 404), f"{url}: {response.status_code}"
        if response.headers["content-type"].startswith("text/html"):
            assert not inert_problems(response.text), url


# -- input hostile by size or shape ------------------------------------------------


@pytest.fixture
def editor(tmp_path: Path) -> Iterator[TestClient]:
    settings = build_site(tmp_path)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def post_json(client: TestClient, body: bytes, **headers: str) -> Any:
    return client.post(
        "/api/articles",
        content=body,
        headers={**AUTH, "Content-Type": "application/json", **headers},
    )


def total(client: TestClient, q: str = "") -> int:
    count: int = client.get("/api/search", params={"q": q} if q else {}).json()["total"]
    return count


def test_a_one_megabyte_title_is_refused_and_the_rest_of_the_batch_kept(
    editor: TestClient,
) -> None:
    before = total(editor)
    batch = [
        {**synthetic_article(900), "title": "Quokka " + "x" * 1_048_576},
        synthetic_article(901),
        synthetic_article(902),
    ]
    response = post_json(editor, json.dumps(batch).encode())
    assert response.status_code == 200
    outcomes = {o["id"]: o for o in response.json()["articles"]}
    assert {k: o["status"] for k, o in outcomes.items()} == {
        "t-900": "rejected",
        "t-901": "created",
        "t-902": "created",
    }
    assert "title" in " ".join(outcomes["t-900"]["reasons"])
    assert total(editor) == before + 2


@pytest.mark.slow  # an article of 10,000 entities
def test_ten_thousand_entities_on_one_article(editor: TestClient) -> None:
    people = [f"Person Number{n:05d}" for n in range(10_000)]
    article = {**synthetic_article(910), "id": "crowded", "entities": {"person": people}}
    response = post_json(editor, json.dumps(article).encode())
    assert response.status_code == 200, response.text
    assert response.json()["articles"][0]["status"] == "created"
    page = editor.get("/articles/crowded")
    assert page.status_code == 200
    assert not inert_problems(page.text)
    facets = editor.get("/api/search", params={"q": "", "person": people[1234]}).json()
    assert facets["total"] == 1
    assert editor.get("/search", params={"person": people[9999]}).status_code == 200
    assert (
        editor.get("/api/facets/person", params={"prefix": "Person Number0999"}).status_code == 200
    )


NESTED = b"[" * 200_000 + b"]" * 200_000


def test_deeply_nested_json_is_a_clear_error(editor: TestClient) -> None:
    before = total(editor)
    assert post_json(editor, NESTED).status_code == 422
    assert post_json(editor, b'{"title": ' + NESTED + b"}").status_code == 422
    jsonl = editor.post(
        "/api/articles",
        content=json.dumps(synthetic_article(920)).encode() + b"\n" + NESTED + b"\n",
        headers={**AUTH, "Content-Type": "application/x-ndjson"},
    )
    assert jsonl.status_code == 200
    assert [o["status"] for o in jsonl.json()["articles"]] == ["created", "rejected"]
    files = editor.post(
        "/api/articles",
        files={"files": ("nested.json", NESTED, "application/json")},
        headers=AUTH,
    )
    assert files.status_code == 200
    assert [o["status"] for o in files.json()["articles"]] == ["rejected"]
    search = editor.post(
        "/api/search",
        content=b'{"q": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert search.status_code in (400, 422)
    assert search.json()["error"]["message"]
    put = editor.put(
        "/api/articles/nested",
        content=NESTED,
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert put.status_code == 422
    assert total(editor) == before + 1


def test_compressed_bodies_are_inflated_within_the_limit(editor: TestClient) -> None:
    before = total(editor)
    article = json.dumps(synthetic_article(930)).encode()
    good = post_json(editor, gzip.compress(article), **{"Content-Encoding": "gzip"})
    assert good.status_code == 200, good.text
    assert good.json()["articles"][0]["status"] == "created"
    # 256 MB of spaces: 250 KB compressed, far beyond the 2 MB limit once inflated.
    bomb = gzip.compress(b" " * (256 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < UPLOAD_MB * 1024 * 1024
    # CPU time, which the app runs in this process: a loaded machine stretches wall time.
    started = time.process_time()
    refused = post_json(editor, bomb, **{"Content-Encoding": "gzip"})
    assert refused.status_code == 413
    assert time.process_time() - started < 60  # it stopped inflating at the limit
    broken = post_json(editor, gzip.compress(article)[:-12], **{"Content-Encoding": "gzip"})
    assert broken.status_code == 400
    assert "gzip" in broken.json()["error"]["message"]
    unknown = post_json(editor, article, **{"Content-Encoding": "br"})
    assert unknown.status_code == 415
    search = editor.post(
        "/api/search",
        content=gzip.compress(b'{"q": "zanzibarian"}'),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert search.status_code == 200 and search.json()["total"] == len(ARTICLES)
    assert total(editor) == before + 1


# -- slow clients ----------------------------------------------------------------


def test_slow_clients_do_not_hold_up_the_others(tmp_path: Path) -> None:
    settings = build_site(tmp_path)
    with Server(settings.index, settings.corpus, tmp_path / "server.log") as server:
        slow: list[socket.socket] = []
        try:
            # 100 clients that send half a request line and then nothing. A server they
            # held up would never answer the others: the limits below only catch that hang.
            for _ in range(100):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=HANG)
                sock.sendall(b"GET /search?q=zanz")
                slow.append(sock)
            # One that trickles an upload's headers and body a few bytes at a time.
            body = json.dumps(synthetic_article(940)).encode()
            trickle = socket.create_connection(("127.0.0.1", server.port), timeout=HANG)
            head = (
                f"POST /api/articles HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            ).encode()
            slow.append(trickle)
            with httpx2.Client(base_url=server.url, timeout=HANG) as fast:
                for start in range(0, len(head) + len(body), 16):
                    trickle.sendall((head + body)[start : start + 16])
                    if start % 256 == 0:
                        answer = fast.get("/api/search", params={"q": "zanzibarian"})
                        assert answer.status_code == 200
                        assert answer.json()["total"] == len(ARTICLES)
                    time.sleep(0.005)
                reply = b""
                while chunk := trickle.recv(65536):
                    reply += chunk
                assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
                assert b'"created"' in reply
                assert fast.get("/api/articles/" + synthetic_article(940)["id"]).status_code == 200
        finally:
            for sock in slow:
                sock.close()
