"""The text query parser (indexer/embedded/search/textquery.py): the `q` syntax read into a
Whoosh query, checked by what that query finds in a real small index."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from query_articles import small_index
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

from indexer.embedded.index.schema import (
    SEARCH_BOOSTS,
    SEARCH_FIELDS,
)
from indexer.embedded.search.textquery import (
    FALLBACK_NOTICE,
    MAX_TERMS,
    NOTHING,
    TRUNCATED_NOTICE,
    WILDCARD_NOTICE,
    parse_text_query,
)

BOOSTS = SEARCH_BOOSTS


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    idx = small_index(tmp_path_factory.mktemp("query-index"))
    yield idx
    idx.close()


def found(ix: Index, q: Query | None) -> set[str]:
    with ix.searcher() as searcher:
        hits = searcher.search(q if q is not None else Every(), limit=None)
        return {hit["id"] for hit in hits}


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
