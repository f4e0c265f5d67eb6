"""The article's own source is no entity where the text credits it (`indexer.entities.source`)."""

from __future__ import annotations

import pytest

from indexer.entities.gazetteer import load_gazetteer
from indexer.entities.mentions import article_entities, default_extractor
from indexer.entities.source import credited, self_mentions
from indexer.ingest.article import Article, make_article


@pytest.mark.parametrize(
    ("text", "credit"),
    [
        ("a spokesman told Reuters on Monday.", True),
        ("analysts polled by Reuters said.", True),
        ("he said in an interview with Reuters.", True),
        ("a Reuters survey of economists showed.", True),
        ("responding to a Reuters query.", True),
        ("Reuters reported the deal.", True),
        ("Reuters bought Instinet for 100 mln dlrs.", False),
        ("shares in Reuters rose.", False),
    ],
)
def test_a_credit(text: str, credit: bool) -> None:
    start = text.index("Reuters")
    assert credited(text, start, start + len("Reuters")) is credit


def _wire(body: str, dateline: str) -> Article:
    return make_article(
        {
            "id": "wire-1",
            "title": "Oil prices",
            "body": [body],
            "published": "1987-03-01",
            "language": "en",
            "source": "Reuters",
            "dateline": dateline,
        }
    )


def test_a_wire_story_credited_to_its_agency_names_no_agency() -> None:
    article = _wire("Oil rose, a trader in Tokyo told Reuters. A Reuters survey agreed.", "TOKYO")
    found = article_entities(article, default_extractor(), load_gazetteer())
    assert "Reuters" not in found.organization
    assert "Tokyo" in found.place


def test_a_wire_story_about_its_agency_names_it() -> None:
    article = _wire("Reuters bought Instinet, a trader told Reuters.", "LONDON")
    found = article_entities(article, default_extractor(), load_gazetteer())
    assert "Reuters" in found.organization


def test_a_story_without_a_dateline_keeps_its_source() -> None:
    article = _wire("Oil rose, a trader told Reuters.", "")
    found = article_entities(article, default_extractor(), load_gazetteer())
    assert "Reuters" in found.organization


def _paper(body: str) -> Article:
    return make_article(
        {
            "id": "gnad-1",
            "title": "Flüchtlinge",
            "body": [body],
            "published": "2016-03-01",
            "language": "de",
            "source": "DER STANDARD",
        }
    )


def test_a_paper_naming_itself_in_capitals_is_its_organisation() -> None:
    article = _paper(
        "Eine Liste, die dem STANDARD vorliegt, nennt laut STANDARD-Informationen alles."
    )
    found = article_entities(article, default_extractor(), load_gazetteer())
    assert found.organization == ("Der Standard",)


def test_the_word_in_lower_case_or_a_capitals_line_names_no_paper() -> None:
    text = "Der Standard der Schulen ist hoch.\n\nDAS IST DER STANDARD DER SCHULEN"
    assert list(self_mentions(text, "DER STANDARD")) == []
    assert list(self_mentions("Er sagte es dem STANDARD.", "DER STANDARD")) == [(16, 24)]
