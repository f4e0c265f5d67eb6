"""`make_article`: validation and normalisation of the fields of SPEC §3."""

from __future__ import annotations

from typing import Any

import pytest

from indexer.article import Entities, make_article
from indexer.errors import CorpusError

VALID: dict[str, Any] = {
    "title": "Security Review Conference",
    "body": "The OSCE met in Vienna.",
    "published": "2023-07-04T23:31:00+02:00",
}


def with_(**fields: Any) -> dict[str, Any]:
    return {**VALID, **fields}


def test_minimal_article() -> None:
    article = make_article(VALID)
    assert article.to_dict() == {
        "id": "2023-07-04-security-review-conference",
        "title": "Security Review Conference",
        "lead": "",
        "body": ["The OSCE met in Vienna."],
        "section": "",
        "published": "2023-07-04T23:31:00+02:00",
        "updated": None,
        "source": "",
        "authors": [],
        "dateline": "",
        "language": "en",
        "tags": [],
        "url": "",
        "image_caption": "",
        "entities": {"person": [], "organization": [], "place": []},
    }


def test_normalisation() -> None:
    article = make_article(
        with_(
            id="given-id_1.2",
            title="  Security\n Review  ",
            body="First\nline.\n\n  \n\nSecond.",
            lead="A   lead.",
            published="2023-07-04 23:31",
            section=["Organizations", " International  Organizations "],
            author="Anna Huber, Max Berger, Anna Huber",
            tags=["OSCE", "OSCE", " security "],
            language="EN-gb",
            entities={"People": ["Helga Maria Schmid"], "locations": "Vienna, Vienna"},
        )
    )
    assert article.id == "given-id_1.2"
    assert article.title == "Security Review"
    assert article.body == ("First line.", "Second.")
    assert article.lead == "A lead."
    # A time without a zone is Vienna time (summer: +02:00).
    assert article.published.isoformat() == "2023-07-04T23:31:00+02:00"
    assert article.section == "Organizations > International Organizations"
    assert article.section_path == ("Organizations", "International Organizations")
    assert article.authors == ("Anna Huber", "Max Berger")
    assert article.tags == ("OSCE", "security")
    assert article.language == "en"
    assert article.entities == Entities(person=("Helga Maria Schmid",), place=("Vienna",))


@pytest.mark.parametrize(
    ("section", "path"),
    [
        ("A > B", "A > B"),
        ("A>B", "A > B"),
        ("A / B", "A > B"),
        ("A » B » C", "A > B > C"),
        (["A", "B"], "A > B"),
        ("", ""),
    ],
)
def test_section_paths(section: object, path: str) -> None:
    assert make_article(with_(section=section)).section == path


def test_a_section_path_deeper_than_ten_levels_is_refused() -> None:
    """Found by the fuzzer: 50,000 levels made indexing quadratic (every prefix is a value)."""
    assert make_article(with_(section=" > ".join("ABCDEFGHIJ"))).section.count(">") == 9
    with pytest.raises(CorpusError, match="section path of 11 levels"):
        make_article(with_(section=" > ".join("ABCDEFGHIJK")))
    with pytest.raises(CorpusError, match="section"):
        make_article(with_(section="a>" * 50_000))


def test_unsafe_id_is_slugified() -> None:
    assert make_article(with_(id="https://example.org/a b")).id == "https-example-org-a-b"


def test_language_is_detected_when_missing() -> None:
    article = make_article(
        with_(
            title="Die Konferenz in Wien",
            body="Die Teilnehmerstaaten der Organisation trafen sich in der Hofburg.",
        )
    )
    assert article.language == "de"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "field 'title': required and missing"),
        ({"title": "x" * 1001}, "field 'title': longer than 1000 characters"),
        ({"title": ["T"]}, "field 'title': expected a string, got a list"),
        ({"body": None}, "field 'body': an article needs a body or a lead; both are empty"),
        ({"body": "  \n\n "}, "field 'body': an article needs a body or a lead; both are empty"),
        ({"body": [1]}, "field 'body': paragraphs must be strings, got int"),
        ({"body": {"a": 1}}, "field 'body': expected text or a list of paragraphs, got an object"),
        ({"published": None}, "field 'published': required and missing"),
        ({"published": "soon"}, "field 'published': unparseable date 'soon' (no year)"),
        ({"published": 12345}, "field 'published': expected a date, got int"),
        ({"updated": "later"}, "field 'updated': unparseable date 'later' (no year)"),
        ({"language": "english"}, "field 'language': not a language code: 'english'"),
        ({"id": "%%%"}, "field 'id': cannot make a URL-safe id from it"),
        ({"section": 5}, "field 'section': expected a section path like 'A > B'"),
        ({"tags": 5}, "field 'tags': expected a list of names, got int"),
        ({"tags": [1]}, "field 'tags': names must be strings, got int"),
        (
            {"entities": {"events": ["x"]}},
            "field 'entities': unknown entity type 'events' (use person, organization, place)",
        ),
        (
            {"entities": ["x"]},
            "field 'entities': expected an object like {'person': [...], 'place': [...]}",
        ),
    ],
)
def test_invalid_fields(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(CorpusError) as raised:
        make_article(with_(**fields))
    assert str(raised.value) == f"<input>: {message}"


def test_not_a_mapping() -> None:
    with pytest.raises(CorpusError) as raised:
        make_article(["a"])  # type: ignore[arg-type]
    assert str(raised.value) == "<input>: expected an article object, got a list"
