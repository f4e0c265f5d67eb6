"""Related articles: `more_like_this` on the article's words, plus the entities it names.

As the embedded backend relates articles: those sharing distinctive words
(the cluster picks the article's most telling terms) and, weighted above
them, the people, organisations and places it names. Which entities each
shares is worked out here from the hits' own entities.
"""

from __future__ import annotations

from typing import Any

from indexer.archive.results import RelatedArticle
from indexer.ingest.article import ENTITY_TYPES
from indexer.opensearch.documents import entities, related_article
from indexer.opensearch.template import GROUPS, PROSE_FIELDS, text_field

# A shared entity counts as much as this many shared distinctive words, about.
ENTITY_BOOST = 2.0
MAX_QUERY_TERMS = 25
RELATED_SOURCE = ["id", "title", "display_title", "section", "published_iso", *ENTITY_TYPES]


def related_body(alias: str, source: dict[str, Any], limit: int) -> dict[str, Any]:
    """The search for articles related to the one whose `_source` is given."""
    article_id = source["id"]
    should: list[dict[str, Any]] = [
        {
            "more_like_this": {
                "fields": [text_field(name, group) for group in GROUPS for name in PROSE_FIELDS],
                "like": [{"_index": alias, "_id": article_id}],
                "min_term_freq": 1,
                "min_doc_freq": 2,
                "max_query_terms": MAX_QUERY_TERMS,
            }
        }
    ]
    for kind, names in entities(source).items():
        if names:
            should.append({"terms": {kind: names, "boost": ENTITY_BOOST}})
    return {
        "size": limit,
        "query": {
            "bool": {
                "should": should,
                "minimum_should_match": 1,
                "must_not": [{"ids": {"values": [article_id]}}],
            }
        },
        "_source": RELATED_SOURCE,
    }


def parse_related(answer: dict[str, Any], source: dict[str, Any]) -> list[RelatedArticle]:
    mine = entities(source)
    found = []
    for document in answer.get("hits", {}).get("hits", []):
        theirs = entities(document["_source"])
        shared = {
            kind: [name for name in mine[kind] if name in set(theirs[kind])]
            for kind in ENTITY_TYPES
        }
        found.append(related_article(document["_source"], shared))
    return found
