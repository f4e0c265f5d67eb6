"""An article prepared for reading: its paragraphs, with a search's words marked.

A reader who opens an article from a result list should find the words they
searched for in the whole text, not only in the snippet. The search core
gives the analysed terms of the query per language
(`SearchCore.highlight_terms`, as it marks its hits), and each paragraph is
marked with the highlighter the result list uses, so the same words are
marked in both places: stems and folded accents included.

Output follows the highlighter's contract: every character of the article is
HTML-escaped and the only markup is `<mark>`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from indexer.archive.results import MarkedArticle
from indexer.embedded.index.schema import shown_title
from indexer.embedded.search.highlight import highlight

Terms = Mapping[str, frozenset[str]]


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs (blank lines separate them in the stored text)."""
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def mark_article(stored: Mapping[str, Any], terms: Terms) -> MarkedArticle:
    """The article's text as HTML, the terms marked (none when `terms` is empty)."""
    language = str(stored.get("language", ""))
    marked = False

    def mark(text: str) -> str:
        nonlocal marked
        if not terms:
            return html.escape(text, quote=True)
        # The highlighter renders a title whole, never cut: each text goes in as one.
        result = highlight(text, "", "", language, terms)
        marked = marked or result.matched
        return result.title_html

    return MarkedArticle(
        title_html=mark(shown_title(stored)),
        lead_html=mark(str(stored.get("lead", ""))),
        caption_html=mark(str(stored.get("image_caption", ""))),
        paragraphs_html=[mark(p) for p in paragraphs(str(stored.get("body", "")))],
        marked=marked,
    )
