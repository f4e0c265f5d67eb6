"""Export: every article a search matches, read through a point in time with `search_after`.

A page of hits stops at 10,000 (the cluster's `max_result_window`); an export
does not. It opens a point in time (a consistent view of the alias's index
while the export runs, unaffected by writes and by an alias swap), reads a
batch at a time sorted as the search lists them, each batch continuing after
the last one's sort values, and closes the point in time at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from indexer.archive.request import SearchRequest
from indexer.opensearch.documents import stored_article
from indexer.opensearch.query import SORTS, combined, restrictions, text_query

BATCH = 500
KEEP_ALIVE = "2m"


def export_query(request: SearchRequest) -> dict[str, Any]:
    """The words and every restriction, as one query (no aggregations, no post_filter)."""
    words, _ = text_query(request.q)
    clauses = restrictions(request)
    if not clauses:
        return words
    return {"bool": {"must": [words], "filter": [combined(clauses)]}}


def page_body(
    request: SearchRequest, pit_id: str, after: list[Any] | None, batch: int = BATCH
) -> dict[str, Any]:
    """One batch of an export: the point in time, the order, where the last batch ended."""
    body: dict[str, Any] = {
        "size": batch,
        "query": export_query(request),
        "pit": {"id": pit_id, "keep_alive": KEEP_ALIVE},
        "sort": SORTS[request.sort],
        # Counting every match is needed once, for X-Total-Count; later batches skip it.
        "track_total_hits": after is None,
    }
    if after is not None:
        body["search_after"] = after
    return body


class Pages(Protocol):
    """What an export needs of a cluster (the backend's client, or a recording in a test)."""

    def open_pit(self) -> str: ...

    def page(self, body: dict[str, Any]) -> dict[str, Any]: ...

    def close_pit(self, pit_id: str) -> None: ...


class Export:
    """The articles a request matches, in its order, a batch at a time."""

    def __init__(self, pages: Pages, request: SearchRequest, batch: int = BATCH) -> None:
        self.pages = pages
        self.request = request
        self.batch = batch
        # The first batch is read now: a bad query fails before anything is streamed,
        # and the total is known for the header.
        self.pit_id = pages.open_pit()
        try:
            self.first = pages.page(page_body(request, self.pit_id, None, batch))
        except BaseException:
            pages.close_pit(self.pit_id)
            raise
        self.total = int(self.first["hits"]["total"]["value"])

    def __len__(self) -> int:
        return self.total

    def batches(self) -> Iterator[list[dict[str, Any]]]:
        answer = self.first
        try:
            while True:
                # A point in time's id may change from answer to answer: the newest is used.
                self.pit_id = answer.get("pit_id", self.pit_id)
                hits = answer["hits"]["hits"]
                if hits:
                    yield [stored_article(hit["_source"]).record() for hit in hits]
                if len(hits) < self.batch:
                    return
                body = page_body(self.request, self.pit_id, hits[-1]["sort"], self.batch)
                answer = self.pages.page(body)
        finally:
            self.pages.close_pit(self.pit_id)
