"""Suggestions while a reader types (indexer/embedded/search/suggest.py), on the demo archive.

Entities by the start of their name or of one of its words, most named
first (at most half of the list), then titles by prefixes of their words
(each word also by its stem), each title once.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from api_app import demo_index
from whoosh.query import And, Or, Prefix

from indexer.archive.results import Suggestion
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.engine import evaluate
from indexer.embedded.search.suggest import MAX_PREFIX, NameIndex, clean_prefix, title_query
from indexer.embedded.search.title_matches import TitleMatches


def titles(found: list[Suggestion]) -> list[str]:
    return [item.value for item in found if item.type == "title"]


def test_entities_first_most_named_first_then_titles(demo: SearchCore) -> None:
    assert demo.suggest("osc", limit=6) == [
        Suggestion("OSCE", "organization", count=19),
        Suggestion("OSCE Special Monitoring Mission to Ukraine", "organization", count=4),
        Suggestion("OSCE Ministerial Council", "organization", count=1),
        Suggestion(
            "OSCE Ministerial Council Opens in Skopje",
            "title",
            id="2023-11-30-osce-ministerial-council-opens-in-skopje",
        ),
        Suggestion(
            "OSCE Ministerial Council in Bratislava Concludes",
            "title",
            id="2019-12-06-osce-ministerial-council-in-bratislava-concludes",
        ),
        Suggestion(
            "Feridun Sinirlioğlu Takes Office as OSCE Secretary General",
            "title",
            id="vindobona-2024-feridun-sinirlioglu-takes-office-as-osce-secretary-general",
        ),
    ]


def test_an_entity_is_found_by_any_of_its_words(demo: SearchCore) -> None:
    """Wien is the last word of an organisation's name; every title word counts too."""
    found = demo.suggest("Wien ", limit=6)
    assert found[0] == Suggestion("Büro der Vereinten Nationen in Wien", "organization", count=1)
    assert titles(found) == [
        "Schallenberg empfängt slowakischen Amtskollegen Blanár in Wien",
        "UNIDO-Generalkonferenz berät in Wien über nachhaltige Industrialisierung",
        "Exporttag in Wien: Österreichs Unternehmen suchen neue Märkte",
        "Internationales OPEC-Seminar bringt Energieministerinnen und Energieminister nach Wien",
        "Ghada Waly übernimmt die Leitung von UNODC und dem UNO-Büro in Wien",
    ]


def test_entities_take_at_most_half_of_the_list(demo: SearchCore) -> None:
    found = demo.suggest("vie", limit=6)
    assert [(item.value, item.type) for item in found[:3]] == [
        ("Vienna", "place"),
        ("Vienna International Centre", "place"),
        ("City of Vienna", "organization"),
    ]
    assert [item.type for item in found[3:]] == ["title"] * 3
    # A list of one still has its entity.
    assert demo.suggest("vie", limit=1) == [Suggestion("Vienna", "place", count=63)]


def test_every_typed_word_begins_a_title_word(demo: SearchCore) -> None:
    assert demo.suggest("iaea dir") == [
        Suggestion(
            "Rafael Mariano Grossi Takes Office as IAEA Director General",
            "title",
            id="2019-12-03-rafael-mariano-grossi-takes-office-as-iaea-director-general",
        )
    ]
    # A whole word is longer than its stem ("ministeri"): found all the same.
    assert titles(demo.suggest("ministerial")) == [
        "OSCE Ministerial Council Opens in Skopje",
        "OSCE Ministerial Council in Bratislava Concludes",
        "OSCE Ministerial Council Appoints Helga Maria Schmid as Secretary General",
    ]


@pytest.mark.parametrize("typed", ["", "a", " a ", "zzzq", "sicherh"])
def test_too_short_or_unknown_gives_nothing(demo: SearchCore, typed: str) -> None:
    assert demo.suggest(typed) == []


def test_what_is_typed_is_trimmed() -> None:
    assert clean_prefix("  ja \t  pan  ") == "ja pan"
    assert clean_prefix("x" * (MAX_PREFIX + 50)) == "x" * MAX_PREFIX


def test_title_query_is_a_prefix_per_word_and_language() -> None:
    query = title_query("Ministerial")
    assert isinstance(query, And) and len(query.subqueries) == 1
    (per_language,) = query.subqueries
    assert isinstance(per_language, Or)
    prefixes = {(leaf.fieldname, leaf.text) for leaf in per_language.leaves()}
    assert all(isinstance(leaf, Prefix) for leaf in per_language.leaves())
    assert {"title_en", "title_de", "title_xx"} == {field for field, _ in prefixes}
    assert ("title_en", "ministeri") in prefixes
    assert ("title_en", "ministerial") in prefixes


def test_the_name_index_files_names_and_their_words_once() -> None:
    empty = NameIndex()
    names = [("place", "Vienna International Centre"), ("organization", "OSCE")]
    index = empty.with_names([*names, names[0]])
    assert index.entries == names
    assert index.keys == [
        ("centre", 0),
        ("international", 0),
        ("osce", 1),
        ("vienna", 0),
        ("vienna international centre", 0),
    ]
    # Nothing new: the same index, so the next index state reuses it.
    assert index.with_names([names[1]]) is index
    grown = index.with_names([("place", "Vienna")])
    assert grown is not index and index.entries == names
    assert grown.numbers[("place", "Vienna")] == 2
    assert [key for key in grown.keys if key[0] == "vienna"] == [("vienna", 0), ("vienna", 2)]


@pytest.mark.parametrize(
    "typed", ["o", "osc", "Wien ", "iaea dir", "ministerial", "vie", "s", "ba o", "zzzq"]
)
def test_title_matches_are_the_engines_answer_to_the_title_query(
    demo: SearchCore, typed: str
) -> None:
    """The same documents and the very same scores (not merely close): the order of
    suggestions among equal scores depends on it."""
    with demo._using() as state:
        expected_mask, expected_scores = evaluate(title_query(typed), state.postings)
        mask, scores = TitleMatches(state.postings).match(typed)
    assert mask.any() == (typed != "zzzq")
    assert np.array_equal(mask, expected_mask)
    assert np.array_equal(scores, expected_scores)


def test_threads_suggesting_at_once_get_the_answers_of_one_thread(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Each thread's answers are those a lone caller gets (on a new core: its caches
    fill while the threads race)."""
    location = IndexLocation(demo_index(tmp_path_factory))
    typed = ["os", "osc", "vie", "wi", "min", "iaea d", "s", "ba o", "wien"]
    alone = SearchCore(LiveIndex(location))
    shared = SearchCore(LiveIndex(location))
    start = threading.Barrier(8)

    def run(offset: int) -> dict[str, list[Suggestion]]:
        start.wait()
        order = typed[offset:] + typed[:offset]
        return {prefix: shared.suggest(prefix) for prefix in order * 3}

    try:
        expected = {prefix: alone.suggest(prefix) for prefix in typed}
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(run, range(8)))
    finally:
        alone.close()
        shared.close()
    assert all(found == expected for found in answers)
