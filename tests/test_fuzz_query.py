"""Fuzzing the request model, the query parser and the search core with Hypothesis.

Whatever a reader types into the URL or the search box, the only error is a
bad request (`RequestError`, an HTTP 400 naming the parameter): never a crash,
never a hang. Parameters are arbitrary names and values, repeated, unicode,
controls, huge numbers and odd dates; `q` is also built from the pieces of the
query syntax (quotes, parentheses, operators, `-`, `*`, `field:`, `~`, `^`,
brackets), which random text seldom hits. Parsed requests are searched on a
real index of a small corpus.

`make test` runs a fixed number of examples from a fixed seed. A long run
(random seed, every target at 100,000 examples):

    VINDEX_FUZZ_EXAMPLES=100000 .venv/bin/python -m pytest tests/test_fuzz_query.py \
        -q -p no:cacheprovider --hypothesis-show-statistics
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from conftest import core_over, synthetic_article, write_json, write_jsonl
from fuzzing import FIXTURES, LARGE_REPR, fuzz_settings, odd_text, time_limit
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.datastructures import QueryParams
from whoosh.query import Query

from indexer.archive.request import MAX_PER_PAGE, SORTS, RequestError, SearchRequest
from indexer.embedded.index.build import update_index
from indexer.embedded.index.schema import SEARCH_BOOSTS, SEARCH_FIELDS, build_schema
from indexer.embedded.index.store import IndexLocation
from indexer.embedded.search.core import SearchCore, SearchResult
from indexer.embedded.search.textquery import parse_text_query

# Fuzzing: hundreds of generated examples a target.
pytestmark = [pytest.mark.filterwarnings(LARGE_REPR), pytest.mark.slow]

KNOWN = [
    "q",
    "section",
    "person",
    "organization",
    "place",
    "source",
    "language",
    "from",
    "to",
    "sort",
    "page",
    "per_page",
    "year",
    "month",
]
WORDS = [
    "vienna",
    "osce",
    "iaea",
    "nuclear",
    "security",
    "conference",
    "Österreich",
    "über",
    "the",
    "who",
    "a",
    "Wien",
    "ab",
    "safeguards",
    "x",
    "1987",
    "don't",
    "e-mail",
    "u.s.",
]
FIELDS = ["title", "lead", "body", "title_en", "body_de", "section", "place", "id", "foo", "", "q"]

# -- strategies ---------------------------------------------------------------

dates = st.one_of(
    st.sampled_from(
        [
            "2023",
            "2023-02",
            "2023-02-29",
            "2024-02-29",
            "0000",
            "0001-01-01",
            "9999-12-31",
            "2023-13",
            "2023-00-10",
            "2023-1-1",
            "２０２３",
            "٢٠٢٣",
            "2023-07-04T10:00",
            "-2023",
            "1e3",
        ]
    ),
    st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
    st.from_regex(r"[0-9]{4}(-[0-9]{1,3}(-[0-9]{1,3})?)?", fullmatch=True),
    odd_text,
)
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["0", "1", "-1", "100", "101", "10000", "10001", "+5", " 7 ", "1_000", "٣"]),
    st.sampled_from(["1.5", "1e3", "0x10", "", "NaN", "inf", "9" * 5000]),
    odd_text,
)
filter_values = st.one_of(
    st.sampled_from(
        ["Organizations", "Organizations > OSCE", "A>B", "a / b / ", "en", "DE", "Vienna", ","]
    ),
    st.text(max_size=30),
    st.text(min_size=190, max_size=260),
    odd_text,
)
syntax_piece = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(
        [
            '"',
            "(",
            ")",
            "AND",
            "OR",
            "NOT",
            "and",
            "or",
            "not",
            "-",
            "+",
            "*",
            "**",
            "?",
            "~",
            "~2",
            "~99",
            "^",
            "^2",
            "^-1",
            "^1e99",
            "[",
            "]",
            "{",
            "}",
            "TO",
            ":",
            "::",
            "'",
            "\\",
            "/",
            "!",
            "&&",
            "||",
            "<",
            ">",
            "=",
            ",",
            ".",
            "…",
            "\x00",
            "\u200b",
            "\ufeff",
        ]
    ),
    st.builds(lambda f, w: f"{f}:{w}", st.sampled_from(FIELDS), st.sampled_from([*WORDS, ""])),
    st.builds(lambda w, s: w + s, st.sampled_from(WORDS), st.sampled_from(["*", "~", "~1", "^3"])),
    st.builds(lambda w: f"[{w} TO {w}z]", st.sampled_from(WORDS)),
    st.text(max_size=6),
)
syntax_queries = st.lists(
    st.tuples(syntax_piece, st.sampled_from(["", " ", " ", "  ", "\t"])), max_size=40
).map(lambda parts: "".join(piece + space for piece, space in parts))
queries = st.one_of(
    syntax_queries, st.text(max_size=60), odd_text, st.text(min_size=900, max_size=1100)
)


@st.composite
def param_pairs(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Query parameters as a URL has them: (name, value) pairs, names may repeat."""
    pairs: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(0, 8))):
        name = draw(st.one_of(st.sampled_from(KNOWN), st.text(max_size=8)))
        if name in ("from", "to", "year", "month"):
            value = draw(dates)
        elif name in ("page", "per_page"):
            value = draw(numbers)
        elif name == "sort":
            value = draw(st.one_of(st.sampled_from([*SORTS, "Newest", "", " newest "]), odd_text))
        elif name == "q":
            value = draw(queries)
        else:
            value = draw(filter_values)
        for _ in range(draw(st.sampled_from([1, 1, 1, 2, 25]))):
            pairs.append((name, value))
    return pairs


