"""The extractor's view of a text: words, spans, lines, sentence starts (entities/tokens.py)."""

from __future__ import annotations

import pytest

from indexer.entities.extract import GazetteerExtractor
from indexer.entities.gazetteer import load_gazetteer
from indexer.entities.memo import Memo
from indexer.entities.names import is_title, load_titles, may_hold_compound_titles
from indexer.entities.tokens import Tokens, tokenise


def spans(tokens: Tokens) -> list[tuple[str, int, int]]:
    return list(zip(tokens.words, tokens.starts, tokens.ends, strict=True))


def test_words_and_spans_without_possessives() -> None:
    text = "Schmid's role at O'Brien’s AT&T, it's-a U.S. deal."
    tokens = tokenise(text)
    assert spans(tokens) == [
        ("Schmid", 0, 6),
        ("role", 9, 13),
        ("at", 14, 16),
        ("O'Brien", 17, 24),
        ("AT&T", 27, 31),
        ("it's-a", 33, 39),
        ("U.S", 40, 43),
        ("deal", 45, 49),
    ]
    for word, start, end in spans(tokens):
        assert text[start:end] == word


def test_sentence_starts_after_ends_but_not_abbreviations() -> None:
    text = "Mr. Volcker said: rates. Then James A. Baker came! A's. Next A. Last\nNew line"
    tokens = tokenise(text)
    starting = [w for w, s in zip(tokens.words, tokens.sentence_starts, strict=True) if s]
    # "Mr." and "A." are abbreviations; "A's." ends a sentence (the gap is "'s. ").
    assert starting == ["Mr", "rates", "Then", "A", "Next", "New"]


def test_lines_and_their_kinds() -> None:
    text = (
        "US TO CUT RATES\n\n"
        "Commission on Narcotic Drugs Concludes Session\n"
        "The Fed said on Tuesday it would cut rates.\n"
        "---\n"
        "Smith"
    )
    tokens = tokenise(text)
    assert tokens.line_starts == [0, 17, 64, 108, 112]
    assert tokens.caps == [True, False, False, False, False]
    # The Title Case line is read by the gazetteer only; "---" has no words.
    assert tokens.rules == [False, False, True, True, True]
    assert tokens.lines == [0] * 4 + [1] * 6 + [2] * 9 + [4]
    assert [tokens.words[i] for i in tokens.ruled] == [*tokens.words[10:19], "Smith"]


@pytest.mark.parametrize(
    ("word", "caps", "rules"),
    [("WORD", True, False), ("Word word", False, True), ("Name", False, False)],
)
def test_a_line_too_long_for_packed_counts_is_counted_exactly(
    word: str, caps: bool, rules: bool
) -> None:
    # 40,000 words on one line: past the 15 bits of a packed count.
    tokens = tokenise(" ".join([word] * 40_000))
    assert (tokens.caps, tokens.rules) == ([caps], [rules])
    short = tokenise(" ".join([word] * 100))
    assert (short.caps, short.rules) == (tokens.caps, tokens.rules)


def test_the_memo_computes_once_and_stays_bounded() -> None:
    calls: list[str] = []

    def length(word: str) -> int:
        calls.append(word)
        return len(word)

    memo = Memo(length, bound=3)
    assert [memo[w] for w in ["a", "bb", "a", "ccc"]] == [1, 2, 1, 3]
    assert calls == ["a", "bb", "ccc"]
    memo["dddd"]
    assert len(memo) <= 3


@pytest.mark.parametrize(
    "word",
    [
        "Außenminister",
        "AUSSENMINISTERIN",
        "Bundespräsidentin",
        "Vizekanzler",
        "Generalsekretär",
        "Sonderbotschafter",
        "Museumsdirektorin",
        "Minister",
        "Ministerpräsident",
    ],
)
def test_a_compound_title_is_never_missed_by_the_stem_test(word: str) -> None:
    assert is_title(word, load_titles())
    assert may_hold_compound_titles(f"Gestern sagte {word} Muster, dass")


def test_a_text_without_stems_holds_only_listed_titles() -> None:
    text = "President Reagan met Chancellor Kohl and Director Smith."
    assert not may_hold_compound_titles(text)


def test_the_automatons_sentinel_words_are_never_mentions() -> None:
    # aliases.py adds "e\uffff", " \uffff"... to speed the automaton up; a text may hold them.
    extractor = GazetteerExtractor(load_gazetteer())
    text = "e\uffff Talks in Vienna \uffff n\uffff US\uffff"
    assert [(m.name, m.start, m.end) for m in extractor.extract(text, "en")] == [
        ("Vienna", 12, 18),
        ("United States", 24, 26),
    ]
