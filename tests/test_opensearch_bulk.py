"""Bulk ingest: batches, the retry policy, and retries through the real client.

The client test runs opensearch-py against a canned-response stub on
127.0.0.1 that answers 429 (the cluster's queue is full) and then a bulk
answer: it exercises the transport, not any search semantics.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from canned_http import Canned, serving
from opensearchpy import OpenSearch

from indexer.opensearch.bulk import (
    Action,
    RetryPolicy,
    TransientError,
    batches,
    body,
    client_sender,
    send,
)

NO_JITTER = RetryPolicy(attempts=4, first=0.5, factor=2.0, longest=1.5, jitter=0.0)


def actions(n: int) -> list[Action]:
    return [Action("vindex-1", f"a{i}", {"id": f"a{i}", "title": "x" * 10}) for i in range(n)]


def item(status: int, kind: str = "index") -> dict[str, Any]:
    answer: dict[str, Any] = {"_index": "vindex-1", "status": status}
    if status >= 300:
        answer["error"] = {"type": "es_rejected_execution_exception", "reason": "queue full"}
    return {kind: answer}


def test_batches_are_cut_by_count_and_by_bytes() -> None:
    assert [len(b) for b in batches(actions(7), articles=3)] == [3, 3, 1]
    one = len(body(actions(1)).encode())
    assert [len(b) for b in batches(actions(5), nbytes=2 * one)] == [2, 2, 1]


def test_the_bulk_body_is_ndjson_of_action_and_source_lines() -> None:
    text = body([Action("v", "a1", {"id": "a1", "title": "Ö"}), Action("v", "a2", None)])
    assert text == (
        '{"index": {"_index": "v", "_id": "a1"}}\n{"id": "a1", "title": "Ö"}\n'
        '{"delete": {"_index": "v", "_id": "a2"}}\n'
    )


def test_delays_double_up_to_the_longest_with_jitter_around_them() -> None:
    assert [NO_JITTER.delay(a) for a in (2, 3, 4, 5)] == [0.5, 1.0, 1.5, 1.5]
    jittered = RetryPolicy(first=1.0, jitter=0.25)
    assert jittered.delay(2, rng=lambda: 0.0) == 0.75
    assert jittered.delay(2, rng=lambda: 1.0) == 1.25
    assert [s for s in (200, 400, 409, 429, 500, 502, 503, 504) if NO_JITTER.retries(s)] == [
        429,
        502,
        503,
        504,
    ]


def test_refused_items_are_sent_again_alone_and_final_refusals_reported() -> None:
    sent: list[list[str]] = []
    answers = [
        {"items": [item(201), item(429), item(400), item(503)]},
        {"items": [item(200), item(429)]},
        {"items": [item(200)]},
    ]

    def sender(text: str) -> dict[str, Any]:
        lines = text.splitlines()
        sent.append([json.loads(line)["index"]["_id"] for line in lines[::2]])
        return answers[len(sent) - 1]

    waits: list[float] = []
    outcome = send(actions(4), sender, NO_JITTER, sleep=waits.append)
    assert sent == [["a0", "a1", "a2", "a3"], ["a1", "a3"], ["a3"]]
    assert waits == [0.5, 1.0]
    assert outcome.written == 3 and outcome.attempts == 3
    assert outcome.failed == [("a2", "400: queue full")]


def test_a_transport_failure_is_retried_then_reported_for_every_article() -> None:
    calls = 0

    def sender(text: str) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        raise TransientError("connection refused")

    waits: list[float] = []
    outcome = send(actions(2), sender, NO_JITTER, sleep=waits.append)
    assert calls == 4 and waits == [0.5, 1.0, 1.5]
    refused = "not written: connection refused"
    assert outcome.failed == [("a0", refused), ("a1", refused)]


def test_deleting_what_is_already_gone_is_no_failure() -> None:
    outcome = send(
        [Action("v", "gone", None)], lambda text: {"items": [item(404, "delete")]}, NO_JITTER
    )
    assert (outcome.written, outcome.failed) == (1, [])


class _Canned(Canned):
    """Answers each POST with the next canned (status, JSON body); records the paths."""

    answers: ClassVar[list[tuple[int, dict[str, Any]]]] = []
    paths: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).paths.append(self.path)
        self.answer(*type(self).answers.pop(0))


@pytest.fixture
def stub() -> Iterator[ThreadingHTTPServer]:
    with serving(_Canned) as server:
        yield server


def test_the_client_retries_a_full_queue_with_back_off(stub: ThreadingHTTPServer) -> None:
    rejected = {"error": {"type": "es_rejected_execution_exception", "reason": "queue full"}}
    _Canned.answers = [
        (429, rejected),
        (200, {"took": 3, "errors": True, "items": [item(201), item(429)]}),
        (200, {"took": 1, "errors": False, "items": [item(201)]}),
    ]
    _Canned.paths = []
    client = OpenSearch(hosts=[f"http://127.0.0.1:{stub.server_port}"], max_retries=0)
    waits: list[float] = []
    try:
        sender = client_sender(client, refresh="wait_for")
        outcome = send(actions(2), sender, NO_JITTER, sleep=waits.append)
    finally:
        client.close()
    assert (outcome.written, outcome.failed, outcome.attempts) == (2, [], 3)
    assert waits == [0.5, 1.0]
    assert _Canned.paths == ["/_bulk?refresh=wait_for"] * 3
