"""The query tree: `q` read backend-neutrally, as the embedded backend's parser reads it."""

from __future__ import annotations

import pytest

from indexer.archive.query_syntax import FALLBACK_NOTICE
from indexer.archive.query_tree import (
    All,
    AnyOf,
    Node,
    Not,
    Nothing,
    Pattern,
    Phrase,
    Word,
    parse_query,
)
from indexer.embedded.index.schema import SEARCH_BOOSTS, SEARCH_FIELDS, build_schema
from indexer.embedded.search.textquery import parse_text_query


@pytest.mark.parametrize(
    ("q", "tree"),
    [
        ("osce", Word("osce")),
        ("osce vienna", All((Word("osce"), Word("vienna")))),
        ("osce AND vienna", All((Word("osce"), Word("vienna")))),
        ("a b OR c", All((Word("a"), AnyOf((Word("b"), Word("c")))))),
        ("a OR b c", All((AnyOf((Word("a"), Word("b"))), Word("c")))),
        ("(a OR b) c", All((AnyOf((Word("a"), Word("b"))), Word("c")))),
        ("NOT a", Not(Word("a"))),
        ("a -b", All((Word("a"), Not(Word("b"))))),
        ("-(a b)", Not(All((Word("a"), Word("b"))))),
        ('"a b"', Phrase("a b")),
        ('"a b"~4', Phrase("a b", slop=4)),
        ('title:"a b"', Phrase("a b", "title")),
        ("TITLE:a", Word("a", "title")),
        ("lead:(a OR b)", AnyOf((Word("a", "lead"), Word("b", "lead")))),
        ("body:(a title:b)", All((Word("a", "body"), Word("b", "title")))),
        ("osc*", Pattern("osc*")),
        ("wor*d", Pattern("wor*d")),
        ("grosi~", Word("grosi", edits=1)),
        ("grosi~2", Word("grosi", edits=2)),
        ("Meinl-Reisinger", Word("Meinl-Reisinger")),
        ("+a b", All((Word("a"), Word("b")))),
    ],
)
def test_the_tree_of_a_query(q: str, tree: Node) -> None:
    assert parse_query(q) == (tree, None)


def test_no_text_is_every_article_and_no_words_nothing() -> None:
    assert parse_query("  ") == (None, None)
    assert parse_query("!!") == (Nothing(), FALLBACK_NOTICE)


def test_a_pattern_knows_whether_it_is_a_prefix() -> None:
    assert Pattern("osc*").is_prefix and not Pattern("wor*d").is_prefix
    assert not Pattern("a*b*").is_prefix


@pytest.mark.parametrize(
    "q",
    [
        "osce",
        '"unbalanced',
        "talks AND",
        "a*",
        "(a OR b",
        "author:smith",
        "x " * 40,
        "OR",
        "vienna - graz",
        '"" ()',
        "title:",
    ],
)
def test_the_notice_is_the_embedded_parsers(q: str) -> None:
    """Both backends tell the reader the same about a query they cannot read as written."""
    _, embedded = parse_text_query(q, build_schema(), SEARCH_FIELDS, SEARCH_BOOSTS)
    _, neutral = parse_query(q)
    assert neutral == embedded
