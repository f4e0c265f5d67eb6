"""The translation of search requests into the OpenSearch query DSL, against expected JSON.

One test per feature of a request: words, phrases, AND/OR/NOT, fields,
prefixes and wildcards, fuzziness, filters and dates, disjunctive facets
(the restrictions in `post_filter`, each facet under the others'), the date
histogram, highlights, did you mean, completions, related articles, the
export's point in time with `search_after`, an entity report, facet values,
the article page's marks, stats (an article by id is a plain GET: its
answers are read in `tests/test_opensearch_responses.py`). Pure: no
cluster is asked (`tests/test_behaviour.py` asks one when there is one).
"""

from __future__ import annotations

from typing import Any

import pytest

from indexer.archive.request import RequestError, SearchRequest
from indexer.opensearch.aggregations import facet_aggregations, facet_values_body
from indexer.opensearch.entity_report import report_body
from indexer.opensearch.export import Export, export_query, page_body
from indexer.opensearch.highlights import highlight_body, reading_body
from indexer.opensearch.query import MATCH_ALL, text_query
from indexer.opensearch.related import related_body
from indexer.opensearch.search import search_body
from indexer.opensearch.stats import stats_body
from indexer.opensearch.suggestions import completion_body, did_you_mean_body

ALL_FIELDS = [
    "title_en^3.0",
    "lead_en^1.5",
    "body_en^1.0",
    "title_de^3.0",
    "lead_de^1.5",
    "body_de^1.0",
    "title_xx^3.0",
    "lead_xx^1.5",
    "body_xx^1.0",
]
TITLE_FIELDS = ["title_en^3.0", "title_de^3.0", "title_xx^3.0"]


def word(text: str, fields: list[str] = ALL_FIELDS, **extra: Any) -> dict[str, Any]:
    return {
        "multi_match": {
            "query": text,
            "fields": fields,
            "type": "most_fields",
            "operator": "and",
            **extra,
        }
    }


def request(**params: Any) -> SearchRequest:
    return SearchRequest.from_params(params)


def query(q: str) -> dict[str, Any]:
    clause, _ = text_query(q)
    return clause


# -- the words -----------------------------------------------------------------


def test_no_words_match_every_article() -> None:
    assert query("") == MATCH_ALL == {"match_all": {}}


def test_a_word_is_looked_for_in_every_language_field_weighted() -> None:
    assert query("Grossi") == word("Grossi")


def test_words_are_all_required() -> None:
    assert query("osce vienna") == {"bool": {"must": [word("osce"), word("vienna")]}}


def test_a_hyphenated_word_is_one_clause_whose_parts_are_all_required() -> None:
    # The analyzer splits it; `operator: and` requires both parts, as Whoosh's And does.
    assert query("Meinl-Reisinger") == word("Meinl-Reisinger")


def test_a_phrase_with_and_without_slop() -> None:
    phrase = {"query": "ministerial council", "fields": ALL_FIELDS, "type": "phrase"}
    assert query('"ministerial council"') == {"multi_match": phrase}
    assert query('"ministerial council"~3') == {"multi_match": {**phrase, "slop": 3}}
    # Slop is capped as the embedded backend caps it.
    assert query('"ministerial council"~99')["multi_match"]["slop"] == 10


def test_or_is_a_should_with_one_required() -> None:
    assert query("opec OR osce") == {
        "bool": {"should": [word("opec"), word("osce")], "minimum_should_match": 1}
    }


def test_or_binds_tighter_than_and() -> None:
    assert query("vienna opec OR osce") == {
        "bool": {
            "must": [
                word("vienna"),
                {"bool": {"should": [word("opec"), word("osce")], "minimum_should_match": 1}},
            ]
        }
    }


def test_explicit_and_and_parentheses() -> None:
    assert query("(opec OR osce) AND vienna") == {
        "bool": {
            "must": [
                {"bool": {"should": [word("opec"), word("osce")], "minimum_should_match": 1}},
                word("vienna"),
            ]
        }
    }


