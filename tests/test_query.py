"""The search request model and the text query parser, on a real small index."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import write_jsonl
from fuzzing import time_limit
from starlette.datastructures import QueryParams
from whoosh import index
from whoosh.index import Index
from whoosh.query import (
    And,
    Every,
    FuzzyTerm,
    Phrase,
    Prefix,
    Query,
    Term,
    Wildcard,
)

from indexer.archive.request import RequestError, SearchRequest
from indexer.embedded.index.build import update_index
from indexer.embedded.index.schema import (
    SEARCH_BOOSTS,
    SEARCH_FIELDS,
    build_schema,
    to_document,
)
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.textquery import (
    FALLBACK_NOTICE,
    MAX_TERMS,
    NOTHING,
    TRUNCATED_NOTICE,
    WILDCARD_NOTICE,
    parse_text_query,
)
from indexer.ingest.article import make_article

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


# -- filter queries on a real index -------------------------------------------

ARTICLES: list[dict[str, Any]] = [
    {
        "id": "osce-council",
        "title": "OSCE ministers meet in Vienna",
        "body": "The ministerial council discussed security in Europe.",
        "section": "Organizations > OSCE",
        "published": "2023-12-31T23:30:00+01:00",
        "language": "en",
        "source": "APA",
        "entities": {"organization": ["OSCE"], "place": ["Vienna"]},
    },
    {
        "id": "iaea-tehran",
        "title": "IAEA director general visits Tehran",
        "body": "Rafael Mariano Grossi held talks on nuclear safeguards.",
        "section": "Organizations > United Nations",
        # 23:30 UTC on Dec 31, but already 2024 in Vienna.
        "published": "2024-01-01T00:30:00+01:00",
        "language": "en",
        "source": "Reuters",
        "entities": {
            "person": ["Rafael Mariano Grossi"],
            "organization": ["IAEA"],
            "place": ["Tehran"],
        },
    },
    {
        "id": "neutralitaet",
        "title": "Österreich und die Neutralität",
        "body": "Die Regierung in Wien diskutiert über Sicherheit und Neutralität.",
        "section": "Politics",
        "published": "2023-06-15T10:00:00+02:00",
        "language": "de",
        "source": "APA",
        "entities": {"place": ["Vienna", "Austria"]},
    },
    {
        "id": "kosovo-trade",
        "title": "Trade talks stall in Brussels",
        "body": "After the elections Vjosa Osmani asked for big talks on trade.",
        "section": "Economy",
        "published": "2022-03-01T09:00:00+01:00",
        "language": "en",
        "source": "Reuters",
        "entities": {"person": ["Vjosa Osmani"], "place": ["Brussels"]},
    },
    {
        "id": "observers",
        "title": "Election observers report",
        "body": "Observers of the vote said it was calm.",
        "section": "Organizations",
        "published": "2023-07-04T23:31:00+02:00",
        "language": "en",
        "source": "APA",
        "entities": {"organization": ["OSCE"], "place": ["Vienna"]},
    },
]


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    folder: Path = tmp_path_factory.mktemp("query-index")
    idx = index.create_in(str(folder), build_schema())
    writer = idx.writer()
    for data in ARTICLES:
        writer.add_document(**to_document(make_article(data), file="x", file_sig="y"))
    writer.commit()
    yield idx
    idx.close()


def found(ix: Index, q: Query | None) -> set[str]:
    with ix.searcher() as searcher:
        hits = searcher.search(q if q is not None else Every(), limit=None)
        return {hit["id"] for hit in hits}


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchCore]:
    """The same articles indexed as the product indexes them, for the filters."""
    folder: Path = tmp_path_factory.mktemp("query-core")
    write_jsonl(folder / "corpus" / "articles.jsonl", ARTICLES)
    location = IndexLocation(folder / "index")
    update_index(location, folder / "corpus", rebuild=True)
    searcher = SearchCore(LiveIndex(location))
    yield searcher
    searcher.close()


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


# -- the text query ------------------------------------------------------------


def search(ix: Index, text: str) -> tuple[set[str], str | None]:
    q, notice = parse_text_query(text, ix.schema, SEARCH_FIELDS, BOOSTS)
    return found(ix, q), notice


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("talks", {"iaea-tehran", "kosovo-trade"}),
        ("talks trade", {"kosovo-trade"}),
        ('"nuclear safeguards"', {"iaea-tehran"}),
        ('"safeguards nuclear"', set()),
        # Three words between them, at their true positions ("on" included).
        ('"held safeguards"~4', {"iaea-tehran"}),
        ('"held safeguards"~3', set()),
        ('"held safeguards"', set()),
        ('"held safeguards"~', set()),
        ("Tehran OR Brussels", {"iaea-tehran", "kosovo-trade"}),
        ("talks NOT Tehran", {"kosovo-trade"}),
        ("talks -Tehran", {"kosovo-trade"}),
        ('talks -"nuclear safeguards"', {"kosovo-trade"}),
        ("(Tehran OR Brussels) AND talks", {"iaea-tehran", "kosovo-trade"}),
        ("election", {"kosovo-trade", "observers"}),  # stemmed: elections
        ("title:election", {"observers"}),
        ("Title:(election OR Tehran)", {"observers", "iaea-tehran"}),
        ('title:"director general"', {"iaea-tehran"}),
        ("body:safeguards", {"iaea-tehran"}),
        ("lead:safeguards", set()),
        ("safe*", {"iaea-tehran"}),
        ("observ*", {"observers"}),
        ("Osmanni~", {"kosovo-trade"}),
        ("Osmanni", set()),
        ("Osterreich", {"neutralitaet"}),
        ("Österreich", {"neutralitaet"}),
        ("Neutralitat", {"neutralitaet"}),
        ("wien", {"neutralitaet"}),
        # Every word is required, stop words too, in any language's fields.
        ("what about the OSCE?", set()),
        ("the OSCE", {"osce-council"}),
        ("über Sicherheit", {"neutralitaet"}),
        ("in Vienna", {"osce-council"}),
        ("Vienna - OSCE", {"osce-council"}),
    ],
)
def test_text_query(ix: Index, text: str, ids: set[str]) -> None:
    assert search(ix, text) == (ids, None)


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_text_means_everything(ix: Index, text: str) -> None:
    assert parse_text_query(text, ix.schema, SEARCH_FIELDS) == (None, None)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ('"nuclear safeguards', {"iaea-tehran"}),
        ("talks (trade", {"kosovo-trade"}),
        ("talks)", {"iaea-tehran", "kosovo-trade"}),
        ("(", set()),
        ("()", set()),
        ("AND", set()),
        ("talks AND", {"iaea-tehran", "kosovo-trade"}),
        ("OR talks", {"iaea-tehran", "kosovo-trade"}),
        ("talks OR OR trade", {"kosovo-trade"}),
        ("talks NOT", {"iaea-tehran", "kosovo-trade"}),
        ("title:", set()),
        ("talks title: trade", set()),  # "title" is a word now
        ("colour:red", set()),
        ("talks AND -", {"iaea-tehran", "kosovo-trade"}),
        ('talks title:""', set()),
        ("*", set()),
        ("***", set()),
        ('"><script>alert(1)</script>', set()),
        ('"><', set()),
    ],
)
def test_syntax_errors_fall_back_to_words(ix: Index, text: str, ids: set[str]) -> None:
    assert search(ix, text) == (ids, FALLBACK_NOTICE)


def test_nothing_stays_nothing_inside_and(ix: Index) -> None:
    q, _ = parse_text_query("***", ix.schema, SEARCH_FIELDS)
    assert q is NOTHING
    # Whoosh drops its NullQuery singleton from an And; NOTHING must not be dropped.
    assert found(ix, And([NOTHING, Term("language", "en")])) == set()


def test_no_leading_wildcards(ix: Index) -> None:
    q, notice = parse_text_query("*guards", ix.schema, SEARCH_FIELDS)
    assert notice == WILDCARD_NOTICE
    assert q is not None
    assert not [leaf for leaf in q.leaves() if isinstance(leaf, Wildcard | Prefix)]
    assert q == parse_text_query("guards", ix.schema, SEARCH_FIELDS)[0]
    assert search(ix, "s*") == (set(), WILDCARD_NOTICE)


def test_fuzzy_is_bounded(ix: Index) -> None:
    q, _ = parse_text_query("Osmanni~9", ix.schema, SEARCH_FIELDS)
    assert q is not None
    fuzzy = [leaf for leaf in q.leaves() if isinstance(leaf, FuzzyTerm)]
    assert fuzzy
    assert {(leaf.maxdist, leaf.prefixlength) for leaf in fuzzy} == {(2, 1)}


def test_phrase_slop_is_bounded(ix: Index) -> None:
    q, _ = parse_text_query('"held safeguards"~99', ix.schema, SEARCH_FIELDS)
    assert q is not None
    assert {leaf.slop for leaf in q.leaves() if isinstance(leaf, Phrase)} == {10}


def test_title_alias_searches_every_title_field(ix: Index) -> None:
    q, notice = parse_text_query("title:vienna", ix.schema, SEARCH_FIELDS)
    assert notice is None
    assert q is not None
    assert {leaf.fieldname for leaf in q.leaves()} == {"title_en", "title_de", "title_xx"}


def test_long_queries_are_truncated(ix: Index) -> None:
    words = [f"w{i}x" for i in range(MAX_TERMS + 10)]
    q, notice = parse_text_query(" ".join(words), ix.schema, SEARCH_FIELDS)
    assert notice == TRUNCATED_NOTICE
    assert q is not None
    assert {leaf.text for leaf in q.leaves()} == set(words[:MAX_TERMS])
    grouped, notice = parse_text_query("(" + " OR ".join(words) + ")", ix.schema, SEARCH_FIELDS)
    assert notice == TRUNCATED_NOTICE
    assert grouped is not None
    assert {leaf.text for leaf in grouped.leaves()} == set(words[:MAX_TERMS])


def test_edit_counts_and_slops_are_not_words(ix: Index) -> None:
    """`word~2` is one word, and so is each of `"a b"~3`: 30 fuzzy words are all searched."""
    words = [f"w{i}x" for i in range(MAX_TERMS)]
    q, notice = parse_text_query(" ".join(f"{w}~2" for w in words), ix.schema, SEARCH_FIELDS)
    assert notice is None
    assert q is not None
    assert {leaf.text for leaf in q.leaves() if isinstance(leaf, FuzzyTerm)} == set(words)
    phrases = " ".join(f'"{a} {b}"~3' for a, b in zip(words[::2], words[1::2], strict=True))
    q, notice = parse_text_query(phrases, ix.schema, SEARCH_FIELDS)
    assert notice is None
    assert q is not None
    assert {w for leaf in q.leaves() if isinstance(leaf, Phrase) for w in leaf.words} == set(words)


def test_fallback_is_truncated_too(ix: Index) -> None:
    words = [f"w{i}x" for i in range(MAX_TERMS + 10)]
    q, notice = parse_text_query('"' + " ".join(words), ix.schema, SEARCH_FIELDS)
    assert notice == FALLBACK_NOTICE
    assert q is not None
    assert {leaf.text for leaf in q.leaves()} == set(words[:MAX_TERMS])


def test_any_text_parses_and_searches(ix: Index) -> None:
    rng = random.Random(4)
    alphabet = ['"', "(", ")", "*", "~", "-", "+", ":", "?", " ", " ", "AND", "OR", "NOT"]
    alphabet += ["title", "body", "talks", "OSCE", "ü", "<", "\\", "2", "^", "[", "}"]
    for _ in range(500):
        text = "".join(rng.choices(alphabet, k=rng.randint(1, 12)))
        q, notice = parse_text_query(text, ix.schema, SEARCH_FIELDS, BOOSTS)
        assert notice is None or isinstance(notice, str)
        found(ix, q)
