"""Cluster answers read into our result types, from response shapes the API documents.

Each sample is written as OpenSearch's documentation shows the response of
that request (search with `hits.total`, `highlight`, `aggregations` of
`filter`/`terms`/`cardinality`/`filters`/`date_histogram`, `suggest` of the
phrase and completion suggesters).
"""

from __future__ import annotations

from typing import Any

import pytest

from indexer.archive.errors import ArchiveMissing
from indexer.archive.request import SearchRequest
from indexer.archive.results import FacetValue, Suggestion
from indexer.opensearch.aggregations import parse_facet_values
from indexer.opensearch.documents import source_of, stored_article
from indexer.opensearch.entity_report import parse_report
from indexer.opensearch.highlights import marked, parse_reading, split_marked, unmarked
from indexer.opensearch.related import parse_related
from indexer.opensearch.search import parse_search
from indexer.opensearch.stats import parse_stats, store_bytes
from indexer.opensearch.suggestions import parse_completions, parse_did_you_mean


def terms(*pairs: tuple[str, int]) -> dict[str, Any]:
    return {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [{"key": key, "doc_count": count} for key, count in pairs],
    }


def years(*pairs: tuple[str, int]) -> dict[str, Any]:
    return {
        "buckets": [
            {"key_as_string": key, "key": 1_700_000_000_000, "doc_count": count}
            for key, count in pairs
        ]
    }


SOURCE = {
    "id": "osce-vienna",
    "title": "OSCE <ministers> meet in Vienna",
    "lead": "Ministers met & talked.",
    "section": "World > Europe",
    "published_iso": "2024-12-05T10:00:00+01:00",
    "language": "en",
    "source": "Wire",
    "authors": ["A. Writer"],
    "person": ["Rafael Grossi"],
    "place": ["Vienna"],
}

SEARCH_ANSWER: dict[str, Any] = {
    "took": 7,
    "timed_out": False,
    "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
    "hits": {
        "total": {"value": 12345, "relation": "eq"},
        "max_score": 4.2,
        "hits": [
            {
                "_index": "vindex-20261204t061500000000",
                "_id": "osce-vienna",
                "_score": 4.21234,
                "_source": SOURCE,
                "highlight": {
                    "title_en": ["<mark>OSCE</mark> &lt;ministers&gt; meet in Vienna"],
                    "body_en": ["The <mark>OSCE</mark> met.", "Later the <mark>OSCE</mark> said"],
                },
                "sort": [4.21234, 1733389200000, "osce-vienna"],
            }
        ],
    },
    "aggregations": {
        "section": {
            "doc_count": 12345,
            "values": terms(
                ("World", 9), ("World > Europe", 7), ("Business", 5), ("World > Asia", 2)
            ),
        },
        "year": {"doc_count": 12345, "values": years(("2023", 4), ("2024", 8))},
        "person": {
            "doc_count": 50,
            "values": terms(("Rafael Grossi", 30)),
            "distinct": {"value": 17},
        },
        "organization": {"doc_count": 50, "values": terms(), "distinct": {"value": 0}},
        "place": {
            "doc_count": 60,
            "values": terms(("Vienna", 40), ("Ghana", 3)),
            "distinct": {"value": 2},
            "selected": {
                "buckets": {
                    "ghana": {"doc_count": 3, "spelling": terms(("Ghana", 3))},
                    "brazil": {"doc_count": 1, "spelling": terms(("Brazil", 1))},
                }
            },
        },
        "language": {"doc_count": 12345, "values": terms(("en", 10)), "distinct": {"value": 1}},
    },
    "suggest": {
        "did_you_mean": [
            {
                "text": "osce",
                "offset": 0,
                "length": 4,
                "options": [],
            }
        ]
    },
}