def test_not_and_minus_are_must_not() -> None:
    expected = {"bool": {"must": [word("vienna")], "must_not": [word("opec")]}}
    assert query("vienna NOT opec") == expected
    assert query("vienna -opec") == expected
    # Alone, NOT matches every article but those.
    assert query("NOT opec") == {"bool": {"must_not": [word("opec")]}}


def test_a_field_names_its_language_fields() -> None:
    assert query("title:osce") == word("osce", TITLE_FIELDS)
    assert query("Body:osce")["multi_match"]["fields"] == [
        "body_en^1.0",
        "body_de^1.0",
        "body_xx^1.0",
    ]


def test_a_field_before_a_group_applies_to_its_words() -> None:
    assert query("title:(opec vienna) osce") == {
        "bool": {
            "must": [
                {"bool": {"must": [word("opec", TITLE_FIELDS), word("vienna", TITLE_FIELDS)]}},
                word("osce"),
            ]
        }
    }


def test_an_unknown_field_falls_back_to_plain_words_with_a_notice() -> None:
    clause, notice = text_query("author:smith")
    assert clause == {"bool": {"must": [word("author"), word("smith")]}}
    assert notice is not None and "could not be read" in notice


def test_a_prefix_is_a_prefix_clause_per_field_folded() -> None:
    fields = [
        ("title_en", 3.0),
        ("lead_en", 1.5),
        ("body_en", 1.0),
        ("title_de", 3.0),
        ("lead_de", 1.5),
        ("body_de", 1.0),
        ("title_xx", 3.0),
        ("lead_xx", 1.5),
        ("body_xx", 1.0),
    ]
    assert query("Österr*") == {
        "bool": {
            "should": [{"prefix": {f: {"value": "osterr", "boost": b}}} for f, b in fields],
            "minimum_should_match": 1,
        }
    }


def test_a_wildcard_inside_a_word_is_a_wildcard_clause() -> None:
    clause = query("title:wor*d")
    assert clause == {
        "bool": {
            "should": [
                {"wildcard": {f"title_{g}": {"value": "wor*d", "boost": 3.0}}}
                for g in ("en", "de", "xx")
            ],
            "minimum_should_match": 1,
        }
    }


def test_a_prefix_of_one_letter_is_searched_as_the_word_with_a_notice() -> None:
    clause, notice = text_query("a*")
    assert clause == word("a")
    assert notice is not None and "at least two letters" in notice


def test_fuzziness_keeps_the_first_letter_and_is_capped_at_two_edits() -> None:
    assert query("grosi~") == word("grosi", fuzziness=1, prefix_length=1)
    assert query("grosi~2") == word("grosi", fuzziness=2, prefix_length=1)
    assert query("grosi~5") == word("grosi", fuzziness=2, prefix_length=1)


def test_text_without_words_matches_nothing() -> None:
    clause, notice = text_query('"" ()')
    assert clause == {"match_none": {}}
    assert notice is not None


# -- filters, facets, histogram --------------------------------------------------


def test_filters_go_to_the_post_filter_values_ored_filters_anded() -> None:
    body, _ = search_body(
        request(q="talks", place=["Ghana", "Brazil"], section="Politics", language="en"), 10
    )
    assert body["query"] == word("talks")
    assert body["post_filter"] == {
        "bool": {
            "filter": [
                {"terms": {"sections.folded": ["Politics"]}},
                {"terms": {"place.folded": ["Ghana", "Brazil"]}},
                {"terms": {"language.folded": ["en"]}},
            ]
        }
    }


def test_dates_are_a_range_of_vienna_days_in_utc() -> None:
    body, _ = search_body(request(**{"from": "2023", "to": "2023-06"}), 10)
    assert body["post_filter"] == {
        "bool": {
            "filter": [
                {
                    "range": {
                        "published": {
                            "gte": "2022-12-31T23:00:00.000000Z",
                            "lte": "2023-06-30T21:59:59.999999Z",
                        }
                    }
                }
            ]
        }
    }


def test_no_restriction_means_no_post_filter() -> None:
    body, _ = search_body(request(q="osce"), 10)
    assert "post_filter" not in body


