"""Filter values as readers type them, matched to the cluster's: their spellings, or the closest.

A filter value is matched folded (the keyword fields' `folded` sub-field,
lowercase and ASCII-folded), so `section=politics` finds "Politics". As the
embedded backend answers (`SearchResult.filter_matches`,
`filter_suggestions`), each value is named with the archive's spellings it
matched, most used first, or, when it matched nothing, with the archive's
closest values:

- the spellings come with the search itself: a `global` aggregation (the
  whole archive, whatever the words and the other filters) with one
  `filters` bucket per value and the field's raw values under it;
- the closest values cost one more search, only when a value is unknown:
  the field's most used values and those the cluster finds alike (`fuzzy`
  on the whole folded value, `wildcard` on each of its words, so "Mourinho"
  finds "José Mourinho"), ranked here as the embedded backend ranks them
  (`indexer.archive.closest`).
"""

from __future__ import annotations

from typing import Any

from indexer.archive.closest import nearest
from indexer.archive.request import FILTER_FIELDS, MAX_CLOSEST, MAX_SUGGESTED, SearchRequest, fold
from indexer.archive.results import FilterMatch, FilterSuggestion
from indexer.opensearch.query import keyword_field

FILTER_VALUES = "filter_values"
# Raw values counted under one filter value: its spellings, and in a multi-valued
# field (people) the names that share its articles. A spelling used less than
# this many other names of its articles is not named (the value still matches).
SPELLINGS = 100
# The most used values of a field compared with an unknown one. The embedded
# backend compares all (Reuters: 12,221 organisations); here six filters of
# this many stay well under the cluster's `search.max_buckets` (65,535).
COMMON_VALUES = 5_000
# Values counted among the articles whose values the cluster finds alike.
ALIKE_VALUES = 200
# Words of an unknown value shorter than this match too much as a part.
PART_FROM = 3


def filter_values_aggregation(request: SearchRequest) -> dict[str, Any] | None:
    """The aggregation of each filter value's spellings in the archive (None without filters)."""
    if not request.filters:
        return None
    aggs = {
        name: {
            "filters": {
                "filters": {value: {"term": {keyword_field(name): value}} for value in values}
            },
            "aggs": {"spellings": {"terms": {"field": FILTER_FIELDS[name], "size": SPELLINGS}}},
        }
        for name, values in request.filters
    }
    return {"global": {}, "aggs": aggs}


def parse_filter_values(
    aggregations: dict[str, Any], request: SearchRequest
) -> tuple[dict[str, list[FilterMatch]], dict[str, list[FilterSuggestion]]]:
    """Each value's spellings, and the unknown values (their closest not yet known)."""
    found = aggregations.get(FILTER_VALUES, {})
    matches: dict[str, list[FilterMatch]] = {}
    unknown: dict[str, list[FilterSuggestion]] = {}
    for name, values in request.filters:
        buckets = found.get(name, {}).get("buckets", {})
        for value in values:
            bucket = buckets.get(value, {})
            if not bucket.get("doc_count"):
                unknown.setdefault(name, []).append(FilterSuggestion(value, ()))
                continue
            key = fold(value)
            spellings = [
                str(b["key"])
                for b in bucket.get("spellings", {}).get("buckets", [])
                if fold(str(b["key"])) == key
            ]
            # Matched, but each spelling outnumbered by other names of its articles.
            matches.setdefault(name, []).append(FilterMatch(value, spellings or [value]))
    return matches, unknown


def suggested(unknown: dict[str, list[FilterSuggestion]]) -> list[tuple[str, str]]:
    """The unknown values given closest values, in the request's order (the first few)."""
    every = [(name, item.value) for name, items in unknown.items() for item in items]
    return every[:MAX_SUGGESTED]


def _escaped(word: str) -> str:
    """A word as a wildcard pattern's literal text."""
    return word.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


def alike(name: str, value: str) -> dict[str, Any]:
    """The articles whose values of the filter are like `value`: a near spelling, or a part."""
    field = keyword_field(name)
    key = fold(value)
    clauses: list[dict[str, Any]] = [
        {"fuzzy": {field: {"value": key, "fuzziness": "AUTO", "prefix_length": 1}}}
    ]
    clauses.extend(
        {"wildcard": {field: {"value": f"*{_escaped(word)}*"}}}
        for word in key.split()
        if len(word) >= PART_FROM
    )
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def closest_body(values: list[tuple[str, str]]) -> dict[str, Any]:
    """One search for the closest values of the unknown (filter, value) pairs."""
    aggs: dict[str, Any] = {}
    for number, (name, value) in enumerate(values):
        field = FILTER_FIELDS[name]
        aggs.setdefault(f"common_{name}", {"terms": {"field": field, "size": COMMON_VALUES}})
        aggs[f"alike_{number}"] = {
            "filter": alike(name, value),
            "aggs": {"values": {"terms": {"field": field, "size": ALIKE_VALUES}}},
        }
    return {"size": 0, "track_total_hits": False, "aggs": aggs}


def parse_closest(
    answer: dict[str, Any], unknown: dict[str, list[FilterSuggestion]]
) -> dict[str, list[FilterSuggestion]]:
    """The unknown values with their closest values (`closest_body`'s answer) put in."""
    aggregations = answer.get("aggregations", {})
    ranked: dict[tuple[str, str], tuple[str, ...]] = {}
    for number, (name, value) in enumerate(suggested(unknown)):
        counts: dict[str, int] = {}
        buckets = [
            *aggregations.get(f"common_{name}", {}).get("buckets", []),
            *aggregations.get(f"alike_{number}", {}).get("values", {}).get("buckets", []),
        ]
        for bucket in buckets:
            # Among alike articles a value may be counted in part: its largest count.
            counts[str(bucket["key"])] = max(counts.get(str(bucket["key"]), 0), bucket["doc_count"])
        ranked[name, value] = closest(value, counts)
    return {
        name: [FilterSuggestion(item.value, ranked.get((name, item.value), ())) for item in items]
        for name, items in unknown.items()
    }


def closest(value: str, counts: dict[str, int]) -> tuple[str, ...]:
    """The values nearest `value` among the counted ones, by folded form, each named once."""
    spellings: dict[str, str] = {}
    used: dict[str, int] = {}
    # Most used spelling first: it names its folded form, as the embedded backend's.
    for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        key = fold(name)
        spellings.setdefault(key, name)
        used.setdefault(key, count)
    keys = list(spellings)
    found = nearest(fold(value), keys, lambda k: used[k], MAX_CLOSEST)
    return tuple(dict.fromkeys(spellings[k] for k in found))[:MAX_CLOSEST]
