"""How a query is quoted in headings and descriptions (issue 14 #8)."""

from __future__ import annotations

import pytest

from indexer.archive.quoting import PLAIN, TYPOGRAPHIC, is_one_phrase, quote_query


@pytest.mark.parametrize(
    ("q", "typographic", "plain"),
    [
        ("skopje", "“skopje”", '"skopje"'),
        ('"Ministerial Council"', "“Ministerial Council”", '"Ministerial Council"'),
        ('"dlrs debt" OR opec', "“‘dlrs debt’ OR opec”", "\"'dlrs debt' OR opec\""),
        ('"a b" "c d"', "“‘a b’ ‘c d’”", "\"'a b' 'c d'\""),
        ('title:"x y"', "“title:‘x y’”", "\"title:'x y'\""),
        ('"dlrs debt"~2', "“‘dlrs debt’~2”", "\"'dlrs debt'~2\""),
        ('"unclosed osce', "“‘unclosed osce”", '"\'unclosed osce"'),
        ('"', "“‘”", '"\'"'),
        ('""', "“”", '""'),
    ],
)
def test_quote_query(q: str, typographic: str, plain: str) -> None:
    assert quote_query(q) == quote_query(q, TYPOGRAPHIC) == typographic
    assert quote_query(q, PLAIN) == plain


def test_one_phrase() -> None:
    assert is_one_phrase('"ministerial council"')
    assert not is_one_phrase('"a" "b"')
    assert not is_one_phrase('"a b"~2')
    assert not is_one_phrase("osce")