def test_each_facet_is_counted_under_the_other_facets_restrictions() -> None:
    aggs = facet_aggregations(request(place=["Ghana", "Brazil"], person="Grossi", to="2020"), 10)
    place = {"terms": {"place.folded": ["Ghana", "Brazil"]}}
    person = {"terms": {"person.folded": ["Grossi"]}}
    dates = {"range": {"published": {"lte": "2020-12-31T22:59:59.999999Z"}}}
    # Its own restriction left out: choosing Ghana still counts Brazil (ORed values).
    assert aggs["place"]["filter"] == {"bool": {"filter": [person, dates]}}
    assert aggs["person"]["filter"] == {"bool": {"filter": [place, dates]}}
    # The year facet (the date histogram) is counted without the dates.
    assert aggs["year"]["filter"] == {"bool": {"filter": [person, place]}}
    # Facets without a selection see every restriction.
    assert aggs["organization"]["filter"] == {"bool": {"filter": [person, place, dates]}}
    assert aggs["place"]["aggs"]["values"] == {"terms": {"field": "place", "size": 10}}
    assert aggs["place"]["aggs"]["distinct"] == {"cardinality": {"field": "place"}}
    # Selected values are counted even when they are not among the first ten.
    assert aggs["place"]["aggs"]["selected"] == {
        "filters": {
            "filters": {
                "Ghana": {"term": {"place.folded": "Ghana"}},
                "Brazil": {"term": {"place.folded": "Brazil"}},
            }
        },
        "aggs": {"spelling": {"terms": {"field": "place", "size": 1}}},
    }


def test_sections_are_counted_by_every_prefix_of_their_path() -> None:
    aggs = facet_aggregations(request(), 10)
    assert aggs["section"] == {
        "filter": {"match_all": {}},
        "aggs": {"values": {"terms": {"field": "sections", "size": 1000}}},
    }


def test_the_date_histogram_counts_calendar_years_in_vienna() -> None:
    aggs = facet_aggregations(request(), 10)
    assert aggs["year"]["aggs"]["values"] == {
        "date_histogram": {
            "field": "published",
            "calendar_interval": "year",
            "time_zone": "Europe/Vienna",
            "min_doc_count": 1,
            "format": "yyyy",
        }
    }
    assert "month" not in aggs


def test_a_selected_year_is_counted_by_month_under_every_restriction() -> None:
    aggs = facet_aggregations(request(**{"from": "2024", "to": "2024"}, place="Vienna"), 10)
    assert aggs["month"]["filter"] == {
        "bool": {
            "filter": [
                {"terms": {"place.folded": ["Vienna"]}},
                {
                    "range": {
                        "published": {
                            "gte": "2023-12-31T23:00:00.000000Z",
                            "lte": "2024-12-31T22:59:59.999999Z",
                        }
                    }
                },
            ]
        }
    }
    assert aggs["month"]["aggs"]["values"]["date_histogram"]["calendar_interval"] == "month"


# -- order, pages, highlights ----------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("relevance", ["_score", {"published": "desc"}, {"id": "asc"}]),
        ("newest", [{"published": "desc"}, {"id": "asc"}]),
        ("oldest", [{"published": "asc"}, {"id": "asc"}]),
    ],
)
def test_sorts_and_pages(sort: str, expected: list[Any]) -> None:
    body, _ = search_body(request(sort=sort, page="3", per_page="20"), 10)
    assert body["sort"] == expected
    assert (body["from"], body["size"], body["track_total_hits"]) == (40, 20, True)


def test_pages_beyond_the_result_window_are_refused_naming_the_export() -> None:
    with pytest.raises(RequestError) as refused:
        search_body(request(page="101", per_page="100"), 10)
    assert refused.value.param == "page" and "search.ndjson" in refused.value.message


def test_highlights_mark_in_html_encoded_text_for_the_words_only() -> None:
    body, _ = search_body(request(q="osce", place="Vienna"), 10)
    assert body["highlight"] == highlight_body(word("osce"))
    highlight = body["highlight"]
    assert (highlight["pre_tags"], highlight["post_tags"]) == (["<mark>"], ["</mark>"])
    assert highlight["encoder"] == "html"
    assert highlight["highlight_query"] == word("osce")
    assert highlight["fields"]["title_de"] == {"number_of_fragments": 0}
    assert highlight["fields"]["body_en"] == {"fragment_size": 160, "number_of_fragments": 2}
    # Without words there is nothing to mark.
    assert "highlight" not in search_body(request(place="Vienna"), 10)[0]


