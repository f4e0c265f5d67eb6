"""Wire headlines on the cluster backend: in headline case, as the embedded backend shows them.

The document of an article (`to_document`) and the parsers of documented
answer shapes (hits, the article page, related articles, completions), each
against expected JSON; the casing itself is `indexer.archive.titles`
(tests/test_titles.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from indexer.archive.results import Suggestion
from indexer.ingest.article import Article
from indexer.opensearch.documents import related_article, stored_article, to_document
from indexer.opensearch.highlights import marked, parse_reading, unmarked
from indexer.opensearch.suggestions import parse_completions

WIRE = "VOLCKER REAFFIRMS G-6 NEGOTIATING PROCESS"
SHOWN = "Volcker Reaffirms G-6 Negotiating Process"
SOURCE: dict[str, Any] = {
    "id": "reuters-10136",
    "title": WIRE,
    "display_title": SHOWN,
    "lead": "Volcker said.",
    "body": "The G-6 process goes on.",
    "published_iso": "1987-04-07T10:00:00+00:00",
    "language": "en",
}
# A document written before display titles were stored: the title only, indexed as written.
OLDER = {k: v for k, v in SOURCE.items() if k != "display_title"}


def article(title: str) -> Article:
    return Article(
        "reuters-10136", title, datetime(1987, 4, 7, 10, tzinfo=UTC), lead="Volcker said."
    )


def test_a_wire_headline_is_stored_and_indexed_as_shown() -> None:
    doc = to_document(article(WIRE), file="reuters.jsonl")
    assert (doc["title"], doc["display_title"], doc["title_xx"]) == (WIRE, SHOWN, SHOWN)
    assert doc["title_suggest"] == {"input": [WIRE]}


def test_a_title_in_the_writers_case_has_no_display_title() -> None:
    doc = to_document(article("Volcker reaffirms the G-6 process"), file="a.jsonl")
    assert "display_title" not in doc
    assert doc["title_xx"] == "Volcker reaffirms the G-6 process"


def test_a_hit_shows_the_readable_title_with_its_words_marked() -> None:
    document = {
        "_source": SOURCE,
        "highlight": {"title_en": ["<mark>Volcker</mark> Reaffirms G-6 Negotiating Process"]},
    }
    title_html, _ = marked(document)
    assert title_html == "<mark>Volcker</mark> Reaffirms G-6 Negotiating Process"


def test_an_older_document_shows_the_readable_title_unmarked() -> None:
    # Its title field holds the capitals: those marks would show the headline shouting.
    document = {
        "_source": OLDER,
        "highlight": {"title_en": ["<mark>VOLCKER</mark> REAFFIRMS G-6 NEGOTIATING PROCESS"]},
    }
    assert marked(document)[0] == SHOWN
    stored = stored_article(OLDER)
    assert (stored.title, stored.display_title) == (WIRE, SHOWN)
    assert related_article(OLDER, {}).title == SHOWN


def test_the_article_page_marks_the_readable_title() -> None:
    stored = stored_article(SOURCE)
    assert unmarked(stored).title_html == SHOWN
    answer = {
        "hits": {
            "total": {"value": 1, "relation": "eq"},
            "hits": [
                {
                    "_id": "reuters-10136",
                    "_score": 1.0,
                    "highlight": {
                        "title_en": ["Volcker Reaffirms <mark>G-6</mark> Negotiating Process"]
                    },
                }
            ],
        }
    }
    page = parse_reading(answer, stored)
    assert page.title_html == "Volcker Reaffirms <mark>G-6</mark> Negotiating Process"
    assert page.marked


def test_title_completions_show_wire_headlines_readable_once() -> None:
    options = [
        {"text": WIRE, "_index": "vindex-1", "_id": "reuters-10136", "_score": 1.0},
        {"text": "Volcker Reaffirms G-6 Negotiating Process", "_id": "copy", "_score": 1.0},
        {"text": "Volcker's view", "_id": "view", "_score": 1.0},
    ]
    answer = {
        "suggest": {"titles": [{"text": "volc", "offset": 0, "length": 4, "options": options}]}
    }
    assert parse_completions(answer, "volc", 8) == [
        Suggestion(SHOWN, "title", id="reuters-10136"),
        Suggestion("Volcker's view", "title", id="view"),
    ]
