"""A search hit: one matching article's stored fields as the typed `Hit`, its words marked.

The index stores an article's lists (authors, tags, entities) as one
comma-joined field each (`indexer.embedded.index.schema`); `split_names`
reads them back, for hits, related articles and exports alike.

May import `indexer.embedded.index`, the highlighter and the typed results.
"""

from __future__ import annotations

from typing import Any

from indexer.archive.results import Hit
from indexer.embedded.index.titles import shown_title
from indexer.embedded.search.highlight import highlight
from indexer.ingest.article import ENTITY_TYPES


def split_names(value: str | None) -> list[str]:
    """A stored comma-joined list as its names (none for an empty or missing field)."""
    return [v for v in (value or "").split(",") if v]


def article_url(article_id: str) -> str:
    return f"/articles/{article_id}"


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
