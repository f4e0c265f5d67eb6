"""Highlights: the query's words in `<mark>`, the article's text HTML-encoded around them.

The cluster's highlighter marks what the query matched in each language
field; `encoder: html` escapes the text around the marks, so the only markup
in what it answers is ours. A hit's title is the whole title marked
(`number_of_fragments: 0`); its snippet one or two passages of the body, or
the lead when the body has no match. The article page marks its title, lead,
caption and paragraphs whole, as the embedded backend does. Unmarked text is
escaped here.
"""

from __future__ import annotations

import html
import re
from typing import Any

from indexer.archive.results import MarkedArticle, StoredArticle
from indexer.opensearch.documents import shown_title
from indexer.opensearch.query import text_query
from indexer.opensearch.template import GROUPS, text_field

PRE, POST = "<mark>", "</mark>"
SNIPPET_CHARS = 160
SNIPPET_PASSAGES = 2
# Passages of one snippet are joined as the embedded highlighter joins them.
JOINER = " … "


def highlight_body(query: dict[str, Any]) -> dict[str, Any]:
    """The `highlight` of a search whose words are `query`."""
    fields: dict[str, Any] = {}
    for group in GROUPS:
        fields[text_field("title", group)] = {"number_of_fragments": 0}
        fields[text_field("lead", group)] = {"number_of_fragments": 0}
        fields[text_field("body", group)] = {
            "fragment_size": SNIPPET_CHARS,
            "number_of_fragments": SNIPPET_PASSAGES,
        }
    return {
        "pre_tags": [PRE],
        "post_tags": [POST],
        "encoder": "html",
        "type": "unified",
        # The words only: filters (a person, a section) mark nothing.
        "highlight_query": query,
        "fields": fields,
    }


def _first(found: dict[str, list[str]], name: str) -> list[str] | None:
    for group in GROUPS:
        if fragments := found.get(text_field(name, group)):
            return fragments
    return None


def _shortened(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return cut + " …"


def marked(document: dict[str, Any]) -> tuple[str, str]:
    """A hit's title and snippet as HTML, from its `highlight` (or its text, escaped)."""
    source = document["_source"]
    found: dict[str, list[str]] = document.get("highlight", {})
    title = shown_title(source)
    title_html = _title_html(_first(found, "title"), title)
    if body := _first(found, "body"):
        snippet = JOINER.join(body)
    elif lead := _first(found, "lead"):
        snippet = lead[0]
    else:
        first = source.get("lead") or source.get("body", "").split("\n\n", 1)[0]
        snippet = html.escape(_shortened(first))
    return title_html, snippet


def text_of(fragment: str) -> str:
    """The text a highlighted fragment marks: the marks out, the encoding undone."""
    return html.unescape(fragment.replace(PRE, "").replace(POST, ""))


def _title_html(titles: list[str] | None, title: str) -> str:
    """The marked title when it is the title shown, else the shown title escaped.

    A document written before titles were indexed as shown highlights the
    headline in capitals: its marks would show the title unlike everywhere else.
    """
    if titles and text_of(titles[0]) == title:
        return titles[0]
    return html.escape(title)


def reading_body(article_id: str, q: str) -> dict[str, Any]:
    """An article's title, lead, caption and body, whole, with the words of `q` marked
    (the article page)."""
    words, _ = text_query(q)
    fields = {
        text_field(name, group): {"number_of_fragments": 0}
        for group in GROUPS
        for name in ("title", "lead", "body")
    }
    return {
        "query": {"bool": {"filter": [{"ids": {"values": [article_id]}}], "should": [words]}},
        "_source": False,
        "highlight": {
            "pre_tags": [PRE],
            "post_tags": [POST],
            "encoder": "html",
            "highlight_query": words,
            "fields": fields,
        },
    }


def unmarked(article: StoredArticle) -> MarkedArticle:
    """The article's text escaped, nothing marked."""
    return MarkedArticle(
        title_html=html.escape(article.display_title),
        lead_html=html.escape(article.lead),
        caption_html=html.escape(article.image_caption or ""),
        paragraphs_html=[html.escape(p) for p in article.body],
        marked=False,
    )


# One piece of a highlighted fragment: a mark's tag, an encoded character, or a character.
_PIECES = re.compile(rf"{re.escape(PRE)}|{re.escape(POST)}|&#?\w+;|.", re.S)


def split_marked(fragment: str, at: int) -> tuple[str, str]:
    """A highlighted fragment cut after `at` characters of its text, and the separator
    character after them left out; a mark open at the cut is closed and opened again."""
    before: list[str] = []
    after: list[str] = []
    seen = 0
    open_mark = False
    skipped = False
    for piece in _PIECES.findall(fragment):
        if piece in (PRE, POST):
            open_mark = piece == PRE
            (after if skipped else before).append(piece)
            continue
        if seen < at:
            before.append(piece)
        elif not skipped:
            skipped = True  # the separator between the two texts
            if open_mark:
                before.append(POST)
                after.append(PRE)
        else:
            after.append(piece)
        seen += len(html.unescape(piece))
    # A mark cut right at the separator leaves an empty pair on either side.
    return "".join(before).replace(PRE + POST, ""), "".join(after).replace(PRE + POST, "")


def parse_reading(answer: dict[str, Any], article: StoredArticle) -> MarkedArticle:
    """The article's text with what the cluster marked put in (`reading_body`'s answer).

    The lead and the caption are searched as one field, the lead, a space and
    the caption (`documents.to_document`): its marked text is cut back into the two.
    """
    page = unmarked(article)
    hits = answer["hits"]["hits"]
    found: dict[str, list[str]] = hits[0].get("highlight", {}) if hits else {}
    for name, value in found.items():
        if name.startswith("title_"):
            page.title_html = _title_html(value, article.display_title)
        elif name.startswith("lead_"):
            if article.lead and article.image_caption:
                page.lead_html, page.caption_html = split_marked(value[0], len(article.lead))
            elif article.lead:
                page.lead_html = value[0]
            else:
                page.caption_html = value[0]
        elif name.startswith("body_"):
            page.paragraphs_html = [p for p in value[0].split("\n\n") if p]
    page.marked = any(
        PRE in text
        for text in (page.title_html, page.lead_html, page.caption_html, *page.paragraphs_html)
    )
    return page
