"""Every word is searchable, stop words included, and phrases are exact (issue 14 #4, #5).

A small real index of articles written for it: each query's total is exact,
so a phrase that matches a near miss, or a word that is dropped, shows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import core_over, write_jsonl

from indexer.archive.request import SearchRequest
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore, SearchResult


def article(id: str, title: str, body: str, language: str = "en") -> dict[str, Any]:
    return {
        "id": id,
        "title": title,
        "body": [body],
        "published": "2024-03-01T10:00:00+01:00",
        "section": "Tests",
        "language": language,
    }


ARTICLES = [
    article("debt-of", "Company results", "The company has 50 mln dlrs of debt outstanding."),
    article("debt-bare", "Brazil talks", "Brazil said 30 mln dlrs debt relief was agreed."),
    article("band", "The Who announce a tour", "The band will play in Vienna."),
    article("who-apart", "Minister resigns", "The minister, who spoke briefly, left."),
    article("hamlet", "Theatre", "To be or not to be, the actor said, is the question."),
    article("apart", "Not now", "Not all will be there to see it, or so it seems."),
    article("rebels", "Village taken", "Rebels controlled our village for a week."),
    article("prices", "Prices", "Prices were controlled by the state."),
    article(
        "common",
        "Common words",
        "They had all gone down before any of their friends came now.",
    ),
    article("zeit", "Die Zeit berichtet", "Die Wochenzeitung schreibt über die Wahl.", "de"),
    article("keine-zeit", "Regierung", "Die Regierung hat keine Zeit verloren.", "de"),
    article("standard", "Der Standard", "Der Standard aus Wien meldet es zuerst.", "de"),
    article("neuer-standard", "Normen", "Der neue Standard gilt ab Mai.", "de"),
    article("tuerkei", "Türkei", "Der Präsident der Türkei besuchte Österreich.", "de"),
    article("turkey-en", "Visit", "The Türkei delegation met the Präsident in Wien."),
    # Written in decomposed form (NFD): each accent a combining mark after its letter.
    article("nfd", "Hochwasser", unicodedata.normalize("NFD", "Überschwemmungen in Jülich."), "de"),
]


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchCore]:
    root = tmp_path_factory.mktemp("stop-words")
    write_jsonl(root / "corpus" / "articles.jsonl", ARTICLES)
    location = IndexLocation(root / "index")
    report = update_index(location, root / "corpus")
    assert report.indexed == len(ARTICLES) and not report.errors
    yield from core_over(location)


def search(core: SearchCore, q: str) -> SearchResult:
    return core.search(SearchRequest.from_params({"q": q, "per_page": "100"}))


def found(core: SearchCore, q: str) -> set[str]:
    return {hit.id for hit in search(core, q).hits}


def test_the_index_holds_every_word_at_its_place(core: SearchCore) -> None:
    # "The company has 50 mln dlrs of debt outstanding."
    with core._using() as state:
        searcher = state.searcher
        docnum = searcher.document_number(id="debt-of")
        places = {}
        for word in ("the", "has", "dlrs", "of", "debt"):
            matcher = searcher.reader().postings("body_en", word)
            matcher.skip_to(docnum)
            places[word] = matcher.value_as("positions")
    assert places == {"the": [0], "has": [2], "dlrs": [5], "of": [6], "debt": [7]}


@pytest.mark.parametrize("word", ["had", "before", "any", "their", "down", "all", "now"])
def test_a_query_of_one_stop_word_finds_the_articles_with_it(core: SearchCore, word: str) -> None:
    assert "common" in found(core, word)


def test_stop_words_alone_find_articles_with_all_of_them(core: SearchCore) -> None:
    assert found(core, "The Who") == {"band", "who-apart"}
    assert found(core, "was") == {"debt-bare"}


def test_a_stop_word_is_required_like_any_word(core: SearchCore) -> None:
    assert found(core, "controlled") == {"rebels", "prices"}
    assert found(core, "controlled our") == {"rebels"}


def test_a_phrase_matches_its_words_adjacent_and_in_order(core: SearchCore) -> None:
    assert found(core, '"dlrs of debt"') == {"debt-of"}
    assert found(core, '"dlrs debt"') == {"debt-bare"}
    # Within the slop asked for: one word between.
    assert found(core, '"dlrs debt"~2') == {"debt-of", "debt-bare"}


def test_phrases_of_stop_words(core: SearchCore) -> None:
    assert found(core, '"The Who"') == {"band"}
    assert found(core, '"to be or not to be"') == {"hamlet"}
    assert found(core, "to be or not to be") >= {"hamlet", "apart"}


def test_german_phrases_with_articles(core: SearchCore) -> None:
    assert found(core, '"Die Zeit"') == {"zeit"}
    assert found(core, "die zeit") == {"zeit", "keine-zeit"}
    assert found(core, '"Der Standard"') == {"standard"}


@pytest.mark.parametrize(
    "spellings",
    [
        ("Türkei", "Turkei", "TÜRKEI", "turkei"),
        ("Präsident", "Prasident", "PRÄSIDENT"),
        ("Österreich", "Osterreich", "österreich"),
    ],
)
def test_case_and_accents_do_not_change_what_is_found(
    core: SearchCore, spellings: tuple[str, ...]
) -> None:
    totals = {q: search(core, q).total for q in spellings}
    assert len(set(totals.values())) == 1 and totals[spellings[0]] > 0, totals


def test_stop_words_are_marked_in_a_phrase_not_everywhere(core: SearchCore) -> None:
    (hit,) = search(core, '"dlrs of debt"').hits
    assert "<mark>dlrs</mark> <mark>of</mark> <mark>debt</mark>" in hit.snippet_html
    # "The" and "has" are not words of the query; "of" elsewhere would not be marked.
    assert hit.snippet_html.count("<mark>") == 3


def test_an_unknown_word_is_never_corrected_to_a_stop_word(tmp_path: Path) -> None:
    # "thw" is one edit from "thaw" and from "the", which is far more common.
    extra = [article(f"the-{n}", f"The {word}", "Text.") for n, word in enumerate("abcd")]
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "a.jsonl", [*extra, article("thaw", "Thaw", "A thaw in talks.")])
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    searching = SearchCore(LiveIndex(location))
    try:
        assert search(searching, "thw").suggestion == "thaw"
    finally:
        searching.close()


@pytest.mark.parametrize("q", ["Überschwemmungen", "uberschwemmungen", "Jülich"])
def test_words_written_with_combining_accents_are_found_and_marked(
    core: SearchCore, q: str
) -> None:
    result = search(core, q)
    assert [hit.id for hit in result.hits] == ["nfd"]
    marked = unicodedata.normalize("NFC", result.hits[0].snippet_html)
    assert "<mark>Überschwemmungen</mark>" in marked or "<mark>Jülich</mark>" in marked
