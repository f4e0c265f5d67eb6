"""Entities by cue: names the gazetteer does not know, typed by the words around them.

Each rule of `indexer.entities.cues` on a small English or German text, with
the entities the text names, on the shipped gazetteer.
"""

from __future__ import annotations

import pytest

from indexer.entities.extract import GazetteerExtractor
from indexer.entities.gazetteer import load_gazetteer
from indexer.entities.mentions import article_entities
from indexer.ingest.article import make_article


@pytest.fixture(scope="module")
def extractor() -> GazetteerExtractor:
    # The rules alone: the span model, which may add to them or drop one of their
    # mentions, is tested in test_entity_spans.py.
    return GazetteerExtractor(load_gazetteer(), model=False)


def found(extractor: GazetteerExtractor, text: str, language: str = "en") -> set[tuple[str, str]]:
    """(type, name) of every mention of the text."""
    return {(m.type, m.name) for m in extractor.extract(text, language)}


# --- Clubs ------------------------------------------------------------------


def test_towns_written_as_teams_are_their_clubs(extractor: GazetteerExtractor) -> None:
    text = (
        "Burnley beat Leicester 2-1 on Saturday. The striker scored a goal and the "
        "manager praised the club."
    )
    assert found(extractor, text) == {("organization", "Burnley"), ("organization", "Leicester")}


def test_unknown_words_written_as_teams_are_clubs(extractor: GazetteerExtractor) -> None:
    text = (
        "Southampton manager Harry Redknapp said the match against Brentford would be "
        "hard; the league season is long."
    )
    assert found(extractor, text) == {
        ("organization", "Southampton"),
        ("person", "Harry Redknapp"),
        ("organization", "Brentford"),
    }


def test_a_club_is_named_whole_and_not_its_town(extractor: GazetteerExtractor) -> None:
    text = (
        "Queens Park Rangers drew with Sheffield Wednesday in the league match, the "
        "striker said after the goal."
    )
    assert found(extractor, text) == {
        ("organization", "Queens Park Rangers"),
        ("organization", "Sheffield Wednesday"),
    }


def test_a_town_outside_sport_stays_a_place(extractor: GazetteerExtractor) -> None:
    assert found(extractor, "Leicester beat its own record for rainfall.") == {
        ("place", "Leicester")
    }


def test_german_clubs_by_prefix_and_compound(extractor: GazetteerExtractor) -> None:
    text = (
        "Bayern-Trainer Guardiola lobte das Spiel, die Saison und den Treffer gegen "
        "Dortmund. Der FC Augsburg spielte gegen Rapid Wien."
    )
    assert found(extractor, text, "de") == {
        ("organization", "Bayern"),
        ("organization", "Dortmund"),
        ("organization", "FC Augsburg"),
        ("organization", "Rapid Wien"),
    }


# --- People -----------------------------------------------------------------


def test_a_line_up_lists_people(extractor: GazetteerExtractor) -> None:
    text = (
        "Mark Mapletoft kicked well.\n\n"
        "Replacements: Everitt for Mapletoft (53), Hodgson for Edwards (77), "
        "Strudwick for Kennedy (60), Reid for Murphy (47)"
    )
    people = {name for kind, name in found(extractor, text) if kind == "person"}
    assert people == {
        "Mark Mapletoft",
        "Everitt",
        "Hodgson",
        "Edwards",
        "Strudwick",
        "Kennedy",
        "Reid",
        "Murphy",
    }
    # "Kennedy" in a line-up is a player, not the town of the gazetteer.
    assert ("place", "Kennedy") not in found(extractor, text)


def test_an_initial_and_a_surname_in_a_line_up(extractor: GazetteerExtractor) -> None:
    text = "Bath: O Barkley; M Horak, J Bishop, T Voyce, P Richards"
    assert found(extractor, text) == {
        ("person", "O Barkley"),
        ("person", "M Horak"),
        ("person", "J Bishop"),
        ("person", "T Voyce"),
        ("person", "P Richards"),
    }


def test_people_after_their_role(extractor: GazetteerExtractor) -> None:
    text = "Midfielder Andrew Frampton and striker Deon Burton are both doubts."
    assert found(extractor, text) == {("person", "Andrew Frampton"), ("person", "Deon Burton")}
    assert found(extractor, "Dann sagte Trainer Peter Stöger nichts.", "de") == {
        ("person", "Peter Stöger")
    }


def test_the_speaker_after_said(extractor: GazetteerExtractor) -> None:
    text = '"I have got so much energy," said Lomu. The analyst Mark Pervan agreed.'
    assert found(extractor, text) == {("person", "Lomu"), ("person", "Mark Pervan")}


def test_a_weak_first_name_needs_its_surname_again(extractor: GazetteerExtractor) -> None:
    assert found(extractor, "Mark Mapletoft kicked well. Later Mapletoft left.") == {
        ("person", "Mark Mapletoft")
    }
    assert found(extractor, "Mark Twain wrote books.") == set()


# --- Organisations ----------------------------------------------------------


def test_companies_by_their_cues(extractor: GazetteerExtractor) -> None:
    text = "Shares in Yukos fell, and Xstrata's bid was rejected by the WMC board. WMC said no."
    assert found(extractor, text) == {
        ("organization", "Yukos"),
        ("organization", "Xstrata"),
        ("organization", "WMC"),
    }