# -- did you mean, completions, related ------------------------------------------


def test_did_you_mean_is_a_phrase_suggester_collated_against_the_archive() -> None:
    body, _ = search_body(request(q="Osmanni"), 10)
    assert body["suggest"] == {
        "did_you_mean": {
            "text": "Osmanni",
            "phrase": {
                "field": "spelling",
                "size": 1,
                "confidence": 1.0,
                "max_errors": 2,
                "direct_generator": [
                    {"field": "spelling", "suggest_mode": "missing", "min_word_length": 3}
                ],
                "collate": {
                    "query": {
                        "source": {
                            "match": {"spelling": {"query": "{{suggestion}}", "operator": "and"}}
                        }
                    },
                    "prune": False,
                },
            },
        }
    }
    # Syntax is not corrected: a correction of it would mislead.
    assert did_you_mean_body('"ministerial council"') is None
    assert did_you_mean_body("osce OR opec") is None


def test_completions_are_entities_by_word_start_and_titles() -> None:
    body = completion_body("Gros", 8)
    should = body["query"]["bool"]["should"]
    assert {"wildcard": {"person.folded": {"value": "gros*"}}} in should
    assert {"wildcard": {"place.folded": {"value": "* gros*"}}} in should
    assert body["aggs"]["organization"] == {"terms": {"field": "organization", "size": 50}}
    assert body["suggest"] == {
        "titles": {
            "prefix": "Gros",
            "completion": {"field": "title_suggest", "size": 8, "skip_duplicates": True},
        }
    }


def test_related_is_more_like_this_plus_shared_entities() -> None:
    source = {"id": "a1", "person": ["Rafael Grossi"], "place": ["Vienna"], "organization": []}
    body = related_body("vindex", source, 5)
    should = body["query"]["bool"]["should"]
    assert should[0]["more_like_this"]["like"] == [{"_index": "vindex", "_id": "a1"}]
    assert should[0]["more_like_this"]["fields"][:3] == ["title_en", "lead_en", "body_en"]
    assert should[1:] == [
        {"terms": {"person": ["Rafael Grossi"], "boost": 2.0}},
        {"terms": {"place": ["Vienna"], "boost": 2.0}},
    ]
    assert body["query"]["bool"]["must_not"] == [{"ids": {"values": ["a1"]}}]
    assert body["size"] == 5


# -- export, entity report --------------------------------------------------------


def test_export_pages_through_a_point_in_time_with_search_after() -> None:
    req = request(q="osce", place="Vienna", sort="newest")
    first = page_body(req, "pit-1", None)
    assert first == {
        "size": 500,
        "query": {
            "bool": {
                "must": [word("osce")],
                "filter": [{"bool": {"filter": [{"terms": {"place.folded": ["Vienna"]}}]}}],
            }
        },
        "pit": {"id": "pit-1", "keep_alive": "2m"},
        "sort": [{"published": "desc"}, {"id": "asc"}],
        "track_total_hits": True,
    }
    later = page_body(req, "pit-2", [1700000000000, "a9"])
    assert later["search_after"] == [1700000000000, "a9"]
    assert later["track_total_hits"] is False
    assert export_query(request()) == MATCH_ALL


