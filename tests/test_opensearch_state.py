"""The archive's state on the cluster backend: index, count and version in one request; its age.

The parsers against documented answer shapes (`GET /<alias>/_stats/docs,indexing`,
`GET /<alias>/_mapping?filter_path=*.mappings._meta`), the `_meta` a write
records, and how many requests `health`, `version` and `readiness` cost:
opensearch-py against a canned-answer stub on 127.0.0.1 that records the
paths asked (it exercises the transport, not any cluster semantics).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from canned_http import Canned, serving
from opensearchpy import OpenSearch

from indexer.archive.results import Health
from indexer.opensearch.backend import OpenSearchBackend
from indexer.opensearch.state import State, meta_body, parse_state, parse_updated

INDEX = "vindex-20261204t061500000000"


def stats_answer(*indexes: tuple[str, int, int, int]) -> dict[str, Any]:
    """`GET /vindex/_stats/docs,indexing` of (index, documents, index total, delete total)."""

    def figures(docs: int, indexed: int, deleted: int) -> dict[str, Any]:
        return {
            "docs": {"count": docs, "deleted": 0},
            "indexing": {
                "index_total": indexed,
                "index_time_in_millis": 812,
                "index_current": 0,
                "index_failed": 0,
                "delete_total": deleted,
                "delete_time_in_millis": 3,
                "delete_current": 0,
                "noop_update_total": 0,
                "is_throttled": False,
                "throttle_time_in_millis": 0,
            },
        }

    return {
        "_shards": {"total": 2, "successful": 1, "failed": 0},
        "_all": {"primaries": figures(0, 0, 0), "total": figures(0, 0, 0)},
        "indices": {
            name: {
                "uuid": "kJ0Yz7QxQ2e1",
                "primaries": figures(docs, indexed, deleted),
                "total": figures(docs, indexed, deleted),
            }
            for name, docs, indexed, deleted in indexes
        },
    }


def test_the_state_is_the_alias_index_its_count_and_its_writes() -> None:
    answer = stats_answer((INDEX, 100_000, 100_012, 3))
    assert parse_state(answer) == State(INDEX, 100_000, f"{INDEX}.100012.3")
    assert parse_state({"_shards": {"total": 0}, "_all": {}, "indices": {}}) is None


def test_while_the_alias_is_swapped_the_newest_version_is_the_state() -> None:
    newer = "vindex-20261205t061500000000"
    answer = stats_answer((INDEX, 10, 10, 0), (newer, 12, 12, 0))
    assert parse_state(answer) == State(newer, 12, f"{newer}.12.0")


def test_a_write_records_when_the_archive_changed_in_the_mapping() -> None:
    assert meta_body("2026-12-04T06:15:00+00:00") == {
        "_meta": {"vindex": {"updated": "2026-12-04T06:15:00+00:00"}}
    }
    answer = {
        INDEX: {"mappings": {"_meta": {"vindex": {"updated": "2026-12-04T06:15:00+00:00"}}}},
        "vindex-20261205t061500000000": {
            "mappings": {"_meta": {"vindex": {"updated": "2026-12-05T08:00:00+00:00"}}}
        },
    }
    assert parse_updated(answer) == "2026-12-05T08:00:00+00:00"
    # filter_path leaves nothing of an index no write has marked.
    assert parse_updated({}) is None
    assert parse_updated({INDEX: {"mappings": {"_meta": {"other": 1}}}}) is None


class _Canned(Canned):
    """Answers each GET with the canned JSON of its path (query string aside); records paths."""

    answers: ClassVar[dict[str, dict[str, Any]]] = {}
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        self.answer(200, type(self).answers[self.path.split("?")[0]])


@pytest.fixture
def client() -> Iterator[OpenSearch]:
    _Canned.paths = []
    _Canned.answers = {
        "/vindex/_stats/docs,indexing": stats_answer((INDEX, 66, 70, 4)),
        "/vindex/_mapping": {
            INDEX: {"mappings": {"_meta": {"vindex": {"updated": "2026-12-04T06:15:00+00:00"}}}}
        },
    }
    with serving(_Canned) as server:
        opened = OpenSearch(hosts=[f"http://127.0.0.1:{server.server_port}"], max_retries=0)
        try:
            yield opened
        finally:
            opened.close()


def test_health_version_and_readiness_cost_one_request_each_at_most(
    client: OpenSearch, tmp_path: Path
) -> None:
    backend = OpenSearchBackend(client, tmp_path, state_seconds=0.0)
    version = f"{INDEX}.70.4"
    assert backend.health() == Health("ok", INDEX, 66, version)
    assert backend.version() == version
    assert backend.readiness().latest == version
    assert _Canned.paths == ["/vindex/_stats/docs,indexing"] * 3


def test_the_state_is_kept_a_moment_for_the_checks_and_etags_that_follow(
    client: OpenSearch, tmp_path: Path
) -> None:
    backend = OpenSearchBackend(client, tmp_path, state_seconds=3600.0)
    for _ in range(5):
        assert backend.health().articles == 66
        assert backend.version() == f"{INDEX}.70.4"
    assert _Canned.paths == ["/vindex/_stats/docs,indexing"]


def test_updated_is_one_request_of_the_mappings_meta(client: OpenSearch, tmp_path: Path) -> None:
    backend = OpenSearchBackend(client, tmp_path)
    assert backend.updated() == "2026-12-04T06:15:00+00:00"
    assert _Canned.paths == ["/vindex/_mapping?filter_path=%2A.mappings._meta"]
