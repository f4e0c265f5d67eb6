"""Export: every matching article as NDJSON, streamed in batches, re-indexable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_app import demo_app, demo_index, running
from starlette.testclient import TestClient

from indexer.archive.request import SearchRequest
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.export import Export
from indexer.ingest.corpus import read_file


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with running(demo_app(tmp_path_factory)) as client:
        yield client


def _lines(client: TestClient, query: str) -> list[dict[str, object]]:
    response = client.get(f"/api/search.ndjson?{query}")
    assert response.status_code == 200
    lines = response.text.splitlines()
    assert int(response.headers["x-total-count"]) == len(lines)
    return [json.loads(line) for line in lines]


def test_exports_every_match_in_the_search_order_ignoring_pages(client: TestClient) -> None:
    records = _lines(client, "q=vienna&per_page=3&page=2")
    search = client.get("/api/search?q=vienna&per_page=100").json()
    assert len(records) == search["total"] > 3
    assert [r["id"] for r in records] == [h["id"] for h in search["hits"]]
    everything = _lines(client, "sort=oldest")
    assert len(everything) == 66
    oldest = client.get("/api/search?sort=oldest&per_page=100").json()["hits"]
    assert [r["id"] for r in everything] == [h["id"] for h in oldest]


def test_head_gives_the_count_without_the_articles(client: TestClient) -> None:
    response = client.head("/api/search.ndjson?q=vienna")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert int(response.headers["x-total-count"]) == len(_lines(client, "q=vienna")) > 3
    assert response.content == b""


def test_records_are_corpus_articles(client: TestClient, tmp_path: Path) -> None:
    records = _lines(client, "organization=OSCE")
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = read_file(path)
    assert not result.errors
    articles = result.articles
    assert [a.id for a in articles] == [r["id"] for r in records]
    assert all("OSCE" in a.entities.of("organization") for a in articles)


def test_stored_fields_are_read_a_batch_at_a_time(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    core = SearchCore(LiveIndex(IndexLocation(demo_index(tmp_path_factory))))
    try:
        export = Export(core, SearchRequest(), batch=7)
        sizes = [len(batch) for batch in export.batches()]
    finally:
        core.close()
    assert sizes == [7] * 9 + [3]