class RecordedCluster:
    """Answers an export's calls from documented response shapes, recording what it was sent."""

    def __init__(self, pages: list[list[dict[str, Any]]], total: int) -> None:
        self.pages = pages
        self.total = total
        self.sent: list[dict[str, Any]] = []
        self.closed: list[str] = []

    def open_pit(self) -> str:
        return "pit-0"

    def page(self, body: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(body)
        hits = self.pages[len(self.sent) - 1]
        return {
            "pit_id": f"pit-{len(self.sent)}",
            "hits": {"total": {"value": self.total, "relation": "eq"}, "hits": hits},
        }

    def close_pit(self, pit_id: str) -> None:
        self.closed.append(pit_id)


def _document(n: int) -> dict[str, Any]:
    source = {
        "id": f"a{n}",
        "title": f"T{n}",
        "published_iso": "2024-01-01T00:00:00+01:00",
        "body": "One.\n\nTwo.",
    }
    return {"_id": f"a{n}", "_source": source, "sort": [n, f"a{n}"]}


def test_an_export_reads_every_batch_and_closes_its_point_in_time() -> None:
    pages = [[_document(1), _document(2)], [_document(3), _document(4)], [_document(5)]]
    cluster = RecordedCluster(pages, total=5)
    export = Export(cluster, request(q="osce"), batch=2)
    assert len(export) == 5
    records = [r for batch in export.batches() for r in batch]
    assert [r["id"] for r in records] == ["a1", "a2", "a3", "a4", "a5"]
    assert records[0]["body"] == ["One.", "Two."] and "display_title" not in records[0]
    # Each batch continues after the last one's sort values, with the newest pit id.
    assert [b.get("search_after") for b in cluster.sent] == [None, [2, "a2"], [4, "a4"]]
    assert [b["pit"]["id"] for b in cluster.sent] == ["pit-0", "pit-1", "pit-2"]
    assert cluster.closed == ["pit-3"]


def test_an_entity_report_is_one_search_with_gap_filled_histograms() -> None:
    body = report_body("person", "rafael  grossi", 10)
    assert body["query"] == {"bool": {"filter": [{"term": {"person.folded": "rafael grossi"}}]}}
    assert body["aggs"]["years"]["date_histogram"]["min_doc_count"] == 0
    assert body["aggs"]["months"]["date_histogram"]["calendar_interval"] == "month"
    assert body["aggs"]["with_person"] == {"terms": {"field": "person", "size": 11}}
    assert body["sort"] == [{"published": "desc"}, {"id": "asc"}]


# -- facet values, the article page, an article by id, stats ------------------------


def test_facet_values_are_counted_under_the_other_restrictions() -> None:
    body = facet_values_body(request(q="osce", place="Vienna", person="Grossi"), "place")
    assert body["size"] == 0 and body["query"] == word("osce")
    assert body["aggs"]["facet"] == {
        "filter": {"bool": {"filter": [{"terms": {"person.folded": ["Grossi"]}}]}},
        "aggs": {"values": {"terms": {"field": "place", "size": 1000}}},
    }
    years = facet_values_body(request(**{"from": "2024", "to": "2024"}), "year")
    assert years["aggs"]["facet"]["filter"] == {"match_all": {}}
    assert years["aggs"]["facet"]["aggs"]["values"]["date_histogram"]["format"] == "yyyy"
    sections = facet_values_body(request(), "section")
    assert sections["aggs"]["facet"]["aggs"]["values"]["terms"]["field"] == "sections"


def test_the_article_page_marks_the_whole_title_and_body() -> None:
    body = reading_body("osce-vienna", "osce")
    assert body["query"] == {
        "bool": {"filter": [{"ids": {"values": ["osce-vienna"]}}], "should": [word("osce")]}
    }
    assert body["_source"] is False
    highlight = body["highlight"]
    assert highlight["encoder"] == "html" and highlight["highlight_query"] == word("osce")
    assert highlight["fields"] == {
        f"{name}_{group}": {"number_of_fragments": 0}
        for group in ("en", "de", "xx")
        for name in ("title", "lead", "body")
    }


def test_stats_are_one_search_of_aggregations() -> None:
    assert stats_body() == {
        "size": 0,
        "track_total_hits": True,
        "aggs": {
            "sections": {"terms": {"field": "sections", "size": 1000}},
            "languages": {"terms": {"field": "language", "size": 200}},
            "years": {
                "date_histogram": {
                    "field": "published",
                    "calendar_interval": "year",
                    "time_zone": "Europe/Vienna",
                    "format": "yyyy",
                    "min_doc_count": 1,
                }
            },
        },
    }
