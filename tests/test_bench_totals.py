"""The totals comparison of bench/totals.py: its FTS5 translation and its measured reasons.

The benchmark runs for minutes on the research corpus; these pin the parts
that decide what it reports, with Whoosh's own analysis chains where an
analysis is needed (one that drops stop words, as Vindex's did before issue
14, so the reasons for such a difference can be seen).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from whoosh.analysis import STOP_WORDS, StemmingAnalyzer
from whoosh.lang import stopwords_for_language

# bench/ is a folder of scripts, not a package: its modules import each other by
# name. Appended, so that its script names never shadow an installed module.
sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))

from search import build_fts5, to_fts5
from totals import (
    TABLES,
    Fts5Matches,
    Row,
    classify,
    invariants,
    phrase_positions,
    snowball,
    tokenization,
    without_dropped,
)

from indexer.archive.request import SearchRequest

# English stemming with Whoosh's stop lists (as Vindex's analysis had before
# issue 14): an analysis that drops words.
DROPPING = StemmingAnalyzer(
    stoplist=STOP_WORDS | frozenset(stopwords_for_language("en")), stemfn=snowball
)


def _article(article_id: str, title: str, body: str) -> dict[str, Any]:
    return {
        "id": article_id,
        "title": title,
        "body": [body],
        "section": "Economy",
        "published": "1987-03-02T10:00:00+00:00",
        "language": "en",
        "source": "reuters",
    }


def test_to_fts5_prepares_words_and_phrases_but_not_prefixes() -> None:
    q = '"money supply" oil -opec title:dividends petro*'
    assert to_fts5(q, snowball) == (
        '"money suppli" AND "oil" NOT "opec" AND title : "dividend" AND petro*'
    )
    assert to_fts5(q) == '"money supply" AND oil NOT opec AND title : dividends AND petro*'


def test_snowball_folds_accents_and_splits_as_unicode61() -> None:
    assert snowball("Österreich's U.S. under_way Rates") == "osterreich s u s under way rate"


@pytest.mark.parametrize(
    ("vindex", "bare", "unicode61", "porter", "snowball_", "reason"),
    [
        ({1, 2}, {1, 2}, {1, 2}, {1, 2, 3}, {1, 2}, "same"),
        ({1, 2, 3}, {1, 2, 3}, {1, 2}, {1, 2, 3}, {1, 2, 3}, "stemming"),
        ({1, 2, 3}, {1, 2, 3}, {1, 2}, {1, 2}, {1, 2, 3}, "stemming (Porter2)"),
        ({1, 2, 4}, {1, 2}, {1, 2}, {1, 2, 3}, {1, 2, 3}, "expansion"),
        ({1, 2, 3, 4}, {1, 2, 3}, {1, 2}, {1, 2, 3}, {1, 2, 3}, "expansion+stemming"),
        ({1, 5}, {1, 5}, {1, 2}, {1, 2}, {1, 2}, "other"),
        (None, None, {1}, {1}, {1}, "refused"),
        ({1}, {1}, None, None, None, "untranslatable"),
    ],
)
def test_classify(
    vindex: set[int] | None,
    bare: set[int] | None,
    unicode61: set[int] | None,
    porter: set[int] | None,
    snowball_: set[int] | None,
    reason: str,
) -> None:
    def ids(found: set[int] | None) -> frozenset[str] | None:
        return None if found is None else frozenset(map(str, found))

    matches = {
        "vindex": ids(vindex),
        "vindex_bare": ids(bare),
        "unicode61": ids(unicode61),
        "porter": ids(porter),
        "snowball": ids(snowball_),
    }
    assert classify(matches) == reason


def test_phrase_positions_finds_words_made_adjacent_by_dropped_words() -> None:
    gap = _article("a", "Title", "The divisor is adjusted whenever stocks are split.")
    adjacent = _article("b", "Title", "It announced a two-for-one stock split.")
    apart = _article("c", "Title", "The stock fell before the split.")
    assert phrase_positions('"stock split"', gap, DROPPING)
    assert not phrase_positions('"stock split"', adjacent, DROPPING)
    assert not phrase_positions('"stock split"', apart, DROPPING)
    # Fields are separate: a phrase never runs from the title into the body.
    assert not phrase_positions('"stock split"', _article("d", "Stock", "Split."), DROPPING)


def test_tokenization_finds_words_that_only_fts5_splits_out() -> None:
    # Vindex keeps a word with inner full stops whole; unicode61 splits it.
    table = _article("a", "Holdings", "33,008,542 up 16,418, Swiss.Bank. 5,261,475 unch.")
    assert tokenization("bank", table)
    assert tokenization("bank*", table)
    assert not tokenization("bank", _article("b", "Holdings", "The bank said."))
    assert not tokenization("bank", _article("c", "Holdings", "No such word."))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("had", ""),
        ("controlled our", "controlled"),
        ('"out of"', ""),
        ('"dlrs of debt"', '"dlrs debt"'),
        ('-title:"the who" oil', "oil"),
        ("(oil OR the) prices", "( oil ) prices"),
        ("the OR oil", "oil"),
        ("oil -the", "oil"),
        ("oil OR gas", "oil OR gas"),
    ],
)
def test_without_dropped(q: str, expected: str) -> None:
    assert without_dropped(q, DROPPING) == expected


def test_fts5_tables_count_with_filters(tmp_path: Path) -> None:
    articles = [
        _article("a", "Stocks split", "Shares were split two for one."),
        _article("b", "Oil", "The stock split was approved."),
        _article("c", "Oil", "Crude prices."),
    ]
    articles[2]["section"] = "Energy"
    db = tmp_path / "fts5.sqlite"
    build_fts5(articles, db, None, TABLES)
    # The database is whole, every table in it.
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    fts5 = Fts5Matches(db)
    try:
        found = {
            table.name: fts5.ids(SearchRequest.from_params({"q": '"stock split"'}), table)
            for table in TABLES
        }
        energy = SearchRequest.from_params({"q": "crude", "section": ["Energy"]})
        assert fts5.ids(energy, TABLES[0]) == {"c"}
        assert fts5.ids(SearchRequest.from_params({"section": ["Economy"]}), TABLES[0]) == {
            "a",
            "b",
        }
    finally:
        fts5.close()
    # Only the stemming tables see "Stocks split" as "stock split".
    assert found == {"unicode61": {"b"}, "fts": {"a", "b"}, "snowball": {"a", "b"}}


def test_invariants_name_case_and_or_breaks() -> None:
    def row(q: str, total: int) -> Row:
        return Row({"q": q}, {"vindex": frozenset(map(str, range(total)))})

    rows = [row("vienna", 3), row("Vienna", 6), row("opec", 26), row("opec OR xyzzy", 25)]
    assert invariants(rows) == [
        "case: 'vienna' 3, 'Vienna' 6",
        "OR: 'opec OR xyzzy' 25 < 'opec' 26",
    ]
    assert invariants([row("oil", 5), row("OIL", 5), row("oil OR gas", 7)]) == []
