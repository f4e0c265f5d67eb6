"""The search request model (indexer/archive/request.py): validation, normalisation, words,
links, and its filters over a real small index."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import core_over, write_jsonl
from fuzzing import time_limit
from query_articles import ARTICLES
from starlette.datastructures import QueryParams

from indexer.archive.request import FILTER_PARAMS, MAX_FILTER_VALUES, RequestError, SearchRequest
from indexer.embedded.index.build import update_index
from indexer.embedded.index.schema import (
    SEARCH_BOOSTS,
)
from indexer.embedded.index.store import IndexLocation
from indexer.embedded.search.core import SearchCore
from webapp.links import filter_urls, search_url

BOOSTS = SEARCH_BOOSTS

# -- the request model: validation ------------------------------------------


def test_defaults() -> None:
    request = SearchRequest.from_params({})
    assert request == SearchRequest()
    assert (request.q, request.filters, request.sort, request.page, request.per_page) == (
        "",
        (),
        "relevance",
        1,
        10,
    )
    assert request.filters == ()


@pytest.mark.parametrize(
    ("params", "param", "message"),
    [
        ({"q": "x" * 1001}, "q", "longer than 1000 characters"),
        ({"q": "osce " * 2000}, "q", "longer than 1000 characters"),
        ({"page": "0"}, "page", "must be between 1 and 10000, got 0"),
        ({"page": "-1"}, "page", "must be between 1 and 10000, got -1"),
        ({"page": "abc"}, "page", "not a whole number: 'abc'"),
        ({"page": "1.5"}, "page", "not a whole number: '1.5'"),
        ({"page": "10001"}, "page", "must be between 1 and 10000, got 10001"),
        ({"per_page": "500"}, "per_page", "must be between 1 and 100, got 500"),
        ({"per_page": "1000"}, "per_page", "must be between 1 and 100, got 1000"),
        ({"per_page": "0"}, "per_page", "must be between 1 and 100, got 0"),
        ({"per_page": "ten"}, "per_page", "not a whole number: 'ten'"),
        ({"sort": "sideways"}, "sort", "must be one of relevance, newest, oldest; got 'sideways'"),
        (
            {"from": "2023-13-45"},
            "from",
            "not a date (use YYYY, YYYY-MM or YYYY-MM-DD): '2023-13-45'",
        ),
        (
            {"to": "2023-02-30"},
            "to",
            "not a date (use YYYY, YYYY-MM or YYYY-MM-DD): '2023-02-30'",
        ),
        (
            {"from": "yesterday"},
            "from",
            "not a date (use YYYY, YYYY-MM or YYYY-MM-DD): 'yesterday'",
        ),
        ({"to": "2023-13"}, "to", "not a date (use YYYY, YYYY-MM or YYYY-MM-DD): '2023-13'"),
        ({"from": "23"}, "from", "not a date (use YYYY, YYYY-MM or YYYY-MM-DD): '23'"),
        ({"from": "0000"}, "from", "not a date (use YYYY, YYYY-MM or YYYY-MM-DD): '0000'"),
        ({"from": "2024", "to": "2023"}, "to", "2023-12-31 is before from 2024-01-01"),
        ({"section": "S" * 201}, "section", "a value is longer than 200 characters"),
        ({"person": ["Ann", "P" * 201]}, "person", "a value is longer than 200 characters"),
        ({"place": [f"Place {i}" for i in range(21)]}, "place", "more than 20 values"),
    ],
)
def test_invalid_parameters(params: dict[str, Any], param: str, message: str) -> None:
    with pytest.raises(RequestError) as caught:
        SearchRequest.from_params(params)
    assert (caught.value.param, caught.value.message) == (param, message)
    assert str(caught.value) == f"{param}: {message}"


def test_many_filter_values_are_refused_without_comparing_them_all() -> None:
    """Issue 13: each value was looked up in the list of those before it; 40,000 took 24 s.

    A POST /api/search body of 64 KB holds 10,000 distinct values (1.4 s).
    """
    with time_limit(), pytest.raises(RequestError) as caught:
        SearchRequest.from_params({"person": [f"v{n}" for n in range(40_000)]})
    assert str(caught.value) == "person: more than 20 values"
    assert SearchRequest.from_params({"person": ["a", "b", "a"] * 1000}).values("person") == (
        "a",
        "b",
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "  osce \x00talks\x07 "}, {"q": "osce talks"}),
        ({"q": "osce\tvienna\n"}, {"q": "osce vienna"}),
        ({"q": "   "}, {"q": ""}),
        ({"section": "Organizations/UN"}, {"filters": (("section", ("Organizations > UN",)),)}),
        ({"section": " Politics >Austria "}, {"filters": (("section", ("Politics > Austria",)),)}),
        ({"language": " DE "}, {"filters": (("language", ("de",)),)}),
        ({"person": "  Rafael   Grossi "}, {"filters": (("person", ("Rafael Grossi",)),)}),
        # Canonical order, empty values ignored, duplicates removed in order.
        (
            {"place": ["Vienna", "", "Graz", "Vienna"], "section": "Economy", "source": ""},
            {"filters": (("section", ("Economy",)), ("place", ("Vienna", "Graz")))},
        ),
        (
            {"from": "2023", "to": "2023"},
            {"date_from": date(2023, 1, 1), "date_to": date(2023, 12, 31)},
        ),
        (
            {"from": "2024-02", "to": "2024-02"},
            {"date_from": date(2024, 2, 1), "date_to": date(2024, 2, 29)},
        ),
        (
            {"from": "2023-07-04", "to": "2023-07-04"},
            {"date_from": date(2023, 7, 4), "date_to": date(2023, 7, 4)},
        ),
        ({"from": "", "to": " ", "page": "", "sort": ""}, {}),
        (
            {"sort": "newest", "page": "3", "per_page": "100"},
            {"sort": "newest", "page": 3, "per_page": 100},
        ),
        ({"unknown": "x", "debug": "1"}, {}),
    ],
)
def test_normalised_parameters(params: dict[str, Any], expected: dict[str, Any]) -> None:
    request = SearchRequest.from_params(params)
    for name, value in expected.items():
        assert getattr(request, name) == value
    untouched = SearchRequest()
    for name in ("q", "filters", "date_from", "date_to", "sort", "page", "per_page"):
        if name not in expected:
            assert getattr(request, name) == getattr(untouched, name)


def test_multi_value_mappings_agree() -> None:
    query_string = "q=osce&section=Politics&section=Economy&section=Politics&page=2&page=3"
    expected = SearchRequest.from_params(
        {"q": "osce", "section": ["Politics", "Economy"], "page": "3"}
    )
    assert SearchRequest.from_params(QueryParams(query_string)) == expected
    assert expected.values("section") == ("Politics", "Economy")
    assert expected.values("person") == ()
    assert expected.page == 3


# -- the request model: words, parameters, links -----------------------------


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({}, "all articles"),
        (
            {"q": "osce", "section": "Politics", "from": "2023", "to": "2023"},
            'articles matching "osce" in Politics, 2023',
        ),
        (
            {
                "q": "iaea",
                "section": ["Politics", "Economy"],
                "person": "Rafael Mariano Grossi",
                "place": "Vienna",
                "language": "de",
                "from": "2023-03",
                "to": "2024-06",
                "sort": "newest",
            },
            'articles matching "iaea" in Politics or Economy, about Rafael Mariano Grossi, '
            "from Vienna, in German, from March 2023 to June 2024, newest first",
        ),
        ({"from": "2023", "to": "2023"}, "all articles, 2023"),
        (
            {"from": "2022", "to": "2023", "sort": "oldest"},
            "all articles from 2022 to 2023, oldest first",
        ),
        ({"from": "2023-03", "to": "2023-03"}, "all articles, March 2023"),
        ({"from": "2023", "to": "2024-06"}, "all articles from January 2023 to June 2024"),
        ({"from": "2023-07-04", "to": "2023-07-04"}, "all articles on 4 July 2023"),
        (
            {"from": "2023-07-04", "to": "2023-07-06"},
            "all articles from 4 July 2023 to 6 July 2023",
        ),
        ({"from": "2023-03"}, "all articles since March 2023"),
        ({"to": "2023"}, "all articles until 2023"),
        (
            {"organization": ["IAEA", "OSCE", "UN"], "language": ["en", "xx"], "source": "APA"},
            "all articles about IAEA, OSCE or UN, in English or xx, via APA",
        ),
        ({"q": "vienna", "sort": "newest"}, 'articles matching "vienna", newest first'),
        ({"q": '"ministerial council"'}, 'articles matching "ministerial council"'),
        ({"q": '"dlrs debt" OR opec'}, "articles matching \"'dlrs debt' OR opec\""),
    ],
)
def test_describe(params: dict[str, Any], words: str) -> None:
    assert SearchRequest.from_params(params).describe() == words


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "osce talks", "section": ["Politics", "Economy"], "language": "de"},
        {"from": "2023", "to": "2023"},
        {"from": "2023-03", "to": "2024-02"},
        {"from": "2023-07-04"},
        {"to": "2023-12-30"},
        {"sort": "oldest", "page": "4", "per_page": "25"},
        {"person": ["A", "B"], "organization": "C", "place": "D", "source": "E"},
    ],
)
def test_to_params_round_trips(params: dict[str, Any]) -> None:
    request = SearchRequest.from_params(params)
    assert SearchRequest.from_params(QueryParams(request.to_params())) == request


def test_to_params_is_canonical_and_short() -> None:
    request = SearchRequest.from_params(
        {
            "per_page": "20",
            "page": "2",
            "sort": "newest",
            "to": "2024-06-30",
            "from": "2023-01-01",
            "language": "EN",
            "section": "A/B",
            "q": "osce",
        }
    )
    assert request.to_params() == [
        ("q", "osce"),
        ("section", "A > B"),
        ("language", "en"),
        ("from", "2023"),
        ("to", "2024-06"),
        ("sort", "newest"),
        ("page", "2"),
        ("per_page", "20"),
    ]
    assert SearchRequest().to_params() == []


def test_year() -> None:
    assert SearchRequest.from_params({"from": "2023", "to": "2023"}).year == 2023
    assert SearchRequest.from_params({"from": "2023-01-01", "to": "2023-12-31"}).year == 2023
    assert SearchRequest.from_params({"from": "2023"}).year is None
    assert SearchRequest.from_params({"from": "2023", "to": "2024"}).year is None
    assert SearchRequest.from_params({"from": "2023-02", "to": "2023"}).year is None


def test_link_helpers() -> None:
    request = SearchRequest.from_params(
        {"q": "osce", "section": "Politics", "page": "3", "per_page": "20"}
    )
    added = request.with_filter("section", "Economy")
    assert added.values("section") == ("Politics", "Economy")
    assert (added.page, added.per_page, added.q) == (1, 20, "osce")
    assert request.with_filter("section", "Politics").values("section") == ("Politics",)
    assert request.with_filter("section", "Org/UN").values("section") == ("Politics", "Org > UN")
    person = request.with_filter("person", "Grossi")
    assert person.filters == (("section", ("Politics",)), ("person", ("Grossi",)))
    assert request.with_filter("language", "DE").values("language") == ("de",)

    assert added.without_filter("section", "Politics").values("section") == ("Economy",)
    assert added.without_filter("section").filters == ()
    assert request.without_filter("person").filters == request.filters
    assert request.without_filter("section").page == 1

    dated = request.with_dates(date(2023, 1, 1), date(2023, 12, 31))
    assert (dated.year, dated.page) == (2023, 1)
    assert dated.with_dates(None, None).date_from is None
    with pytest.raises(RequestError, match=r"^to: 2022-12-31 is before from 2023-01-01$"):
        request.with_dates(date(2023, 1, 1), date(2022, 12, 31))

    assert request.with_sort("newest").sort == "newest"
    assert request.with_sort("newest").page == 1
    with pytest.raises(RequestError) as caught:
        request.with_sort("sideways")
    assert caught.value.param == "sort"

    assert request.with_page(5).page == 5
    assert request.with_page(5).filters == request.filters
    with pytest.raises(RequestError):
        request.with_page(0)
    with pytest.raises(ValueError, match="unknown filter"):
        request.with_filter("colour", "red")
    # The original is untouched: requests are values.
    assert request.page == 3
    assert request.values("section") == ("Politics",)


def test_to_dict() -> None:
    request = SearchRequest.from_params(
        {"q": "osce", "section": ["A", "B"], "from": "2023", "sort": "newest"}
    )
    assert request.to_dict() == {
        "q": "osce",
        "filters": {"section": ["A", "B"]},
        "from": "2023-01-01",
        "to": None,
        "sort": "newest",
    }


# -- filters on a real index ---------------------------------------------------


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchCore]:
    """The same articles indexed as the product indexes them, for the filters."""
    folder: Path = tmp_path_factory.mktemp("query-core")
    write_jsonl(folder / "corpus" / "articles.jsonl", ARTICLES)
    location = IndexLocation(folder / "index")
    update_index(location, folder / "corpus", rebuild=True)
    yield from core_over(location)


def filtered(core: SearchCore, params: dict[str, Any]) -> set[str]:
    result = core.search(SearchRequest.from_params({**params, "per_page": "100"}))
    return {hit.id for hit in result.hits}


@pytest.mark.parametrize(
    ("params", "ids"),
    [
        # A parent section includes its children (and articles filed on it).
        ({"section": "Organizations"}, {"osce-council", "iaea-tehran", "observers"}),
        ({"section": "Organizations/OSCE"}, {"osce-council"}),
        ({"section": ["Politics", "Economy"]}, {"neutralitaet", "kosovo-trade"}),
        (
            {"section": "Organizations", "language": "en", "place": "Vienna"},
            {"osce-council", "observers"},
        ),
        ({"section": ["Politics", "Economy"], "language": "DE"}, {"neutralitaet"}),
        ({"person": "Rafael Mariano Grossi"}, {"iaea-tehran"}),
        ({"person": "rafael mariano grossi"}, {"iaea-tehran"}),  # folded (issue 14)
        ({"organization": ["IAEA", "OSCE"]}, {"osce-council", "iaea-tehran", "observers"}),
        ({"place": "Vienna", "source": "APA"}, {"osce-council", "neutralitaet", "observers"}),
        ({"source": "Reuters"}, {"iaea-tehran", "kosovo-trade"}),
        # Day boundaries are Vienna days.
        ({"to": "2023"}, {"osce-council", "neutralitaet", "kosovo-trade", "observers"}),
        ({"from": "2024"}, {"iaea-tehran"}),
        ({"from": "2023-12-31", "to": "2023-12-31"}, {"osce-council"}),
        ({"from": "2024-01-01", "to": "2024-01-01"}, {"iaea-tehran"}),
        ({"from": "2023-07-04", "to": "2023-07-04"}, {"observers"}),
        ({"from": "2023-07-05", "to": "2023-12-30"}, set()),
        ({"from": "2023", "to": "2023", "section": "Organizations"}, {"osce-council", "observers"}),
    ],
)
def test_filters(core: SearchCore, params: dict[str, Any], ids: set[str]) -> None:
    assert filtered(core, params) == ids


def test_published_range() -> None:
    summer = SearchRequest.from_params({"from": "2023-07"}).published_range()
    assert summer == (datetime(2023, 6, 30, 22, 0), None)
    year = SearchRequest.from_params({"from": "2023", "to": "2023"}).published_range()
    assert year == (datetime(2022, 12, 31, 23, 0), datetime(2023, 12, 31, 22, 59, 59, 999999))


def test_disjunctive_facets_count_as_if_their_own_filter_were_not_set(core: SearchCore) -> None:
    request = SearchRequest.from_params({"section": "Economy", "place": "Vienna", "from": "2023"})
    result = core.search(request)
    assert result.total == 0
    # Without its own selection, the section facet counts Vienna's 2023 articles.
    sections = {value.value for value in result.facets["section"]}
    assert {"Organizations", "Politics"} <= sections


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ["oil prices"]},
        {"q": ["oil"], "place": ["Japan"], "sort": ["newest"], "page": ["3"]},
        {"section": ["Commodities"], "person": ["Blair"], "source": ["Reuters"]},
        {"q": ["x"], "language": ["de"], "from": ["2020"], "to": ["2021-03"], "per_page": ["50"]},
        {"organization": ["OPEC", "IMF"], "place": ["Wien"]},
    ],
)
def test_links_to_more_values_are_the_requests_own(params: dict[str, list[str]]) -> None:
    """The facet links' shortcut gives what with_filter(...).to_params() gives, value by value."""
    request = SearchRequest.from_params(params)
    values = ["Japan", "japan ", "  Vienna  Austria ", "Wien", "IMF", "opec", "A/B", "", "de", "EN"]
    for name in FILTER_PARAMS:
        added = request.filter_links(name).params
        for value in values:
            assert added(value) == request.with_filter(name, value).to_params(), (name, value)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "oil prices", "sort": "newest", "page": "3"},
        {"q": "opec", "section": ["Economy"], "place": ["Wien", "Japan"], "from": "2020"},
        {"organization": ["OPEC", "IMF"], "place": ["Wien"], "language": ["de"]},
    ],
)
def test_facet_link_urls_are_the_search_urls_of_the_requests_with_the_value(
    params: dict[str, Any],
) -> None:
    """`links.filter_urls` encodes the parameters around a value once: the same URLs."""
    request = SearchRequest.from_params(params)
    values = ["Japan", "japan ", "  Vienna  Austria ", "Wien", "IMF", "a&b=c", "Ä/Ö", "", "de"]
    for name in FILTER_PARAMS:
        url = filter_urls(request, name)
        for value in values:
            assert url(value) == search_url(request.with_filter(name, value)), (name, value)


def test_a_link_beyond_the_values_allowed_is_refused_as_with_filter_refuses_it() -> None:
    request = SearchRequest.from_params({"place": [f"Place {n}" for n in range(MAX_FILTER_VALUES)]})
    with pytest.raises(RequestError):
        request.with_filter("place", "One more")
    with pytest.raises(RequestError):
        request.filter_links("place").params("One more")
