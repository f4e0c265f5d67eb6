"""The fused analyzer gives exactly the tokens of the Whoosh chain it replaces."""

from __future__ import annotations

import pickle

import pytest
from conftest import SHARED
from demo_corpus import ROOT, demo_files
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.support.charset import accent_map

from indexer.analysis import NewsAnalyzer


def whoosh_chain(language: str | None):  # type: ignore[no-untyped-def]
    chain = RegexTokenizer() | LowercaseFilter()
    if language:
        chain = chain | StopFilter(lang=language) | StemFilter(lang=language)
    return chain | CharsetFilter(accent_map)


def texts() -> list[str]:
    samples = [
        (SHARED / "examples" / "seed-article.txt").read_text(encoding="utf-8"),
        "Die Außenministerin traf in Wien den OSZE-Generalsekretär; Österreichs Haltung, "
        "U.S.A. und U.N.-Sicherheitsrat. Élections à Genève: 3.5% mehr, 1,000 dlrs.",
        "",
        "a I of the and",
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