def test_an_acronym_said_once_is_not_trusted(extractor: GazetteerExtractor) -> None:
    assert found(extractor, "The API changed; KEY MATCH STATS follow.") == set()


def test_a_short_form_names_the_long_one(extractor: GazetteerExtractor) -> None:
    text = "WMC Resources said no. WMC shares rose, and WMC said it would wait."
    assert found(extractor, text) == {("organization", "WMC Resources")}


def test_german_bodies_named_with_their_field_or_place(extractor: GazetteerExtractor) -> None:
    text = "Laut der Handelskammer von Thessaloniki und dem Bundesinstitut für Bildungsforschung."
    assert found(extractor, text, "de") == {
        ("organization", "Handelskammer von Thessaloniki"),
        ("organization", "Bundesinstitut für Bildungsforschung"),
    }


def test_broadcasters_and_offices(extractor: GazetteerExtractor) -> None:
    text = (
        "He watched Channel 4 and BBC Radio 4. A Home Office spokesman said the "
        "Cabinet Office agreed."
    )
    assert found(extractor, text) == {
        ("organization", "Channel 4"),
        ("organization", "BBC Radio 4"),
        ("organization", "Home Office"),
        ("organization", "Cabinet Office"),
    }


def test_party_short_forms(extractor: GazetteerExtractor) -> None:
    assert found(extractor, "The Tory leader met Lib Dem and Labour MPs.") == {
        ("organization", "Conservative Party"),
        ("organization", "Liberal Democrats"),
        ("organization", "Labour Party"),
    }
    assert found(extractor, "Die Grünen und die ÖVP stimmten zu.", "de") == {
        ("organization", "The Greens (Austria)"),
        ("organization", "ÖVP"),
    }


def test_german_public_bodies_in_one_word(extractor: GazetteerExtractor) -> None:
    text = "Das Gesundheitsministerium und die Staatsanwaltschaft ermitteln."
    assert found(extractor, text, "de") == {("organization", "Gesundheitsministerium")}


# --- Places -----------------------------------------------------------------


def test_places_by_preposition_and_head_word(extractor: GazetteerExtractor) -> None:
    text = "He lives in Pattaya, and met them at Ewood Park near Fleet Street."
    assert found(extractor, text) == {
        ("place", "Pattaya"),
        ("place", "Ewood Park"),
        ("place", "Fleet Street"),
    }


def test_continents_and_hollywood(extractor: GazetteerExtractor) -> None:
    assert found(extractor, "Trade with Europe and Asia grew, said a Hollywood studio.") == {
        ("place", "Europe"),
        ("place", "Asia"),
        ("place", "Hollywood"),
    }
    assert found(extractor, "Handel mit Europa und Asien.", "de") == {
        ("place", "Europe"),
        ("place", "Asia"),
    }


def test_german_places_by_their_endings(extractor: GazetteerExtractor) -> None:
    text = "Er wohnt in Saalfelden und arbeitet in Zukunft in der Herrengasse."
    assert found(extractor, text, "de") == {("place", "Saalfelden"), ("place", "Herrengasse")}


def test_german_districts_and_places_listed_with_a_place(extractor: GazetteerExtractor) -> None:
    text = (
        "Eine Frau aus dem Bezirk Kitzbühel fuhr nach Oberstdorf, Mittelberg und "
        "Hopfgarten, im Ortsteil Uttenhofen und im Vorfeld."
    )
    assert found(extractor, text, "de") == {
        ("place", "Bezirk Kitzbühel"),
        ("place", "Oberstdorf"),
        ("place", "Mittelberg"),
        ("place", "Hopfgarten"),
        ("place", "Uttenhofen"),
    }


# --- Wrong links undone -----------------------------------------------------


def test_a_nationality_is_no_country(extractor: GazetteerExtractor) -> None:
    assert found(extractor, "The British government said so.") == set()


def test_a_job_title_is_no_ministry(extractor: GazetteerExtractor) -> None:
    text = "Verteidigungsminister Klug besuchte das Verteidigungsministerium."
    assert found(extractor, text, "de") == {
        ("person", "Klug"),
        ("organization", "Federal Ministry of Defence (Austria)"),
    }


def test_a_town_name_that_is_a_german_noun(extractor: GazetteerExtractor) -> None:
    assert found(extractor, "Der Kiel des Schiffs brach vor Kiel.", "de") == {("place", "Kiel")}


def test_crude_oil_grades_name_nothing(extractor: GazetteerExtractor) -> None:
    text = "Brent Blend rose and West Texas Intermediate fell, traders said."
    assert found(extractor, text) == set()


def test_an_agency_credit_is_no_entity_of_the_story(extractor: GazetteerExtractor) -> None:
    assert found(extractor, "LONDON (Reuters) - Shares fell.") == set()
    assert found(extractor, "Reuters reported that shares fell.") == {("organization", "Reuters")}


def test_an_article_keeps_the_name_it_had_then(extractor: GazetteerExtractor) -> None:
    article = make_article(
        {
            "id": "fb-2015",
            "title": "Facebook buys a start-up",
            "body": ["Facebook bought the company in 2015."],
            "published": "2015-03-01",
            "language": "en",
        }
    )
    entities = article_entities(article, extractor, extractor.gazetteer)
    assert entities.organization == ("Facebook",)