def test_a_search_answer_becomes_the_search_result() -> None:
    request = SearchRequest.from_params({"q": "osce", "place": ["ghana", "brazil"]})
    result = parse_search(SEARCH_ANSWER, request, 10, None, "vindex-20261204t061500000000")
    assert (result.total, result.took_ms, result.suggestion) == (12345, 7.0, None)
    assert result.generation == "vindex-20261204t061500000000"
    (hit,) = result.hits
    assert (hit.id, hit.url, hit.score) == ("osce-vienna", "/articles/osce-vienna", 4.2123)
    assert hit.title_html == "<mark>OSCE</mark> &lt;ministers&gt; meet in Vienna"
    assert hit.snippet_html == "The <mark>OSCE</mark> met. … Later the <mark>OSCE</mark> said"
    assert hit.entities == {"person": ["Rafael Grossi"], "organization": [], "place": ["Vienna"]}
    assert hit.authors == ["A. Writer"]
    # Sections as a tree: each top-level section followed by its sub-sections.
    assert result.facets["section"] == [
        FacetValue("World", 9, False, 0),
        FacetValue("World > Europe", 7, False, 1),
        FacetValue("World > Asia", 2, False, 1),
        FacetValue("Business", 5, False, 0),
    ]
    assert result.facet_distinct["section"] == 2
    # Years newest first (the date histogram).
    assert result.facets["year"] == [FacetValue("2024", 8), FacetValue("2023", 4)]
    # Selected values marked, and added with the archive's spelling when not listed.
    assert result.facets["place"] == [
        FacetValue("Vienna", 40),
        FacetValue("Ghana", 3, True),
        FacetValue("Brazil", 1, True),
    ]
    assert result.facet_distinct["person"] == 17
    assert "month" not in result.facets


def test_an_unmarked_hit_is_escaped_and_its_snippet_is_the_lead() -> None:
    title, snippet = marked({"_source": SOURCE})
    assert title == "OSCE &lt;ministers&gt; meet in Vienna"
    assert snippet == "Ministers met &amp; talked."


def test_did_you_mean_offers_the_first_collated_option_unless_it_is_the_query() -> None:
    suggest = {
        "did_you_mean": [
            {
                "text": "Osmanni",
                "offset": 0,
                "length": 7,
                "options": [{"text": "osmani", "score": 0.31, "collate_match": True}],
            }
        ]
    }
    # The suggester answers folded words; the reader's capital is kept.
    assert parse_did_you_mean(suggest, "Osmanni") == "Osmani"
    assert parse_did_you_mean(suggest, "osmanni") == "osmani"
    assert parse_did_you_mean(suggest, "Osmani") is None
    assert parse_did_you_mean(None, "Osmanni") is None


def test_completions_are_entities_by_count_then_titles() -> None:
    answer = {
        "hits": {"total": {"value": 3, "relation": "eq"}, "hits": []},
        "aggregations": {
            "person": terms(("Rafael Grossi", 12), ("Antonio Guterres", 20)),
            "organization": terms(("Grosse Koalition", 2)),
            "place": terms(),
        },
        "suggest": {
            "titles": [
                {
                    "text": "Gros",
                    "offset": 0,
                    "length": 4,
                    "options": [
                        {
                            "text": "Grossi visits Tehran",
                            "_index": "vindex-1",
                            "_id": "grossi-tehran",
                            "_score": 1.0,
                        }
                    ],
                }
            ]
        },
    }
    assert parse_completions(answer, "Gros", 8) == [
        Suggestion("Rafael Grossi", "person", count=12),
        Suggestion("Grosse Koalition", "organization", count=2),
        Suggestion("Grossi visits Tehran", "title", id="grossi-tehran"),
    ]
    assert len(parse_completions(answer, "Gros", 2)) == 2


def test_related_articles_say_which_entities_they_share() -> None:
    answer = {
        "hits": {
            "total": {"value": 1, "relation": "eq"},
            "hits": [
                {
                    "_id": "iaea-board",
                    "_score": 3.0,
                    "_source": {
                        "id": "iaea-board",
                        "title": "IAEA board",
                        "section": "World",
                        "published_iso": "2024-03-04T09:00:00+01:00",
                        "person": ["Rafael Grossi", "Someone Else"],
                        "place": ["Geneva"],
                    },
                }
            ],
        }
    }
    (related,) = parse_related(answer, SOURCE)
    assert related.id == "iaea-board" and related.url == "/articles/iaea-board"
    assert related.shared_entities == {
        "person": ["Rafael Grossi"],
        "organization": [],
        "place": [],
    }


