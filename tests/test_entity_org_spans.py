"""An organisation's span as a reader writes the name (`indexer.entities.org_spans`)."""

from __future__ import annotations

import pytest

from indexer.entities.extract import GazetteerExtractor
from indexer.entities.gazetteer import load_gazetteer
from indexer.entities.org_spans import organisation_span


@pytest.fixture(scope="module")
def extractor() -> GazetteerExtractor:
    return GazetteerExtractor(load_gazetteer())


def organisations(extractor: GazetteerExtractor, text: str, language: str = "en") -> set[str]:
    return {m.name for m in extractor.extract(text, language) if m.type == "organization"}


@pytest.mark.parametrize(
    ("text", "span", "written"),
    [
        (
            "The head of Surrey's Lionhead Studios spoke.",
            "Surrey's Lionhead Studios",
            "Lionhead Studios",
        ),
        (
            "The Bank's Monetary Policy Committee met.",
            "Bank's Monetary Policy Committee",
            "Monetary Policy Committee",
        ),
        (
            "The US-based Massachusetts Institute of Technology said no.",
            "US-based Massachusetts Institute of Technology",
            "Massachusetts Institute of Technology",
        ),
        (
            "Girls from St Egwin's Middle School came.",
            "St Egwin's Middle School",
            "St Egwin's Middle School",
        ),
        ("Die Firma, Cyanogen Inc. betreibt das.", "Cyanogen Inc", "Cyanogen Inc."),
        (
            "Banken – Privatbank, Savings Bank of Ukraine und Ukreximbank – fielen.",
            "Savings Bank of Ukraine und Ukreximbank",
            "Savings Bank of Ukraine",
        ),
        (
            "The Department for Education and Skills said.",
            "Department for Education and Skills",
            "Department for Education and Skills",
        ),
    ],
)
def test_an_organisation_as_written(text: str, span: str, written: str) -> None:
    start = text.index(span)
    trimmed = organisation_span(text, start, start + len(span))
    assert trimmed is not None
    assert text[trimmed[0] : trimmed[1]] == written


def test_a_location_adjective_alone_names_nothing() -> None:
    text = "He elevated the Galway-based coach."
    start = text.index("Galway-based")
    assert organisation_span(text, start, start + len("Galway-based")) is None


def test_the_extractor_names_an_owned_organisation_as_written(
    extractor: GazetteerExtractor,
) -> None:
    text = "The head of Surrey's Lionhead Studios was granted the honour."
    assert "Lionhead Studios" in organisations(extractor, text)
    assert "Surrey's Lionhead Studios" not in organisations(extractor, text)


def test_initials_before_a_surname_are_no_organisation(extractor: GazetteerExtractor) -> None:
    text = "Irishmen JP McManus and John Magnier own shares. JP McManus said no."
    assert "JP" not in organisations(extractor, text)


def test_a_word_ending_a_longer_name_before_side_is_no_club(
    extractor: GazetteerExtractor,
) -> None:
    text = (
        "He was beaten by a powerful All Black side in the decider. The coach and the "
        "players of the league match scored a goal."
    )
    assert "Black" not in organisations(extractor, text)
