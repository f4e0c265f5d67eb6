"""A search hit: one matching article's stored fields as the typed `Hit`, its words marked.

May import `indexer.embedded.index`, the highlighter and the typed results.
"""

from __future__ import annotations

from typing import Any

from indexer.archive.results import Hit, article_url
from indexer.embedded.index.columns import split_names
from indexer.embedded.index.schema import shown_title
from indexer.embedded.search.highlight import highlight
from indexer.ingest.article import ENTITY_TYPES


def hit(stored: dict[str, Any], score: float | None, terms: dict[str, frozenset[str]]) -> Hit:
    """A hit of a result list; `terms` are the query's words to mark, per language group."""
    title = shown_title(stored)
    marked = highlight(
        title,
        stored.get("lead", ""),
        stored.get("body", ""),
        stored.get("language", ""),
        terms,
    )
    return Hit(
        id=stored["id"],
        url=article_url(stored["id"]),
        title=title,
        title_html=marked.title_html,
        snippet_html=marked.snippet_html,
        section=stored.get("section", ""),
        published=stored.get("published_iso", ""),
        language=stored.get("language", ""),
        source=stored.get("source", ""),
        authors=split_names(stored.get("authors")),
        score=round(score or 0.0, 4),
        entities={kind: split_names(stored.get(kind)) for kind in ENTITY_TYPES},
    )
