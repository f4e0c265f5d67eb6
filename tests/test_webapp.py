"""The web app through Starlette's TestClient, on a real index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.settings import Settings
from webapp.app import create_app


@pytest.fixture
def client(corpus: Path, tmp_path: Path) -> Iterator[TestClient]:
    update_index(IndexLocation(tmp_path / "index"), corpus)
    app = create_app(Settings(index=tmp_path / "index", corpus=corpus))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_home_lists_recent_articles(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'role="search"' in page.text
    assert "Security Review Conference in Vienna" in page.text


def test_search_page_and_json_twin(client: TestClient) -> None:
    page = client.get("/search", params={"q": "review"})
    assert page.status_code == 200
    assert ">1 article matching “review”</p>" in page.text
    assert '/articles/osce-conference?q=review"' in page.text
    data = client.get("/api/search", params={"q": "review"}).json()
    assert data["total"] == 1
    assert data["hits"][0]["id"] == "osce-conference"
    assert data["hits"][0]["published"] == "2024-07-04T23:31:00+02:00"


def test_article_page_escapes_text(client: TestClient) -> None:
    page = client.get("/articles/osce-conference")
    assert page.status_code == 200
    assert "<p>Ministers discussed elections.</p>" in page.text


def test_errors(client: TestClient) -> None:
    missing = client.get("/articles/nope")
    assert missing.status_code == 404
    assert 'role="search"' in missing.text, "error pages keep the search box"
    bad = client.get("/api/search", params={"page": "0"})
    assert bad.status_code == 400
    assert bad.json() == {
        "error": {
            "status": 400,
            "message": "page: must be between 1 and 10000, got 0",
            "param": "page",
        }
    }
    odd = client.get("/search", params={"q": '"><script>alert(1)</script> AND ('})
    assert odd.status_code == 200
    assert "<script>alert(1)</script>" not in odd.text


def test_healthz(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["articles"] == 5
    assert health["generation"].startswith("gen-")
