"""Entity expansion on the demo archive: a name finds the articles about it in every query.

A word that names a gazetteer entity (`iaea`, `Wien`, `Österreich`) also
matches that entity's field, and it does so wherever it stands: alone, inside
OR, AND, NOT and parentheses, whatever its case and accents. So the set of
articles a word finds is the same in every query, and the set algebra a
reader expects holds: `A OR B` finds what `A` finds and more, `A -B` is `A`
without what `B` finds.
"""

from __future__ import annotations

import pytest
from whoosh.query import Term

from indexer.archive.request import SearchRequest
from indexer.embedded.index.schema import SEARCH_BOOSTS, SEARCH_FIELDS, build_schema
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.expand import EntityWords
from indexer.embedded.search.highlight import query_terms
from indexer.embedded.search.textquery import parse_text_query
from indexer.entities.gazetteer import load_gazetteer


def ids(core: SearchCore, q: str, **params: str) -> set[str]:
    """Every article the query finds (the demo archive has fewer than 100)."""
    result = core.search(SearchRequest.from_params({"q": q, "per_page": "100", **params}))
    assert result.total <= 100
    return {hit.id for hit in result.hits}


# Item 1: OR, AND, NOT and groups keep each word's entity matches.


def test_or_finds_the_union_of_its_words(demo: SearchCore) -> None:
    iaea, opec = ids(demo, "iaea"), ids(demo, "opec")
    assert len(iaea) == 17 and len(opec) == 8
    assert ids(demo, "iaea OR xyzzy") == iaea
    union = ids(demo, "iaea OR opec")
    assert union == iaea | opec
    assert len(union) == 23


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("(iaea OR opec) vienna", lambda s: (s["iaea"] | s["opec"]) & s["vienna"]),
        ("vienna (iaea OR opec)", lambda s: (s["iaea"] | s["opec"]) & s["vienna"]),
        ("iaea AND vienna", lambda s: s["iaea"] & s["vienna"]),
        ("iaea vienna", lambda s: s["iaea"] & s["vienna"]),
        ("iaea -vienna", lambda s: s["iaea"] - s["vienna"]),
        ("iaea NOT vienna", lambda s: s["iaea"] - s["vienna"]),
        ("opec -(iaea OR wien)", lambda s: s["opec"] - s["iaea"] - s["vienna"]),
        ("(opec OR iaea) OR (osce OR xyzzy)", lambda s: s["opec"] | s["iaea"] | s["osce"]),
    ],
)
def test_a_word_finds_the_same_articles_in_every_structure(
    demo: SearchCore, q: str, expected: object
) -> None:
    single = {w: ids(demo, w) for w in ("iaea", "opec", "vienna", "osce")}
    assert callable(expected)
    assert ids(demo, q) == expected(single)


def test_excluding_a_name_excludes_the_articles_about_it(demo: SearchCore) -> None:
    # What `wien` finds and what `-wien` leaves are complements: together, all articles.
    everything = ids(demo, "")
    about = ids(demo, "Wien")
    assert about and ids(demo, "osce -Wien") == ids(demo, "osce") - about
    assert ids(demo, "osce NOT Wien") == ids(demo, "osce") - about
    assert ids(demo, "osce Wien") | ids(demo, "osce -Wien") == ids(demo, "osce")
    assert about < everything


# Items 2 and 3: the same articles whatever the case and accents.


@pytest.mark.parametrize(
    "spellings",
    [
        ("Österreich", "Osterreich", "österreich", "OSTERREICH", "ÖSTERREICH"),
        ("Türkei", "Turkei", "türkei", "TURKEI"),
        ("vienna", "Vienna", "VIENNA", "vIeNnA"),
        ("wien", "Wien", "WIEN"),
        ("iaea", "IAEA", "Iaea"),
        ("osze", "OSZE", "osce", "OSCE"),
    ],
)
def test_case_and_accents_do_not_change_what_a_name_finds(
    demo: SearchCore, spellings: tuple[str, ...]
) -> None:
    found = [ids(demo, spelling) for spelling in spellings]
    assert found[0] and all(f == found[0] for f in found), [len(f) for f in found]


