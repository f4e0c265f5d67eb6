"""A known name written as a part of a longer name (`indexer.entities.longer_names`).

The pure tests on the text next to a mention, then the extractor on small
English and German texts with the shipped gazetteer.
"""

from __future__ import annotations

import pytest

from indexer.entities.extract import GazetteerExtractor
from indexer.entities.gazetteer import load_gazetteer
from indexer.entities.longer_names import inside_longer_place, sponsors_event


@pytest.fixture(scope="module")
def extractor() -> GazetteerExtractor:
    return GazetteerExtractor(load_gazetteer())


def places(extractor: GazetteerExtractor, text: str, language: str = "en") -> set[str]:
    return {m.name for m in extractor.extract(text, language) if m.type == "place"}


def _inside(text: str, written: str, german: bool = False) -> bool:
    start = text.index(written)
    vocabulary = set(text.replace(".", " ").split())
    return inside_longer_place(
        text, start, start + len(written), german, lambda w: w == "Mayor", vocabulary
    )


@pytest.mark.parametrize(
    ("text", "written", "german", "inside"),
    [
        ("He then moved to Atletico Madrid in 1999.", "Madrid", False, True),
        ("The losses at General Motors Europe rose.", "Europe", False, True),
        ("They beat Samoa in the recent Los Angeles Sevens.", "Los Angeles", False, True),
        ("It was tipped for Virginia Madsen and others.", "Virginia", False, True),
        ("He flew to Madrid on Monday.", "Madrid", False, False),
        ("Madrid Airport was shut. Then it opened.", "Madrid", False, True),
        ("He said. Madrid is calm.", "Madrid", False, False),
        ("London Mayor Ken Livingstone spoke.", "London", False, False),
        ("Markets in Continental Europe fell.", "Europe", False, False),
        ("Prices in Northern Iraq rose.", "Iraq", False, False),
        ("LONDON MARKETS FALL", "LONDON", False, False),
        ("He told the 8th Antwerp Oils and Fats Days that oils are dear.", "Antwerp", False, False),
        ("Die Staatsanwaltschaft Wien klagte an.", "Wien", True, True),
        ("Eine Studie der TU Wien zeigt das.", "Wien", True, True),
        ("Das Bezirksgericht Innsbruck gab ihr recht.", "Innsbruck", True, True),
        ("Eine der größten Gemeinden Europas.", "Europas", True, False),
        ("Granaten in Richtung Abu Dhabi.", "Abu Dhabi", True, False),
        ("Dass in Wien Flüchtlinge warten.", "Wien", True, False),
    ],
)
def test_a_place_inside_a_longer_name(text: str, written: str, german: bool, inside: bool) -> None:
    assert _inside(text, written, german) is inside


@pytest.mark.parametrize(
    ("text", "sponsor", "event"),
    [
        ("She will play at the Volvo Women's Open in Pattaya.", "Volvo", True),
        ("The win at the BMW International Open went to him.", "BMW", True),
        ("After the exit from the Uefa Cup he left.", "Uefa", True),
        ("The Norwich Union Grand Prix in Birmingham.", "Norwich Union", True),
        ("Volvo said sales rose.", "Volvo", False),
        ("Uefa Cupboards are no event.", "Uefa", False),
    ],
)
def test_an_organisation_naming_an_event(text: str, sponsor: str, event: bool) -> None:
    assert sponsors_event(text, text.index(sponsor) + len(sponsor)) is event


def test_the_extractor_drops_a_town_inside_a_club_and_keeps_a_country(
    extractor: GazetteerExtractor,
) -> None:
    text = "Ranieri moved to Atletico Madrid in 1999. Air Canada flew him to Madrid."
    assert places(extractor, text) == {"Madrid", "Canada"}
    assert places(extractor, "Ranieri moved to Atletico Madrid in 1999.") == set()


def test_the_extractor_drops_a_town_inside_a_german_body(extractor: GazetteerExtractor) -> None:
    text = "Oberstaatsanwalt Herbert Harammer von der Staatsanwaltschaft Wien klagte an."
    assert places(extractor, text, "de") == set()
    assert "Vienna" in places(extractor, "Die Anklage wurde in Wien erhoben.", "de")


def test_the_extractor_drops_a_sponsor_of_an_event(extractor: GazetteerExtractor) -> None:
    text = "The former world number one will play at the Volvo Women's Open in Pattaya."
    names = {m.name for m in extractor.extract(text, "en") if m.type == "organization"}
    assert names == set()
