"""Filter values on the cluster backend: the archive's spellings, and the closest to unknown values.

The aggregation and the second search as expected JSON (and known to the
client's DSL), their documented answer shapes parsed, and the ranking held
equal to the embedded backend's (`KnownValues.closest`) on the same values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from opensearchpy.helpers.search import Search

from indexer.archive.request import SearchRequest
from indexer.archive.results import FilterMatch, FilterSuggestion
from indexer.embedded.search.filter_values import KnownValues
from indexer.opensearch.filter_values import (
    closest,
    closest_body,
    filter_values_aggregation,
    parse_closest,
    parse_filter_values,
    suggested,
)
from indexer.opensearch.search import parse_search, search_body

REQUEST = SearchRequest.from_params(
    {"q": "osce", "person": ["jose mourinho", "Mourinyo"], "section": "politik"}
)


def terms(*pairs: tuple[str, int]) -> dict[str, Any]:
    return {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [{"key": key, "doc_count": count} for key, count in pairs],
    }


def test_a_search_with_filters_asks_for_their_spellings_in_the_whole_archive() -> None:
    body, _ = search_body(REQUEST, 10)
    assert body["aggs"]["filter_values"] == {
        "global": {},
        "aggs": {
            "section": {
                "filters": {"filters": {"politik": {"term": {"sections.folded": "politik"}}}},
                "aggs": {"spellings": {"terms": {"field": "sections", "size": 100}}},
            },
            "person": {
                "filters": {
                    "filters": {
                        "jose mourinho": {"term": {"person.folded": "jose mourinho"}},
                        "Mourinyo": {"term": {"person.folded": "Mourinyo"}},
                    }
                },
                "aggs": {"spellings": {"terms": {"field": "person", "size": 100}}},
            },
        },
    }
    assert Search.from_dict(body).to_dict() == body
    assert filter_values_aggregation(SearchRequest.from_params({"q": "osce"})) is None


def spellings_answer() -> dict[str, Any]:
    return {
        "took": 3,
        "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []},
        "aggregations": {
            "filter_values": {
                "doc_count": 5000,
                "section": {"buckets": {"politik": {"doc_count": 0, "spellings": terms()}}},
                "person": {
                    "buckets": {
                        # The names sharing its articles come too: only its spellings are named.
                        "jose mourinho": {
                            "doc_count": 12,
                            "spellings": terms(
                                ("José Mourinho", 9), ("Roman Abramovich", 5), ("Jose Mourinho", 3)
                            ),
                        },
                        "Mourinyo": {"doc_count": 0, "spellings": terms()},
                    }
                },
            }
        },
    }


def test_known_values_name_their_spellings_most_used_first() -> None:
    matches, unknown = parse_filter_values(spellings_answer()["aggregations"], REQUEST)
    assert matches == {"person": [FilterMatch("jose mourinho", ["José Mourinho", "Jose Mourinho"])]}
    assert unknown == {
        "section": [FilterSuggestion("politik", ())],
        "person": [FilterSuggestion("Mourinyo", ())],
    }
    result = parse_search(spellings_answer(), REQUEST, 10, None, "vindex-1")
    assert result.archive_names("person", "jose mourinho") == ["José Mourinho", "Jose Mourinho"]
    assert result.to_dict()["filter_suggestions"] == {
        "section": [{"value": "politik", "closest": []}],
        "person": [{"value": "Mourinyo", "closest": []}],
    }


def test_a_matched_value_whose_spellings_are_outnumbered_is_named_as_asked() -> None:
    answer = spellings_answer()["aggregations"]
    answer["filter_values"]["person"]["buckets"]["jose mourinho"]["spellings"] = terms(("X", 12))
    matches, _ = parse_filter_values(answer, REQUEST)
    assert matches["person"] == [FilterMatch("jose mourinho", ["jose mourinho"])]


def test_unknown_values_are_one_search_of_the_common_and_the_alike_values() -> None:
    body = closest_body([("section", "politik"), ("person", "Mourinyo"), ("person", "J. Ma*")])
    assert body == {
        "size": 0,
        "track_total_hits": False,
        "aggs": {
            "common_section": {"terms": {"field": "sections", "size": 5000}},
            "alike_0": {
                "filter": {
                    "bool": {
                        "should": [
                            {
                                "fuzzy": {
                                    "sections.folded": {
                                        "value": "politik",
                                        "fuzziness": "AUTO",
                                        "prefix_length": 1,
                                    }
                                }
                            },
                            {"wildcard": {"sections.folded": {"value": "*politik*"}}},
                        ],
                        "minimum_should_match": 1,
                    }
                },
                "aggs": {"values": {"terms": {"field": "sections", "size": 200}}},
            },
            "common_person": {"terms": {"field": "person", "size": 5000}},
            "alike_1": {
                "filter": {
                    "bool": {
                        "should": [
                            {
                                "fuzzy": {
                                    "person.folded": {
                                        "value": "mourinyo",
                                        "fuzziness": "AUTO",
                                        "prefix_length": 1,
                                    }
                                }
                            },
                            {"wildcard": {"person.folded": {"value": "*mourinyo*"}}},
                        ],
                        "minimum_should_match": 1,
                    }
                },
                "aggs": {"values": {"terms": {"field": "person", "size": 200}}},
            },
            "alike_2": {
                "filter": {
                    "bool": {
                        # Short words are no part worth matching; a pattern's * is a letter.
                        "should": [
                            {
                                "fuzzy": {
                                    "person.folded": {
                                        "value": "j. ma*",
                                        "fuzziness": "AUTO",
                                        "prefix_length": 1,
                                    }
                                }
                            },
                            {"wildcard": {"person.folded": {"value": "*ma\\**"}}},
                        ],
                        "minimum_should_match": 1,
                    }
                },
                "aggs": {"values": {"terms": {"field": "person", "size": 200}}},
            },
        },
    }
    assert Search.from_dict(body).to_dict() == body


def test_only_the_first_few_unknown_values_are_compared() -> None:
    unknown = {"place": [FilterSuggestion(f"nowhere {n}", ()) for n in range(6)]}
    assert suggested(unknown) == [("place", f"nowhere {n}") for n in range(4)]
    answer = {"aggregations": {"common_place": terms(("Nowhere", 3))}}
    found = parse_closest(answer, unknown)
    assert [item.closest for item in found["place"]] == [("Nowhere",)] * 4 + [()] * 2


def test_closest_values_come_from_the_common_and_the_alike_values() -> None:
    unknown = {"person": [FilterSuggestion("Mourinyo", ())]}
    answer = {
        "aggregations": {
            "common_person": terms(("Angela Merkel", 40), ("José Mourinho", 9)),
            "alike_0": {"doc_count": 4, "values": terms(("Jose Mourinyo-Felix", 2))},
        }
    }
    (item,) = parse_closest(answer, unknown)["person"]
    assert item.value == "Mourinyo"
    assert item.closest == ("José Mourinho", "Jose Mourinyo-Felix")


VALUES = {
    "José Mourinho": 9,
    "Jose Mourinho": 3,
    "Mourinho": 2,
    "Politics": 50,
    "Politics > Europe": 30,
    "Politik": 4,
    "Polizei": 7,
    "OSCE": 12,
    "Oscar Niemeyer": 1,
    "Rafael Grossi": 20,
    "Rafael Grosso": 1,
}


def test_the_closest_values_are_the_embedded_backends() -> None:
    names = list(VALUES)
    known = KnownValues(names, np.array([VALUES[n] for n in names], dtype=np.int64))
    for asked in ("mourinyo", "jose mourinjo", "politk", "polit", "osc", "rafael grosi", "zzz"):
        assert closest(asked, VALUES) == known.closest(asked), asked
