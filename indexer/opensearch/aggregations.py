"""Disjunctive facets and the date histogram as aggregations, and their answers as facets.

A search's `query` holds only the words and its `post_filter` every
restriction, so the hits are narrowed while the aggregations see all that
the words match. Each facet's aggregation is a `filter` aggregation under
every restriction but its own (ORed values within a facet stay countable:
choosing Ghana still lists Brazil with its count), as the embedded
`result_facets` counts them:

- section: every path prefix (`sections`), listed as a tree, the top-level
  sections by count, each followed by its sub-sections;
- year: a `date_histogram` by calendar year in Vienna time, newest first,
  not narrowed by the dates (it is the date histogram of the page);
- person, organization, place, language: `terms` by count, with the number
  of distinct values (`cardinality`) and the selected values counted even
  when they are not among the first;
- month: when the request selects one year, its months under every restriction.
"""

from __future__ import annotations

from typing import Any

from indexer.archive.request import FACETS, FILTER_FIELDS, SearchRequest, fold
from indexer.archive.results import FacetValue, FacetValues
from indexer.ingest.article import SECTION_SEPARATOR
from indexer.opensearch.query import (
    DATES,
    Clause,
    combined,
    keyword_field,
    restrictions,
    text_query,
)

TIME_ZONE = "Europe/Vienna"
# Section paths counted to build the tree (an archive has tens, a large one hundreds).
SECTION_VALUES = 1000
# The restriction that narrows each facet, which its own count leaves out.
OWN = {
    "section": "section",
    "year": DATES,
    "person": "person",
    "organization": "organization",
    "place": "place",
    "language": "language",
}


def _histogram(interval: str) -> dict[str, Any]:
    return {
        "date_histogram": {
            "field": "published",
            "calendar_interval": interval,
            "time_zone": TIME_ZONE,
            "min_doc_count": 1,
            "format": "yyyy" if interval == "year" else "yyyy-MM",
        }
    }


def facet_aggregations(request: SearchRequest, limit: int) -> dict[str, Any]:
    """The `aggs` of a search: one per facet, each under the other facets' restrictions."""
    clauses = restrictions(request)
    aggs: dict[str, Any] = {}
    for name in FACETS:
        inner: dict[str, Any]
        if name == "year":
            inner = {"values": _histogram("year")}
        elif name == "section":
            inner = {"values": {"terms": {"field": "sections", "size": SECTION_VALUES}}}
        else:
            field = FILTER_FIELDS[name]
            inner = {
                "values": {"terms": {"field": field, "size": limit}},
                "distinct": {"cardinality": {"field": field}},
            }
        if selected := request.values(name):
            inner["selected"] = _selected(name, selected)
        aggs[name] = {"filter": combined(clauses, exclude=OWN[name]), "aggs": inner}
    if request.year is not None:
        aggs["month"] = {"filter": combined(clauses), "aggs": {"values": _histogram("month")}}
    return aggs


def _selected(name: str, values: tuple[str, ...]) -> dict[str, Any]:
    """The selected values, each counted and spelled as the archive writes it."""
    field = FILTER_FIELDS[name]
    return {
        "filters": {"filters": {value: {"term": {keyword_field(name): value}} for value in values}},
        "aggs": {"spelling": {"terms": {"field": field, "size": 1}}},
    }


def parse_facets(
    aggregations: dict[str, Any], request: SearchRequest, limit: int
) -> tuple[dict[str, list[FacetValue]], dict[str, int]]:
    """The listed values of each facet and its number of distinct values, from the answer."""
    listed: dict[str, list[FacetValue]] = {}
    distinct: dict[str, int] = {}
    for name in FACETS:
        answer = aggregations.get(name, {})
        buckets = answer.get("values", {}).get("buckets", [])
        if name == "year":
            pairs = [(b["key_as_string"], b["doc_count"]) for b in reversed(buckets)]
            count = len(pairs)
        elif name == "section":
            pairs, count = _section_tree([(b["key"], b["doc_count"]) for b in buckets], limit)
        else:
            pairs = [(b["key"], b["doc_count"]) for b in buckets]
            count = answer.get("distinct", {}).get("value", len(pairs))
        listed[name] = _with_selected(name, pairs, answer.get("selected"), request)
        distinct[name] = count
    if "month" in aggregations:
        months = aggregations["month"]["values"]["buckets"]
        listed["month"] = [FacetValue(b["key_as_string"], b["doc_count"]) for b in months]
    return listed, distinct


def _section_tree(values: list[tuple[str, int]], limit: int) -> tuple[list[tuple[str, int]], int]:
    """Top-level sections by count, each followed by its sub-sections by count."""
    tops = [v for v in values if SECTION_SEPARATOR not in v[0]]
    ordered: list[tuple[str, int]] = []
    for top in tops[:limit]:
        ordered.append(top)
        prefix = top[0] + SECTION_SEPARATOR
        ordered.extend(v for v in values if v[0].startswith(prefix))
    return ordered, len(tops)


def _with_selected(
    name: str, pairs: list[tuple[str, int]], selected: Clause | None, request: SearchRequest
) -> list[FacetValue]:
    """The values, selected ones marked and added (with their counts) when not listed."""
    chosen = {fold(value) for value in request.values(name)}
    listed = {fold(value) for value, _ in pairs}
    if selected is not None:
        for asked, bucket in selected.get("buckets", {}).items():
            if fold(asked) in listed:
                continue
            spellings = bucket.get("spelling", {}).get("buckets", [])
            pairs.append((spellings[0]["key"] if spellings else asked, bucket["doc_count"]))
    tree = name == "section"
    return [
        FacetValue(
            value, count, fold(value) in chosen, value.count(SECTION_SEPARATOR) if tree else None
        )
        for value, count in pairs
    ]


def facet_values_body(request: SearchRequest, facet: str) -> dict[str, Any]:
    """The values of one facet in a result set (`GET /api/facets/{name}`), all of them counted.

    Under every restriction but the facet's own, as in a search's facets; the
    prefix is matched here, folded, on the few hundred values a facet has.
    """
    words, _ = text_query(request.q)
    if facet in ("year", "month"):
        values = _histogram(facet)
        own = DATES
    else:
        field = "sections" if facet == "section" else FILTER_FIELDS[facet]
        values = {"terms": {"field": field, "size": SECTION_VALUES}}
        own = facet
    return {
        "size": 0,
        "query": words,
        "aggs": {
            "facet": {
                "filter": combined(restrictions(request), exclude=own),
                "aggs": {"values": values},
            }
        },
    }


def parse_facet_values(
    answer: dict[str, Any], request: SearchRequest, facet: str, prefix: str, limit: int
) -> FacetValues:
    """The values starting with `prefix` (folded), most frequent first, then by name."""
    start = fold(prefix)
    chosen = {fold(v) for v in request.values(facet)}
    found = []
    for bucket in answer["aggregations"]["facet"]["values"]["buckets"]:
        value = str(bucket.get("key_as_string", bucket["key"]))
        if fold(value).startswith(start):
            found.append(FacetValue(value, bucket["doc_count"], fold(value) in chosen))
    found.sort(key=lambda v: (-v.count, v.value))
    return FacetValues(facet, prefix, found[:limit], len(found))
