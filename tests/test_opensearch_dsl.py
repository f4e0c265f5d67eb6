"""Every body the backend sends is DSL that opensearch-py's own query builder knows.

`Search.from_dict` reads a body into the client's DSL classes, query by
query and aggregation by aggregation, and refuses a query or aggregation it
does not know (`UnknownDslObject`); written back, the body must be the same.
A check of the names and nesting against the client's model of the API, on
top of the expected JSON of `tests/test_opensearch_query.py`.
"""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy.exceptions import UnknownDslObject
from opensearchpy.helpers.search import Search

from indexer.archive.request import SearchRequest
from indexer.opensearch.aggregations import facet_values_body
from indexer.opensearch.entity_report import report_body
from indexer.opensearch.export import page_body
from indexer.opensearch.highlights import reading_body
from indexer.opensearch.related import related_body
from indexer.opensearch.search import search_body
from indexer.opensearch.stats import stats_body
from indexer.opensearch.suggestions import completion_body

QUERIES = [
    "",
    "osce",
    "osce vienna",
    '"ministerial council"~2',
    "opec OR osce",
    "vienna -opec NOT (iaea OR un)",
    "title:(osce vienna) body:opec",
    "Österr* wor*d",
    "grosi~2",
    '"unbalanced',
    "!!",
]


def round_trips(body: dict[str, Any]) -> None:
    assert Search.from_dict(body).to_dict() == body


@pytest.mark.parametrize("q", QUERIES)
def test_every_kind_of_search_is_known_dsl(q: str) -> None:
    request = SearchRequest.from_params(
        {"q": q, "place": ["Ghana", "Brazil"], "person": "Grossi", "from": "2024", "to": "2024"}
    )
    body, _ = search_body(request, 10)
    round_trips(body)


def test_the_other_requests_are_known_dsl() -> None:
    request = SearchRequest.from_params({"q": "osce", "section": "World", "sort": "oldest"})
    round_trips(page_body(request, "pit", [1, "a"]))
    round_trips(related_body("vindex", {"id": "a1", "person": ["Rafael Grossi"]}, 5))
    round_trips(completion_body("Gros", 8))
    round_trips(report_body("place", "Vienna", 10))
    round_trips(facet_values_body(request, "place"))
    round_trips(facet_values_body(request, "month"))
    round_trips(reading_body("a1", "osce -opec"))
    round_trips(stats_body())


def test_an_unknown_query_would_be_refused() -> None:
    with pytest.raises(UnknownDslObject):
        Search.from_dict({"query": {"no_such_query": {}}})
