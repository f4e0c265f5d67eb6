"""Liveness (/healthz) and readiness (/readyz) of a worker, on a real index.

/healthz answers from the state searches use, without reading the index:
a write by another process is not seen until a search opens the new state.
/readyz is 200 once the index's newest state is open, and opens it if need
be (a worker that waited for searches before it said it was ready would
never get any from a load balancer).
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
    # Readiness opens the newest state, as the next search would.
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    assert ready.json()["serving"] == ready.json()["latest"] != before["version"]
    after = client.get("/healthz").json()
    assert after["articles"] == 6 and after["version"] == ready.json()["serving"]
    assert client.get("/api/search").json()["total"] == 6


def test_readyz_opens_the_index_before_any_search(client: TestClient) -> None:
    # Nothing has searched yet: liveness reads the index (once a state is open, no more).
    assert client.get("/healthz").json()["articles"] == 5
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.headers["cache-control"] == "no-store"
    body = ready.json()
    assert body == {"ready": True, "serving": body["latest"], "latest": body["latest"]}
    assert client.get("/healthz").json()["version"] == body["serving"]


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
