"""One search request as one cluster search, and its answer as a `SearchResult`.

The words in `query`, the restrictions in `post_filter`, each facet in its
own aggregation (`aggregations.py`), the archive's spellings of the filter
values (`filter_values.py`), highlights (`highlights.py`), did you mean
(`suggestions.py`), the request's order and page. Pages stop at the
cluster's result window (10,000 hits): deeper reading is the export's.
"""

from __future__ import annotations

from typing import Any

from indexer.archive.request import RequestError, SearchRequest
from indexer.archive.results import SearchResult
from indexer.opensearch.aggregations import facet_aggregations, parse_facets
from indexer.opensearch.documents import hit
from indexer.opensearch.filter_values import (
    FILTER_VALUES,
    filter_values_aggregation,
    parse_filter_values,
)
from indexer.opensearch.highlights import highlight_body, marked
from indexer.opensearch.query import MATCH_ALL, SORTS, combined, restrictions, text_query
from indexer.opensearch.suggestions import did_you_mean_body, parse_did_you_mean

# The cluster's `index.max_result_window`: from + size of a page may not pass it.
RESULT_WINDOW = 10_000
HIT_SOURCE_EXCLUDES = ["body", "title_*", "lead_*", "body_*", "title_suggest", "doc_sig"]


def search_body(request: SearchRequest, facet_limit: int) -> tuple[dict[str, Any], str | None]:
    """The body of the search, and the notice for the reader about `q`."""
    start = (request.page - 1) * request.per_page
    if start + request.per_page > RESULT_WINDOW:
        raise RequestError(
            "page",
            f"pages end at the first {RESULT_WINDOW:,} results here; narrow the search,"
            " or export it (/api/search.ndjson)",
        )
    words, notice = text_query(request.q)
    body: dict[str, Any] = {
        "query": words,
        "aggs": facet_aggregations(request, facet_limit),
        "sort": SORTS[request.sort],
        "from": start,
        "size": request.per_page,
        # The total exactly, however many (the cluster stops counting at 10,000 otherwise).
        "track_total_hits": True,
        "_source": {"excludes": HIT_SOURCE_EXCLUDES},
    }
    if (spellings := filter_values_aggregation(request)) is not None:
        body["aggs"][FILTER_VALUES] = spellings
    clauses = restrictions(request)
    if clauses:
        body["post_filter"] = combined(clauses)
    if words is not MATCH_ALL:
        body["highlight"] = highlight_body(words)
        # Scores are kept when sorting by date too (a hit shows its score).
        body["track_scores"] = True
    if request.q and (suggest := did_you_mean_body(request.q)):
        body["suggest"] = suggest
    return body, notice


def parse_search(
    answer: dict[str, Any],
    request: SearchRequest,
    facet_limit: int,
    notice: str | None,
    generation: str,
) -> SearchResult:
    """The typed result of a search's answer."""
    total = int(answer["hits"]["total"]["value"])
    hits = [hit(document, *marked(document)) for document in answer["hits"]["hits"]]
    facets, distinct = parse_facets(answer.get("aggregations", {}), request, facet_limit)
    # The closest values to unknown ones are the backend's second search (`closest_body`).
    matches, unknown = parse_filter_values(answer.get("aggregations", {}), request)
    suggestion = None
    if total == 0 or request.q:
        suggestion = parse_did_you_mean(answer.get("suggest"), request.q)
    return SearchResult(
        request=request,
        total=total,
        hits=hits,
        facets=facets,
        facet_distinct=distinct,
        took_ms=float(answer.get("took", 0)),
        suggestion=suggestion,
        notice=notice,
        generation=generation,
        filter_matches=matches,
        filter_suggestions=unknown,
    )
