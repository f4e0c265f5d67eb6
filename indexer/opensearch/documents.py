"""An article as a cluster document, and a document's `_source` as the typed results.

The document keeps the corpus record's fields (SPEC §3) as they are, for the
article page and the export, and adds what search needs: the prose in its
language group's fields (`title_en`, ...), every prefix of the section path
(`sections`, so a filter on a parent includes its children), the publication
time as a date, and the file the article came from (for incremental builds).

A title in capitals (a wire headline) is shown in headline case, as the
embedded backend shows it (`indexer.archive.titles`): the readable form is
stored in `display_title` and is what the title's language field holds, so
that the cluster highlights the title as it is shown (the analyzers lowercase
first: the same terms either way).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from indexer.archive.errors import ArchiveMissing
from indexer.archive.results import Hit, RelatedArticle, StoredArticle, article_url
from indexer.archive.titles import readable_title
from indexer.ingest.article import ENTITY_TYPES, SECTION_SEPARATOR, Article
from indexer.opensearch.template import language_group, text_field


def section_prefixes(section: str) -> list[str]:
    """`A > B > C` -> [`A`, `A > B`, `A > B > C`]."""
    parts = section.split(SECTION_SEPARATOR) if section else []
    return [SECTION_SEPARATOR.join(parts[: i + 1]) for i in range(len(parts))]


def article_signature(article: Article) -> str:
    """A hash of everything the corpus says of an article: unchanged articles are not resent."""
    text = json.dumps(article.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def to_document(article: Article, *, file: str) -> dict[str, Any]:
    """The `_source` of an article's document."""
    group = language_group(article.language)
    body = "\n\n".join(article.body)
    display = readable_title(article.title)
    doc: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "display_title": display if display != article.title else None,
        "lead": article.lead,
        "body": body,
        "section": article.section,
        "sections": section_prefixes(article.section),
        # UTC, so that ranges, sorting and the histogram agree whatever offset was written.
        "published": article.published.astimezone(UTC).isoformat(),
        "published_iso": article.published.isoformat(),
        "updated": article.updated.isoformat() if article.updated else None,
        "language": article.language,
        "source": article.source,
        "authors": list(article.authors),
        "tags": list(article.tags),
        "dateline": article.dateline,
        "url": article.url,
        "image_caption": article.image_caption,
        "file": file,
        "doc_sig": article_signature(article),
        "title_suggest": {"input": [article.title]} if article.title else None,
        text_field("title", group): display,
        text_field("lead", group): " ".join(p for p in (article.lead, article.image_caption) if p),
        text_field("body", group): body,
    }
    for kind in ENTITY_TYPES:
        doc[kind] = list(article.entities.of(kind))
    return {k: v for k, v in doc.items() if v not in ("", None, [])}


def shown_title(source: dict[str, Any]) -> str:
    """The title lists and pages show: the stored readable one, else made from the title
    (a document written before display titles were stored has none)."""
    return str(source.get("display_title") or readable_title(str(source.get("title") or "")))


def source_of(answer: dict[str, Any]) -> dict[str, Any] | None:
    """The `_source` of a `GET /<alias>/_doc/<id>` answer (404s included), None when not found.

    A 404 for the index itself (no alias yet) is the archive missing, not the article.
    """
    error = answer.get("error")
    if isinstance(error, dict) and error.get("type") == "index_not_found_exception":
        raise ArchiveMissing("no index in the cluster yet: build one with `vindex index`")
    if not answer.get("found"):
        return None
    source: dict[str, Any] = answer["_source"]
    return source


def _list(source: dict[str, Any], name: str) -> list[str]:
    value = source.get(name) or []
    return [value] if isinstance(value, str) else list(value)


def entities(source: dict[str, Any]) -> dict[str, list[str]]:
    return {kind: _list(source, kind) for kind in ENTITY_TYPES}


def stored_article(source: dict[str, Any]) -> StoredArticle:
    """A document's `_source` as the typed article."""
    return StoredArticle(
        id=source["id"],
        title=source.get("title", ""),
        lead=source.get("lead", ""),
        body=[p for p in source.get("body", "").split("\n\n") if p],
        section=source.get("section", ""),
        published=source.get("published_iso", ""),
        updated=source.get("updated"),
        source=source.get("source", ""),
        authors=_list(source, "authors"),
        dateline=source.get("dateline"),
        language=source.get("language", ""),
        tags=_list(source, "tags"),
        url=source.get("url"),
        image_caption=source.get("image_caption"),
        entities=entities(source),
        display_title=shown_title(source),
    )


def hit(document: dict[str, Any], title_html: str, snippet_html: str) -> Hit:
    """One search hit of a response's `hits.hits` entry, its highlights already made."""
    source = document["_source"]
    return Hit(
        id=source["id"],
        url=article_url(source["id"]),
        title=shown_title(source),
        title_html=title_html,
        snippet_html=snippet_html,
        section=source.get("section", ""),
        published=source.get("published_iso", ""),
        language=source.get("language", ""),
        source=source.get("source", ""),
        authors=_list(source, "authors"),
        score=round(document.get("_score") or 0.0, 4),
        entities=entities(source),
    )


def related_article(source: dict[str, Any], shared: dict[str, list[str]]) -> RelatedArticle:
    return RelatedArticle(
        id=source["id"],
        url=article_url(source["id"]),
        title=shown_title(source),
        section=source.get("section", ""),
        published=source.get("published_iso", ""),
        shared_entities=shared,
    )
