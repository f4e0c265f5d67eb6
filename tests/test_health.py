"""Liveness (/healthz) and readiness (/readyz) of a worker, on a real index.

/healthz answers from the state searches use, without reading the index:
a write by another process is not seen until a search opens the new state.
/readyz says whether that state is the index's newest one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import synthetic_article, write_json
from starlette.testclient import TestClient
from waiting import wait_until

from indexer.embedded.backend import STARTUP_JOB
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.settings import Settings
from webapp.app import create_app


@pytest.fixture
def client(site: Path) -> Iterator[TestClient]:
    app = create_app(Settings(index=site / "index", corpus=site / "corpus"))
    with TestClient(app, raise_server_exceptions=False) as client:
        backend = app.state.backend
        # The start-up reconciliation may open a state when it finds work: let it end first.
        wait_until(lambda: backend.job(STARTUP_JOB).state == "done", "the start-up check")
        yield client


def test_healthz_answers_from_the_open_state_without_reading_the_index(
    client: TestClient, site: Path
) -> None:
    client.get("/api/search", params={"q": "vienna"})
    before = client.get("/healthz").json()
    assert before["status"] == "ok" and before["articles"] == 5
    # Another process (a second worker's writer) adds an article on disk.
    write_json(site / "corpus" / "late.json", synthetic_article(500, prefix="late"))
    update_index(IndexLocation(site / "index"), site / "corpus")
    # Liveness does not read the index: it still tells of the state searches use.
    assert client.get("/healthz").json() == before
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["retry-after"] == "1"
    assert ready.json() == {
        "ready": False,
        "serving": before["version"],
        "latest": ready.json()["latest"],
        "reason": "the index changed since its last open",
    }
    assert ready.json()["latest"] != before["version"]
    # The next search opens the new state; both now tell of it.
    assert client.get("/api/search").json()["total"] == 6
    after = client.get("/healthz").json()
    assert after["articles"] == 6 and after["version"] == ready.json()["latest"]
    assert client.get("/readyz").json() == {
        "ready": True,
        "serving": after["version"],
        "latest": after["version"],
    }


def test_readyz_waits_for_the_index_to_be_open(client: TestClient) -> None:
    # Nothing has searched yet: liveness is fine (it reads the index once), readiness not.
    assert client.get("/healthz").json()["articles"] == 5
    waiting = client.get("/readyz")
    assert waiting.status_code == 503
    assert waiting.headers["cache-control"] == "no-store"
    assert waiting.json()["reason"] == "the index is not open yet"
    assert waiting.json()["serving"] is None
    client.get("/api/suggest", params={"q": "vie"})
    assert client.get("/readyz").status_code == 200


def test_without_an_index_neither_is_fine(tmp_path: Path) -> None:
    settings = Settings(index=tmp_path / "index", corpus=tmp_path / "corpus")
    (tmp_path / "corpus").mkdir()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "no index"
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {
            "ready": False,
            "serving": None,
            "latest": None,
            "reason": "no index: build one with `vindex index`",
        }
