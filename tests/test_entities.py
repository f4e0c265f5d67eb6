"""Entities: the extractor, datelines and precedence, on the shipped gazetteer."""

from __future__ import annotations

import re
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from indexer.entities.gazetteer import Gazetteer, load_gazetteer
from indexer.entities.mentions import (
    GazetteerExtractor,
    Mention,
    article_entities,
    dateline_places,
    default_extractor,
)
from indexer.ingest.article import Article, Entities, make_article
from indexer.ingest.importers import Drop, reuters

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "examples" / "seed-article.txt"
REUTERS = SHARED / "corpora" / "reuters21578" / reuters.ARCHIVE


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def extractor(gazetteer: Gazetteer) -> GazetteerExtractor:
    # The rules alone: the span model, which may add to them or drop one of their
    # mentions, is tested in test_entity_spans.py.
    return GazetteerExtractor(gazetteer, model=False)


def by_type(mentions: list[Mention]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"person": set(), "organization": set(), "place": set()}
    for mention in mentions:
        found[mention.type].add(mention.name)
    return found


def entities_of(entities: Entities) -> dict[str, set[str]]:
    return {kind: set(names) for kind, names in entities.to_dict().items()}


def article(**fields: object) -> Article:
    data: dict[str, object] = {"published": "2023-07-04", "language": "en"}
    data.update(fields)
    return make_article(data)


# --- The two examples of the issue ----------------------------------------------


def seed_article() -> Article:
    """The seed article as written: headline, a metadata line, then the paragraphs."""
    paragraphs = [p.strip() for p in SEED.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    title, _metadata, *body = paragraphs
    return article(title=title, body=body)


def test_seed_article_gives_exactly_its_entities(
    extractor: GazetteerExtractor, gazetteer: Gazetteer
) -> None:
    found = entities_of(article_entities(seed_article(), extractor, gazetteer))
    assert found == {
        "organization": {"OSCE"},
        "person": {"Bujar Osmani", "Helga Maria Schmid"},
        "place": {"North Macedonia", "Russia", "Ukraine"},
    }


def test_seed_article_orders_by_first_mention(
    extractor: GazetteerExtractor, gazetteer: Gazetteer
) -> None:
    entities = article_entities(seed_article(), extractor, gazetteer)
    assert entities.place == ("Russia", "Ukraine", "North Macedonia")
    assert entities.person == ("Bujar Osmani", "Helga Maria Schmid")


GERMAN = (
    "Die OSZE in Wien hat am Montag zu Gesprächen geladen. Außenminister Alexander "
    "Schallenberg sagte, Österreich unterstütze den OSZE-Vorsitz. Schallenberg betonte "
    "die Rolle Wiens als Ort des Dialogs."
)


def test_german_paragraph(extractor: GazetteerExtractor) -> None:
    found = by_type(extractor.extract(GERMAN, "de"))
    assert found == {
        "organization": {"OSCE"},
        "person": {"Alexander Schallenberg"},
        "place": {"Vienna", "Austria"},
    }


def test_german_compound_and_genitive_spans(extractor: GazetteerExtractor) -> None:
    mentions = extractor.extract(GERMAN, "de")
    spans = {GERMAN[m.start : m.end]: m.name for m in mentions}
    assert spans["OSZE"] == "OSCE"  # also inside "OSZE-Vorsitz"
    assert spans["Wiens"] == "Vienna"
    assert spans["Österreich"] == "Austria"
    assert spans["Schallenberg"] == "Alexander Schallenberg"  # the bare surname
    assert "Außenminister" not in " ".join(spans)


# --- Normalisation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "kind", "name"),
    [
        ("The OSCE's role was discussed.", "en", "organization", "OSCE"),
        ("He spoke of Russia's war.", "en", "place", "Russia"),
        ("Österreichs Neutralität ist alt.", "de", "place", "Austria"),
        ("Secretary General Helga Maria Schmid spoke.", "en", "person", "Helga Maria Schmid"),
        ("Treasury Secretary James Baker said so.", "en", "person", "James Baker"),
        ("Bundeskanzler Helmut Kohl sagte das.", "de", "person", "Helmut Kohl"),
        ("Mr. Volcker declined to comment.", "en", "person", "Paul Volcker"),
        ("Helga Schmid spoke.", "en", "person", "Helga Maria Schmid"),
    ],
)
def test_names_are_normalised(
    extractor: GazetteerExtractor, text: str, language: str, kind: str, name: str
) -> None:
    assert by_type(extractor.extract(text, language))[kind] == {name}