def as_mapping(pairs: list[tuple[str, str]], shape: int) -> Any:
    """The pairs in each shape `from_params` accepts: QueryParams, dict of lists, plain dict."""
    if shape == 0:
        return QueryParams(pairs)
    if shape == 1:
        lists: dict[str, list[str]] = {}
        for name, value in pairs:
            lists.setdefault(name, []).append(value)
        return lists
    return dict(pairs)


# -- the request model ----------------------------------------------------------


def build_request(params: Any) -> SearchRequest | None:
    """The request of the parameters, or None for a bad request; nothing else may be raised."""
    try:
        with time_limit():
            return SearchRequest.from_params(params)
    except RequestError as error:
        assert error.param and error.message
        return None


# Found by the fuzzer: a section of 200 characters that normalising made longer
# ("a/b" -> "a > b") gave links that were a bad request; from=0001-01-01 begins
# before UTC's year 1 (OverflowError in the date filter).
@example([("section", "0" * 197 + "/0")], 0)
@example([("from", "0001-01-01")], 0)
@fuzz_settings(300)
@given(param_pairs(), st.integers(0, 2))
def test_requests_are_built_or_refused_with_a_bad_request(
    pairs: list[tuple[str, str]], shape: int
) -> None:
    request = build_request(as_mapping(pairs, shape))
    if request is None:
        return
    assert 1 <= request.per_page <= MAX_PER_PAGE
    assert request.sort in SORTS
    # The canonical parameters (links in pages) give the same request back.
    assert SearchRequest.from_params(QueryParams(request.to_params())) == request
    assert request.describe()
    json.dumps(request.to_dict())
    request.published_range()
    for name, values in request.filters:
        for value in values:
            assert request.without_filter(name, value).values(name) == tuple(
                v for v in values if v != value
            )


@fuzz_settings(300)
@given(
    st.dictionaries(
        st.text(max_size=10),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=20),
            st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=10)), max_size=4),
        ),
        max_size=6,
    )
)
def test_requests_from_python_values(params: dict[str, Any]) -> None:
    """The CLI and tests pass ints, None and lists, not only strings."""
    build_request(params)


# -- the query parser -------------------------------------------------------------

SCHEMA = build_schema()


@fuzz_settings(300)
@given(queries)
def test_text_queries_parse_into_a_query_or_a_notice(q: str) -> None:
    with time_limit():
        query, notice = parse_text_query(q, SCHEMA, SEARCH_FIELDS, SEARCH_BOOSTS)
    if query is None:
        assert notice is None
        return
    assert isinstance(query, Query)
    assert notice is None or isinstance(notice, str)


# -- the search core ----------------------------------------------------------------


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchCore]:
    """A real index of a small corpus: every fixture format, English and German, 40 synthetic."""
    root = tmp_path_factory.mktemp("fuzz-search")
    corpus = root / "corpus"
    write_jsonl(corpus / "synthetic.jsonl", [synthetic_article(n) for n in range(40)])
    write_json(
        corpus / "de.json",
        {
            "id": "wien-osze",
            "title": "OSZE-Konferenz in Wien über Sicherheit",
            "body": "Die Außenminister trafen sich in der Hofburg in Österreich.",
            "published": "2022-12-01",
            "section": "Organisationen > OSZE",
            "language": "de",
        },
    )
    for name in ("full.md", "full.txt", "full.nitf.xml", "feed.atom", "jsonld.html"):
        shutil.copy(FIXTURES / name, corpus / name)
    location = IndexLocation(root / "index")
    report = update_index(location, corpus, workers=1)
    assert report.indexed > 40 and not report.errors
    yield from core_over(location)


def check_result(result: SearchResult, request: SearchRequest) -> None:
    assert result.total >= 0
    assert len(result.hits) <= request.per_page
    if (request.page - 1) * request.per_page < result.total:
        assert result.hits
    assert result.pages >= 1
    for hit in result.hits:
        assert hit.id and hit.url == f"/articles/{hit.id}"
        assert isinstance(hit.title_html, str) and isinstance(hit.snippet_html, str)
    # The JSON API sends exactly this.
    json.dumps(result.to_dict())


@example([("from", "0001-01-01"), ("to", "9999-12-31")], 0)
@fuzz_settings(100, slow=True)
@given(param_pairs(), st.integers(0, 2))
def test_searches_answer_or_refuse_with_a_bad_request(
    core: SearchCore, pairs: list[tuple[str, str]], shape: int
) -> None:
    request = build_request(as_mapping(pairs, shape))
    if request is None:
        return
    with time_limit():
        result = core.search(request)
    check_result(result, request)


@fuzz_settings(100, slow=True)
@given(
    syntax_queries, st.sampled_from(SORTS), st.sampled_from([[], [("section", "Organizations")]])
)
def test_searches_of_query_syntax_answer(
    core: SearchCore, q: str, sort: str, filters: list[tuple[str, str]]
) -> None:
    request = build_request(QueryParams([("q", q), ("sort", sort), *filters]))
    if request is None:
        return
    with time_limit():
        result = core.search(request)
        core.highlight_terms(request.q)
        suggestions = core.suggest(q)
    check_result(result, request)
    assert isinstance(suggestions, list)