def test_each_name_of_an_entity_finds_its_articles(demo: SearchCore) -> None:
    # An alias finds at least every article carrying the entity: Wien, Vienna, Österreich.
    assert ids(demo, "Vienna", place="Vienna") <= ids(demo, "wien")
    assert ids(demo, "", place="Vienna") <= ids(demo, "vienna")
    assert ids(demo, "", place="Austria") <= ids(demo, "Österreich") == ids(demo, "Austria")


def test_common_words_that_are_also_names_do_not_widen_the_search(demo: SearchCore) -> None:
    # "us" and "who" are words before they are the United States and the WHO:
    # whatever the case, they find what the text says.
    assert ids(demo, "US") == ids(demo, "us")
    assert ids(demo, "WHO") == ids(demo, "who")


def test_a_field_query_finds_the_entitys_other_names_in_that_field(demo: SearchCore) -> None:
    # `title:wien` is about titles that name Vienna, in German or in English.
    in_titles = ids(demo, "title:wien")
    assert in_titles == ids(demo, "title:Vienna") == ids(demo, "title:VIENNA")
    english = demo.search(SearchRequest.from_params({"q": "title:wien", "language": "en"}))
    assert english.total > 0
    assert all("<mark>Vienna</mark>" in hit.title_html for hit in english.hits)
    # ... and only titles: not every article about Vienna.
    assert in_titles < ids(demo, "wien")


def test_phrases_stay_as_written(demo: SearchCore) -> None:
    # A quoted name is the text as written: no expansion.
    assert ids(demo, '"wien"') < ids(demo, "wien")


# Which words name an entity: decided on the folded word.


@pytest.mark.parametrize(
    ("word", "name"),
    [
        ("Wien", "Vienna"),
        ("WIEN", "Vienna"),
        ("wien,", "Vienna"),
        ("Osterreich", "Austria"),
        ("ÖSTERREICH", "Austria"),
        ("turkei", "Turkey"),
        ("osze", "OSCE"),
        ("U.S.", "United States"),
        ("u.s", "United States"),
        ("eu", "European Union"),
        ("Oregon", "Oregon"),
        # Stop words stay words, in any case.
        ("US", None),
        ("who", None),
        ("Die", None),
        # An abbreviation without its full stop is a word: "Ore." is Oregon, "ore" is ore.
        ("ore", None),
        ("Mass", None),
        ("xyzzy", None),
    ],
)
def test_which_words_name_an_entity(word: str, name: str | None) -> None:
    entry = EntityWords(load_gazetteer()).entity(word)
    assert (entry.name if entry is not None else None) == name


def test_a_field_query_looks_for_names_not_for_stop_words_or_abbreviations() -> None:
    words = EntityWords(load_gazetteer())
    oregon, usa = words.entity("oregon"), words.entity("usa")
    assert oregon is not None and usa is not None
    # "Ore." would be the word ore in titles, "US" the word us.
    assert words.names(oregon) == ("Oregon", "Oregon State")
    assert "US" not in words.names(usa) and "U.S." in words.names(usa)


# The parsed query: one unit per word, entity terms apart from the text terms.


def _parse(q: str) -> object:
    words = EntityWords(load_gazetteer())
    query, _ = parse_text_query(
        q, build_schema(), SEARCH_FIELDS, SEARCH_BOOSTS, plugins=[words.plugin()]
    )
    return query


def test_the_entity_term_survives_flattening_of_or() -> None:
    query = _parse("iaea OR opec")
    entity_terms = {
        (leaf.fieldname, leaf.text)
        for leaf in query.leaves()  # type: ignore[attr-defined]
        if isinstance(leaf, Term) and leaf.fieldname == "organization"
    }
    assert entity_terms == {
        ("organization", "IAEA"),
        ("organization", "OPEC"),
    }


def test_highlighting_looks_for_text_terms_only() -> None:
    terms = query_terms(_parse("Wien OR Österreich"))  # type: ignore[arg-type]
    assert terms == {
        "en": frozenset({"wien", "osterreich"}),
        "de": frozenset({"wien", "osterreich"}),
        "xx": frozenset({"wien", "osterreich"}),
    }