def test_a_title_is_never_part_of_a_name(extractor: GazetteerExtractor) -> None:
    text = "President Reagan met Prime Minister Margaret Thatcher and Dr. Kissinger."
    people = by_type(extractor.extract(text, "en"))["person"]
    assert "Margaret Thatcher" in people
    assert not any(word in name for name in people for word in ("President", "Minister", "Dr"))


def test_a_bare_surname_is_the_full_name_used_earlier(extractor: GazetteerExtractor) -> None:
    text = "Anna Berggruen, the new envoy, arrived. Berggruen said Berggruen's team was ready."
    mentions = [m for m in extractor.extract(text, "en") if m.type == "person"]
    assert [text[m.start : m.end] for m in mentions] == ["Anna Berggruen", "Berggruen", "Berggruen"]
    assert {m.name for m in mentions} == {"Anna Berggruen"}
    assert [m.source for m in mentions] == ["rule", "rule", "rule"]


def test_organisations_by_rule_are_conservative(extractor: GazetteerExtractor) -> None:
    text = (
        "Security Review Conference Convened by OSCE Chairpersonship\n\n"
        "The Security Review Conference Convened in Vienna. Shares of Kestrel Valley Bank "
        "rose, the Timber and Paper Workers Union said, and the Bank of Freedonia agreed "
        "to found an Organisation for Dialogue with the 35-member Board of Trustees."
    )
    orgs = by_type(extractor.extract(text, "en"))["organization"]
    assert orgs == {
        "OSCE",
        "Kestrel Valley Bank",
        "Timber and Paper Workers Union",
        "Bank of Freedonia",
        "Board of Trustees",
    }


def test_acronyms_in_capitals(extractor: GazetteerExtractor) -> None:
    headline = by_type(extractor.extract("US TO ASK WHO ABOUT IT", "en"))
    assert headline == {"person": set(), "organization": set(), "place": set()}
    assert "United States" in by_type(extractor.extract("Exports to the U.S. rose.", "en"))["place"]


def test_mentions_carry_spans_into_the_text(extractor: GazetteerExtractor) -> None:
    text = "Talks in Vienna."
    (mention,) = extractor.extract(text, "en")
    assert mention == Mention("place", "Vienna", 9, 15, "gazetteer")


# --- Datelines --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dateline", "body", "places"),
    [
        ("VIENNA, July 4", "", ["Vienna", "Austria"]),
        ("NEW YORK, Feb 26 -", "", ["New York", "United States"]),
        ("WIEN, 14. September", "", ["Vienna", "Austria"]),
        ("Vienna", "", ["Vienna", "Austria"]),
        ("", "WASHINGTON, March 2 - The U.S. Treasury said", ["Washington", "United States"]),
        ("", "VIENNA (Reuters) - The OSCE said", ["Vienna", "Austria"]),
        ("AUSTRIA, July 4", "", ["Austria"]),
        ("COMMACK, N.Y., Feb 26 -", "", ["United States"]),
        ("XQZVILLE, Feb 26 -", "", []),
        ("", "Vienna is a city of music.", []),
        ("", "", []),
    ],
)
def test_dateline_places(dateline: str, body: str, places: list[str], gazetteer: Gazetteer) -> None:
    assert dateline_places(dateline, body, gazetteer) == places


def test_dateline_places_join_the_article(
    extractor: GazetteerExtractor, gazetteer: Gazetteer
) -> None:
    story = article(title="Talks resume", body=["Diplomats met again."], dateline="VIENNA, July 4")
    assert article_entities(story, extractor, gazetteer).place == ("Vienna", "Austria")