def test_an_entity_report_from_one_answer() -> None:
    answer = {
        "hits": {
            "total": {"value": 3, "relation": "eq"},
            "hits": [{"_id": "osce-vienna", "_score": None, "_source": SOURCE}],
        },
        "aggregations": {
            "spelling": terms(("Rafael Grossi", 3)),
            "years": years(("2022", 1), ("2023", 0), ("2024", 2)),
            "months": years(("2024-11", 1), ("2024-12", 1)),
            "with_person": terms(("Rafael Grossi", 3), ("Antonio Guterres", 1)),
            "with_organization": terms(("IAEA", 3)),
            "with_place": terms(("Vienna", 2)),
        },
    }
    report = parse_report(answer, "person", 10)
    assert report is not None
    assert (report.kind, report.name, report.total) == ("person", "Rafael Grossi", 3)
    assert [(y.year, y.count) for y in report.by_year] == [(2022, 1), (2023, 0), (2024, 2)]
    assert [m.month for m in report.by_month] == ["2024-11", "2024-12"]
    assert [c.value for c in report.co_mentioned["person"]] == ["Antonio Guterres"]
    assert report.articles[0].id == "osce-vienna" and report.articles[0].score == 0.0
    nobody = {"hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}, "aggregations": {}}
    assert parse_report(nobody, "person", 10) is None


def test_an_article_by_id_from_the_get_answers() -> None:
    found = {
        "_index": "vindex-20261204t061500000000",
        "_id": "osce-vienna",
        "_version": 1,
        "_seq_no": 0,
        "_primary_term": 1,
        "found": True,
        "_source": {**SOURCE, "body": "First.\n\nSecond.", "tags": "diplomacy"},
    }
    source = source_of(found)
    assert source is not None
    article = stored_article(source)
    assert (article.id, article.body, article.tags) == (
        "osce-vienna",
        ["First.", "Second."],
        ["diplomacy"],
    )
    assert article.display_title == SOURCE["title"]
    assert article.record()["entities"] == {
        "person": ["Rafael Grossi"],
        "organization": [],
        "place": ["Vienna"],
    }
    missing = {"_index": "vindex-20261204t061500000000", "_id": "nope", "found": False}
    assert source_of(missing) is None
    no_index = {
        "error": {
            "root_cause": [
                {"type": "index_not_found_exception", "reason": "no such index [vindex]"}
            ],
            "type": "index_not_found_exception",
            "reason": "no such index [vindex]",
        },
        "status": 404,
    }
    with pytest.raises(ArchiveMissing):
        source_of(no_index)


def test_facet_values_match_the_prefix_folded_most_frequent_first() -> None:
    answer = {
        "hits": {"total": {"value": 9, "relation": "eq"}, "hits": []},
        "aggregations": {
            "facet": {
                "doc_count": 9,
                "values": terms(("Vienna", 5), ("Villach", 2), ("Graz", 4), ("Víctor Town", 2)),
            }
        },
    }
    request = SearchRequest.from_params({"place": "vienna"})
    values = parse_facet_values(answer, request, "place", "vi", 2)
    assert values.matching == 3
    assert values.values == [FacetValue("Vienna", 5, True), FacetValue("Villach", 2)]


def test_marked_title_and_paragraphs_for_the_article_page() -> None:
    article = stored_article({**SOURCE, "body": "The OSCE met.\n\nThen <it> ended."})
    page = unmarked(article)
    assert page.paragraphs_html == ["The OSCE met.", "Then &lt;it&gt; ended."] and not page.marked
    answer = {
        "hits": {
            "total": {"value": 1, "relation": "eq"},
            "hits": [
                {
                    "_id": "osce-vienna",
                    "_score": 1.0,
                    "highlight": {
                        "body_en": ["The <mark>OSCE</mark> met.\n\nThen &lt;it&gt; ended."]
                    },
                }
            ],
        }
    }
    page = parse_reading(answer, article)
    assert page.marked
    assert page.paragraphs_html == ["The <mark>OSCE</mark> met.", "Then &lt;it&gt; ended."]
    assert page.title_html == "OSCE &lt;ministers&gt; meet in Vienna"


def test_stats_from_the_aggregations_and_the_store() -> None:
    answer = {
        "hits": {"total": {"value": 66, "relation": "eq"}, "hits": []},
        "aggregations": {
            "sections": terms(("World", 40), ("World > Europe", 12)),
            "languages": terms(("en", 50), ("de", 16)),
            "years": years(("2024", 60), ("2025", 6)),
        },
    }
    store = {"_all": {"primaries": {}, "total": {"store": {"size_in_bytes": 123456}}}}
    stats = parse_stats(answer, "vindex-1", store_bytes(store), "2026-12-04T06:15:00+00:00")
    assert stats.articles == 66
    assert stats.sections == {"World": 40, "World > Europe": 12}
    assert stats.languages == {"en": 50, "de": 16}
    assert stats.years == {"2024": 60, "2025": 6}
    assert (stats.index_bytes, stats.generation) == (123456, "vindex-1")


def reading_answer(highlight: dict[str, list[str]]) -> dict[str, Any]:
    """`reading_body`'s answer: the one article, its marked fields."""
    hit = {"_index": "vindex-1", "_id": "osce-vienna", "_score": 1.0, "highlight": highlight}
    return {"hits": {"total": {"value": 1, "relation": "eq"}, "hits": [hit]}}


def test_the_article_page_marks_the_lead_and_the_caption() -> None:
    # The lead field holds the lead, a space and the caption (documents.to_document).
    article = stored_article(
        {**SOURCE, "lead": "OSCE ministers met & talked.", "image_caption": "The OSCE <hall>."}
    )
    marked_lead = (
        "<mark>OSCE</mark> ministers met &amp; talked. The <mark>OSCE</mark> &lt;hall&gt;."
    )
    page = parse_reading(reading_answer({"lead_en": [marked_lead]}), article)
    assert page.lead_html == "<mark>OSCE</mark> ministers met &amp; talked."
    assert page.caption_html == "The <mark>OSCE</mark> &lt;hall&gt;."
    assert page.title_html == "OSCE &lt;ministers&gt; meet in Vienna"
    assert page.paragraphs_html == [] and page.marked


def test_a_lead_alone_or_a_caption_alone_is_the_whole_field() -> None:
    lead_only = stored_article({**SOURCE, "lead": "OSCE ministers met."})
    page = parse_reading(
        reading_answer({"lead_en": ["<mark>OSCE</mark> ministers met."]}), lead_only
    )
    assert (page.lead_html, page.caption_html) == ("<mark>OSCE</mark> ministers met.", "")
    caption_only = stored_article({**SOURCE, "lead": "", "image_caption": "The OSCE hall."})
    page = parse_reading(reading_answer({"lead_xx": ["The <mark>OSCE</mark> hall."]}), caption_only)
    assert (page.lead_html, page.caption_html) == ("", "The <mark>OSCE</mark> hall.")


@pytest.mark.parametrize(
    ("fragment", "at", "parts"),
    [
        ("<mark>a</mark> b", 1, ("<mark>a</mark>", "b")),
        ("a <mark>b</mark>", 1, ("a", "<mark>b</mark>")),
        # A mark across the cut (a phrase over the lead's end) is closed and opened again.
        ("x <mark>a b</mark> y", 3, ("x <mark>a</mark>", "<mark>b</mark> y")),
        # An encoded character is one character of the text.
        ("&amp;&lt; <mark>c</mark>", 2, ("&amp;&lt;", "<mark>c</mark>")),
        ("no marks here", 2, ("no", "marks here")),
    ],
)
def test_a_marked_fragment_is_cut_by_its_text(
    fragment: str, at: int, parts: tuple[str, str]
) -> None:
    assert split_marked(fragment, at) == parts


def test_a_reading_with_no_match_marks_nothing() -> None:
    article = stored_article({**SOURCE, "image_caption": "The hall."})
    page = parse_reading({"hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}}, article)
    assert page == unmarked(article) and not page.marked
