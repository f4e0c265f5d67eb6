"""`make_article`: validation and normalisation of the fields of SPEC §3."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from datetime import date
from typing import Any

import pytest
from fuzzing import time_limit

from indexer.ingest.article import Entities, make_article
from indexer.ingest.errors import CorpusError

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


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": ["a", "b"]}, "field 'id': expected a string, got a list"),
        ({"id": {"a": 1}}, "field 'id': expected a string, got an object"),
        ({"id": True}, "field 'id': expected a string, got bool"),
        ({"id": "a" * 1001}, "field 'id': longer than 1000 characters"),
        ({"lead": "w " * 60_000}, "field 'lead': longer than 100000 characters"),
        ({"source": "s" * 1001}, "field 'source': longer than 1000 characters"),
        ({"dateline": "d" * 1001}, "field 'dateline': longer than 1000 characters"),
        ({"url": "https://x.org/" + "u" * 8000}, "field 'url': longer than 8000 characters"),
        ({"image_caption": "c" * 10_001}, "field 'image_caption': longer than 10000 characters"),
        ({"language": "e" * 101}, "field 'language': longer than 100 characters"),
        ({"section": "s" * 1001}, "field 'section': longer than 1000 characters"),
        ({"published": "2023-01-01 " + "x" * 200}, "field 'published': longer than 200 characters"),
        ({"updated": ["2023-01-01"]}, "field 'updated': expected a date, got list"),
        ({"authors": ["a" * 501]}, "field 'authors': a name longer than 500 characters"),
        ({"tags": ["t" * 501]}, "field 'tags': a name longer than 500 characters"),
        (
            {"entities": {"place": ["p" * 501]}},
            "field 'entities.place': a name longer than 500 characters",
        ),
    ],
)
def test_every_scalar_field_is_bounded(fields: dict[str, Any], message: str) -> None:
    """A field of unbounded size is refused by name, whatever the reader (issue 13)."""
    with pytest.raises(CorpusError) as raised:
        make_article(with_(**fields))
    assert str(raised.value) == f"<input>: {message}"


@pytest.mark.parametrize(
    ("value", "kept"),
    [(2023, "2023"), (date(2023, 7, 4), "2023-07-04"), ("a" * 1000, "a" * 200)],
)
def test_ids_of_numbers_dates_and_long_text_are_kept_as_text(value: object, kept: str) -> None:
    # A Markdown front matter's `id: 2023-07-04` is a YAML date.
    assert make_article(with_(id=value)).id == kept


def test_an_alias_bombs_expansion_is_refused_as_an_id_without_walking_it() -> None:
    """YAML aliases make a list of 10 million items out of a few hundred bytes: 10 s, 1 GB."""
    bomb: list[Any] = ["x"] * 10
    for _ in range(6):
        bomb = [bomb] * 10
    with time_limit(), pytest.raises(CorpusError, match="field 'id': expected a string"):
        make_article(with_(id=bomb))


@pytest.mark.parametrize(
    ("field", "cap"), [("authors", 1000), ("tags", 1000), ("entities.person", 10_000)]
)
def test_name_lists_are_capped(field: str, cap: int) -> None:
    def article(count: int) -> dict[str, Any]:
        names = [f"Name Number{n:06d}" for n in range(count)]
        if field == "entities.person":
            return with_(entities={"person": names})
        return with_(**{field: names})

    with time_limit():
        accepted = make_article(article(cap))
    assert (
        len(accepted.entities.person if field == "entities.person" else getattr(accepted, field))
        == cap
    )
    with time_limit(), pytest.raises(CorpusError) as raised:
        make_article(article(100_000))
    assert str(raised.value) == f"<input>: field '{field}': 100000 names; at most {cap} are kept"


def test_entity_kinds_spelled_two_ways_are_capped_together() -> None:
    people = [f"Person {n}" for n in range(6000)]
    persons = [f"Persona {n}" for n in range(6000)]
    with pytest.raises(CorpusError) as raised:
        make_article(with_(entities={"person": people, "persons": persons}))
    assert str(raised.value) == (
        "<input>: field 'entities': 12000 person names; at most 10000 are kept"
    )


def test_ten_thousand_distinct_entities_are_deduplicated_in_linear_time() -> None:
    """Deduplicating by scanning the list so far took 5.8 s for 30,000 authors."""
    names = [f"Name Number{n:05d}" for n in range(10_000)]
    with time_limit(1.0):
        article = make_article(
            with_(entities={"person": names + names, "people": names}, tags=names[:1000] * 3)
        )
    assert article.entities.person == tuple(names)
    assert article.tags == tuple(names[:1000])


def test_with_entities_is_replace_of_the_entities() -> None:
    article = make_article(
        {
            "title": "Talks in Vienna",
            "body": "Ministers met.",
            "published": "2023-07-04T21:31:00+02:00",
            "tags": ["talks"],
            "entities": {"place": ["Wien"]},
        }
    )
    entities = Entities(person=("Helga Maria Schmid",), place=("Vienna", "Austria"))
    enriched = article.with_entities(entities)
    assert enriched == replace(article, entities=entities)
    assert enriched.entities is entities and article.entities == Entities(place=("Wien",))
    assert hash(enriched) == hash(replace(article, entities=entities))
    with pytest.raises(FrozenInstanceError):
        enriched.title = "changed"  # type: ignore[misc]


def test_the_space_is_the_only_printable_whitespace() -> None:
    # article._clean leaves a printable text without double or outer spaces as it is.
    assert [c for c in map(chr, range(0x110000)) if c.isspace() and c.isprintable()] == [" "]


@pytest.mark.parametrize(
    "text",
    ["a b", " a", "a ", "a  b", "a\tb", "a\nb", "a\x1cb", "a\x85b", "a\xa0b", "x\u2028y", ""],
)
def test_clean_collapses_whitespace_as_split_and_join(text: str) -> None:
    article = make_article({"title": text + "T", "body": "x", "published": "2023"})
    assert article.title == " ".join((text + "T").split())
