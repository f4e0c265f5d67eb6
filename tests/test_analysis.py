"""The fused analyzer gives exactly the tokens of the Whoosh chain it replaces,
keeps every word at its true position, and folds accents before it stems."""

from __future__ import annotations

import pickle
import unicodedata

import pytest
from conftest import SHARED
from demo_corpus import ROOT, demo_files
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter

from indexer.embedded.index.analysis import FOLD_MAP, WORD_PATTERN, NewsAnalyzer, stop_words


def whoosh_chain(language: str | None):  # type: ignore[no-untyped-def]
    chain = RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | CharsetFilter(FOLD_MAP)
    if language:
        chain = chain | StemFilter(lang=language, ignore=stop_words(language))
    return chain


def texts() -> list[str]:
    samples = [
        (SHARED / "examples" / "seed-article.txt").read_text(encoding="utf-8"),
        "Die Außenministerin traf in Wien den OSZE-Generalsekretär; Österreichs Haltung, "
        "U.S.A. und U.N.-Sicherheitsrat. Élections à Genève: 3.5% mehr, 1,000 dlrs. "
        "İstanbul, Œuvre, Ærø, Łódź.",
        "",
        "a I of the and",
        "Was it the Präsident's Straße? Die Zeit; Der Standard, The Who: to be or not to be.",
    ]
    # The committed demo articles, never an editor's upload beside them.
    for path in [p for p in demo_files() if p.suffix == ".md"][:12]:
        samples.append((ROOT / "corpus" / path).read_text(encoding="utf-8"))
    return samples


def tokens(analyzer, text: str, **options: object) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return [
        (
            t.text,
            getattr(t, "pos", None),
            getattr(t, "startchar", None),
            getattr(t, "endchar", None),
            t.stopped,
            getattr(t, "original", None),
        )
        for t in analyzer(text, **options)
    ]


@pytest.mark.parametrize("language", ["en", "de", None])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"positions": True, "chars": True},
        {"positions": True, "chars": True, "removestops": False, "keeporiginal": True},
        {"positions": True, "start_pos": 5, "start_char": 7},
        {"no_morph": True},
        {"mode": "query"},
    ],
)
def test_same_tokens_as_whoosh(language: str | None, options: dict[str, object]) -> None:
    ours, theirs = NewsAnalyzer(language), whoosh_chain(language)
    for text in texts():
        assert tokens(ours, text, **options) == tokens(theirs, text, **options)


def test_pickles_with_the_schema() -> None:
    analyzer = pickle.loads(pickle.dumps(NewsAnalyzer("de")))
    assert analyzer == NewsAnalyzer("de")
    assert [t.text for t in analyzer("Österreichs Außenministerinnen")] == [
        t.text for t in whoosh_chain("de")("Österreichs Außenministerinnen")
    ]
    assert NewsAnalyzer("en").has_morph() and not NewsAnalyzer(None).has_morph()


def words(language: str | None, text: str) -> list[tuple[str, int]]:
    return [(t.text, t.pos) for t in NewsAnalyzer(language)(text, positions=True)]


@pytest.mark.parametrize("language", ["en", "de", None])
def test_every_word_is_kept_at_its_true_position(language: str | None) -> None:
    # Stop words too (Whoosh's StopFilter dropped them and renumbered the rest,
    # so "dlrs of debt" was "dlrs debt"); they are not stemmed ("was", not "wa").
    assert words(language, "dlrs of debt")[1] == ("of", 1)
    assert [w for w, _ in words(language, "The Who, to be or not to be")] == [
        "the", "who", "to", "be", "or", "not", "to", "be"
    ]  # fmt: skip
    assert words(language, "Die Zeit: Der Standard")[0::2] == [("die", 0), ("der", 2)]
    assert words(language, "it was a G-6 deal")[:4] == [("it", 0), ("was", 1), ("a", 2), ("g", 3)]


@pytest.mark.parametrize("language", ["en", "de", None])
@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("Türkei", "Turkei"),
        ("Österreichs", "Osterreichs"),
        ("Präsident", "Prasident"),
        ("Märkte", "Markte"),
        ("Außenministerin", "Aussenministerin"),
        ("STRASSE", "Straße"),
        ("für", "fur"),
        # "İ".lower() is "i" and a combining dot.
        ("İstanbul", "Istanbul"),
        ("Ærø", "Aero"),
    ],
)
def test_accents_are_folded_before_stemming(
    language: str | None, accented: str, plain: str
) -> None:
    # The stemmers read "ä" and "a" differently ("prasident" -> "prasid", but
    # "präsident" stayed whole); "ß" is the "ss" German writes without it.
    assert words(language, accented) == words(language, plain) == words(language, plain.upper())


@pytest.mark.parametrize("language", ["en", "de", None])
def test_decomposed_accents_stay_inside_their_word(language: str | None) -> None:
    # Text in decomposed form (NFD: "O" and a combining diaeresis, as macOS file
    # names and some editors write it) was split at the accent: "o", "sterreich".
    composed = "Österreichs Außenministerin in Genève, Łódź und Türkei"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    analyzer = NewsAnalyzer(language)
    words = [t.text for t in analyzer(composed)]
    assert [t.text for t in analyzer(decomposed)] == words
    # Offsets point into the text as written, accents included.
    first = next(iter(analyzer(decomposed, chars=True)))
    written = decomposed[first.startchar : first.endchar]
    assert written == unicodedata.normalize("NFD", "Österreichs")
