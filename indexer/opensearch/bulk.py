"""Bulk ingest: articles to the cluster in batches, with retries and back-off.

The bulk API answers per item: a batch may be accepted whole while some of
its items were refused. An item refused with 429 (the cluster's write queue
is full) or 5xx is sent again with the next attempt, after a delay that
doubles each time (with jitter, so that several writers do not retry in
step); a whole request that fails on the transport (timeout, connection
refused, 429/502/503/504) likewise. Any other refusal (a document the
mapping rejects) is final and reported with the article's id.

`RetryPolicy` is a pure value: which answers are retried, and how long to
wait before each attempt; `send` applies it to a `Sender` (the client's bulk
call in production).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import opensearchpy
from opensearchpy import OpenSearch

# One request holds at most this many articles, or about this many bytes.
BATCH_ARTICLES = 500
BATCH_BYTES = 5 * 1024 * 1024
RETRYABLE = frozenset({429, 502, 503, 504})


class TransientError(Exception):
    """A whole bulk request failed in a way that may pass (timeout, overload)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait: `attempts` in all, delays doubling from `first`."""

    attempts: int = 6
    first: float = 0.5
    factor: float = 2.0
    longest: float = 30.0
    jitter: float = 0.25  # +- this share of each delay

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait before attempt `attempt` (2, 3, ...; the first goes at once)."""
        base = min(self.longest, self.first * self.factor ** (attempt - 2))
        return base * (1 + self.jitter * (2 * rng() - 1))

    def retries(self, status: int) -> bool:
        return status in RETRYABLE


DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True)
class Action:
    """One article to write (`source`) or remove (None) in an index."""

    index: str
    id: str
    source: dict[str, Any] | None

    def lines(self) -> list[str]:
        if self.source is None:
            return [json.dumps({"delete": {"_index": self.index, "_id": self.id}})]
        head = json.dumps({"index": {"_index": self.index, "_id": self.id}})
        return [head, json.dumps(self.source, ensure_ascii=False)]


def batches(
    actions: Iterable[Action], articles: int = BATCH_ARTICLES, nbytes: int = BATCH_BYTES
) -> Iterator[list[Action]]:
    """The actions in batches of at most `articles`, cut early at about `nbytes`."""
    batch: list[Action] = []
    size = 0
    for action in actions:
        length = sum(len(line.encode("utf-8")) + 1 for line in action.lines())
        if batch and (len(batch) >= articles or size + length > nbytes):
            yield batch
            batch, size = [], 0
        batch.append(action)
        size += length
    if batch:
        yield batch


def body(batch: list[Action]) -> str:
    """The NDJSON body of a bulk request."""
    return "".join(line + "\n" for action in batch for line in action.lines())


# Sends one bulk body, answers the bulk response; raises TransientError to be retried.
Sender = Callable[[str], dict[str, Any]]


def client_sender(client: OpenSearch, refresh: str | None = None) -> Sender:
    """The client's bulk call as a `Sender`: transport failures that may pass are transient.

    `refresh="wait_for"` answers only once the writes are searchable (uploads).
    """
    params = {"refresh": refresh} if refresh else {}

    def sender(text: str) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = client.bulk(body=text, params=params)
        except opensearchpy.ConnectionError as exc:  # refused, reset, timed out
            raise TransientError(str(exc)) from exc
        except opensearchpy.TransportError as exc:
            if isinstance(exc.status_code, int) and exc.status_code in RETRYABLE:
                raise TransientError(f"{exc.status_code}: {exc.error}") from exc
            raise
        return answer

    return sender


@dataclass
class BulkOutcome:
    written: int = 0
    # (article id, reason) of each item the cluster refused for good.
    failed: list[tuple[str, str]] = field(default_factory=list)
    attempts: int = 0


def send(
    batch: list[Action],
    sender: Sender,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], None] = time.sleep,
) -> BulkOutcome:
    """Send a batch, retrying what may pass; what is refused for good is reported."""
    outcome = BulkOutcome()
    pending = batch
    for attempt in range(1, policy.attempts + 1):
        if attempt > 1:
            sleep(policy.delay(attempt))
        outcome.attempts = attempt
        try:
            answer = sender(body(pending))
        except TransientError as exc:
            if attempt == policy.attempts:
                outcome.failed.extend((a.id, f"not written: {exc}") for a in pending)
            continue
        retry: list[Action] = []
        for action, item in zip(pending, answer.get("items", []), strict=False):
            result = next(iter(item.values()))
            status = int(result.get("status", 500))
            if status < 300 or (action.source is None and status == 404):
                outcome.written += 1
            elif policy.retries(status) and attempt < policy.attempts:
                retry.append(action)
            else:
                error = result.get("error", {})
                reason = error.get("reason", "") if isinstance(error, dict) else str(error)
                outcome.failed.append((action.id, f"{status}: {reason}".strip(": ")))
        if not retry:
            return outcome
        pending = retry
    return outcome