# --- Precedence ----------------------------------------------------------------------


def test_editor_entities_come_first_and_are_canonicalised(
    extractor: GazetteerExtractor, gazetteer: Gazetteer
) -> None:
    story = article(
        title="Ukraine and Russia at the OSCE",
        body=["Talks in Vienna went on."],
        entities={"place": ["Wien"], "organization": ["OSZE", "Hofburg Congress Team"]},
    )
    entities = article_entities(story, extractor, gazetteer)
    assert entities.place == ("Vienna", "Ukraine", "Russia")
    assert entities.organization == ("OSCE", "Hofburg Congress Team")


def test_an_editor_typed_entity_keeps_its_type(
    extractor: GazetteerExtractor, gazetteer: Gazetteer
) -> None:
    story = article(
        title="A new wine",
        body=["Visitors to Vienna tasted the Vienna blend."],
        entities={"organization": ["Vienna"]},
    )
    entities = article_entities(story, extractor, gazetteer)
    assert entities.organization == ("Vienna",)
    assert "Vienna" not in entities.place


def test_the_default_extractor_is_cached() -> None:
    assert default_extractor() is default_extractor()


def test_the_editors_overrides_file_extends_the_extractor(tmp_path: Path) -> None:
    overrides = tmp_path / "entities.yaml"
    overrides.write_text(
        "add:\n  - {name: Vindobona, type: organization, kind: media}\nblock: [Ukraine]\n",
        encoding="utf-8",
    )
    found = by_type(default_extractor(overrides).extract("Vindobona on Ukraine.", "en"))
    assert found == {"person": set(), "organization": {"Vindobona"}, "place": set()}


# --- Bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n ",
        "a" * 1_000_000,
        "Wien" * 250_000,
        "Vienna " * 30_000,
        "Mr " * 60_000,
        "Bank " * 40_000,
        "Helga " * 40_000,
        "Mr Smith said. " * 20_000,  # each title looks back for a full name: keep it linear
        "Wien Вена 維也納 فيينا Wien",
        "\x00\x01Vienna\x1b[31m\x7f\u200b\ufeffOSCE\ud800",
        "<" * 100_000 + "Texaco Inc" + ">" * 100_000,
    ],
)
def test_bad_input_returns_without_error(extractor: GazetteerExtractor, text: str) -> None:
    mentions = extractor.extract(text, "en")
    assert all(0 <= m.start < m.end <= len(text) for m in mentions)


# --- Reuters --------------------------------------------------------------------------


def reuters_stories(*newids: str) -> dict[str, Article]:
    wanted = set(newids)
    found: dict[str, Article] = {}
    record = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
    with tarfile.open(REUTERS, "r:gz") as tar:
        for member in tar:
            if member.name.endswith("reut2-000.sgm"):
                handle = tar.extractfile(member)
                assert handle is not None
                for match in record.finditer(handle.read().decode("latin-1")):
                    document = reuters.record(match.group(1), match.group(2))
                    if not isinstance(document, Drop) and document["id"][8:] in wanted:
                        found[document["id"][8:]] = make_article(document)
                break
    return found


@pytest.mark.skipif(not REUTERS.is_file(), reason="Reuters-21578 is not in ../shared/corpora")
def test_reuters_stories_give_sensible_entities(
    extractor: GazetteerExtractor, gazetteer: Gazetteer
) -> None:
    stories = reuters_stories("2", "3", "5", "6", "7", "8")
    assert len(stories) == 6
    found = {
        newid: article_entities(replace(story, entities=Entities()), extractor, gazetteer)
        for newid, story in stories.items()
    }
    for newid, story in stories.items():
        # The gold places, at the gold's level (countries), come from the text alone.
        countries = {gazetteer.country_of(place) for place in found[newid].place}
        assert set(story.entities.place) <= countries, newid
    assert found["5"].place[:2] == ("Washington", "United States")  # the dateline
    assert found["8"].place[:2] == ("New York", "United States")
    assert "Argentina" in found["6"].place
