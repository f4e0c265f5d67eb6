"""Five articles (English and German, five sections, entities, dates at a year's edge) that
the request model's, the text query's and the engine's tests search in a small real index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.index import Index

from indexer.embedded.index.schema import build_schema, to_document
from indexer.ingest.article import make_article

ARTICLES: list[dict[str, Any]] = [
    {
        "id": "osce-council",
        "title": "OSCE ministers meet in Vienna",
        "body": "The ministerial council discussed security in Europe.",
        "section": "Organizations > OSCE",
        "published": "2023-12-31T23:30:00+01:00",
        "language": "en",
        "source": "APA",
        "entities": {"organization": ["OSCE"], "place": ["Vienna"]},
    },
    {
        "id": "iaea-tehran",
        "title": "IAEA director general visits Tehran",
        "body": "Rafael Mariano Grossi held talks on nuclear safeguards.",
        "section": "Organizations > United Nations",
        # 23:30 UTC on Dec 31, but already 2024 in Vienna.
        "published": "2024-01-01T00:30:00+01:00",
        "language": "en",
        "source": "Reuters",
        "entities": {
            "person": ["Rafael Mariano Grossi"],
            "organization": ["IAEA"],
            "place": ["Tehran"],
        },
    },
    {
        "id": "neutralitaet",
        "title": "Österreich und die Neutralität",
        "body": "Die Regierung in Wien diskutiert über Sicherheit und Neutralität.",
        "section": "Politics",
        "published": "2023-06-15T10:00:00+02:00",
        "language": "de",
        "source": "APA",
        "entities": {"place": ["Vienna", "Austria"]},
    },
    {
        "id": "kosovo-trade",
        "title": "Trade talks stall in Brussels",
        "body": "After the elections Vjosa Osmani asked for big talks on trade.",
        "section": "Economy",
        "published": "2022-03-01T09:00:00+01:00",
        "language": "en",
        "source": "Reuters",
        "entities": {"person": ["Vjosa Osmani"], "place": ["Brussels"]},
    },
    {
        "id": "observers",
        "title": "Election observers report",
        "body": "Observers of the vote said it was calm.",
        "section": "Organizations",
        "published": "2023-07-04T23:31:00+02:00",
        "language": "en",
        "source": "APA",
        "entities": {"organization": ["OSCE"], "place": ["Vienna"]},
    },
]


def small_index(folder: Path, articles: list[dict[str, Any]] = ARTICLES) -> Index:
    """The articles in a new Whoosh index in `folder`, one segment, numbered in list order."""
    idx = index.create_in(str(folder), build_schema())
    writer = idx.writer()
    for data in articles:
        writer.add_document(**to_document(make_article(data), file="x"))
    writer.commit()
    return idx
