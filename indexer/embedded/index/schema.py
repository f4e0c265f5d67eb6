"""The index schema: which article fields are searched, filtered, sorted and shown.

Prose is indexed once per language group, because Whoosh analyses per field,
not per document: `title_en`/`lead_en`/`body_en` are stemmed for English,
`*_de` for German, `*_xx` (every other language) only folded and lowercased.
All of them fold accents, so `Osterreich` finds `Österreich`, and index every
word at its true position, stop words included (`indexer.embedded.index.analysis`). The original
text is stored once in `title`, `lead` and `body` for display and highlighting;
a title in capitals (a wire headline) is also stored in headline case, in
`display_title`, which is what lists and pages show (`indexer/archive/titles.py`,
`shown_title`).

Facet fields keep column data (`sortable=True`; for a multi-valued KEYWORD
field the column holds the comma-joined names): the search core reads the
columns once per index generation into arrays and counts facets from those,
instead of scanning postings per query (Whoosh's own facets over a plain
multi-valued KEYWORD cost ~40 ms a query, a DateRangeFacet ~280 ms). Year and
month come from the `published` column, so they need no fields of their own.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC
from typing import Any

from whoosh import columns, fields, formats
from whoosh.util.times import datetime_to_long

from indexer.archive.titles import readable_title
from indexer.embedded.index.analysis import NewsAnalyzer, stop_words
from indexer.embedded.index.positions import CompactPositions
from indexer.ingest.article import ENTITY_TYPES, SECTION_SEPARATOR, Article

# Bump when the schema or the mapping of articles to documents changes: an
# index built with another version is rebuilt instead of updated in place.
SCHEMA_VERSION = 7

TEXT_LANGUAGES = ("en", "de")
FALLBACK = "xx"
# The stop words of every language group, folded: indexed like any word, but
# never offered as a correction nor taken for a name.
ANY_STOP_WORDS: frozenset[str] = frozenset().union(*map(stop_words, TEXT_LANGUAGES))
PROSE_FIELDS = ("title", "lead", "body")

SPELLING_FIELDS = ("title", "lead")
# Whoosh's name prefix of a field's spelling words (`spell_title_en`).
SPELLING_PREFIX = "spell_"

# BM25F field weights (SPEC §6: title above lead above body).
FIELD_BOOSTS = {"title": 3.0, "lead": 1.5, "body": 1.0}


@functools.cache
def analyzer_for(group: str) -> NewsAnalyzer:
    """The analysis chain of a language group (`en`, `de` or `xx`).

    Tokenise, lowercase, fold accents, stem all but stop words (English,
    German); every word is kept: Whoosh's chain of filters, fused into one
    loop for speed.
    """
    return NewsAnalyzer(group if group in TEXT_LANGUAGES else None)


def language_group(language: str) -> str:
    return language if language in TEXT_LANGUAGES else FALLBACK


def text_field(name: str, group: str) -> str:
    """`text_field("title", "de")` -> `title_de`."""
    return f"{name}_{group}"


# Every prose field the words of a query are looked for in, and its BM25F weight.
SEARCH_FIELDS = [
    text_field(name, group) for group in (*TEXT_LANGUAGES, FALLBACK) for name in PROSE_FIELDS
]
SEARCH_BOOSTS = {field: FIELD_BOOSTS[field.rsplit("_", 1)[0]] for field in SEARCH_FIELDS}


# The column of a Whoosh DATETIME field (64-bit microseconds), without its terms.
PUBLISHED_COLUMN = fields.DATETIME(sortable=True).column_type


def build_schema() -> fields.Schema:
    entity_field = {
        kind: fields.KEYWORD(
            stored=True, commas=True, lowercase=False, scorable=True, sortable=True
        )
        for kind in ENTITY_TYPES
    }
    prose: dict[str, Any] = {}
    for group in (*TEXT_LANGUAGES, FALLBACK):
        for name in PROSE_FIELDS:
            field = fields.TEXT(
                analyzer=analyzer_for(group),
                field_boost=FIELD_BOOSTS[name],
                phrase=True,
                # Real (unstemmed) words for "did you mean"; titles and leads
                # name what an article is about, at a fraction of the body's cost.
                spelling=name in SPELLING_FIELDS,
            )
            # Positions as compact arrays, not pickles: a third of the postings file.
            field.format = CompactPositions(field_boost=FIELD_BOOSTS[name])
            prose[text_field(name, group)] = field
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        # Stored originals for display; searched through the language fields.
        title=fields.STORED(),
        # The title as shown, when it differs from the title as written.
        display_title=fields.STORED(),
        lead=fields.STORED(),
        body=fields.STORED(),
        # `section` is the full path; `sections` every prefix of it, so that a
        # filter on a parent includes its children.
        section=fields.ID(stored=True, sortable=True),
        sections=fields.KEYWORD(commas=True, lowercase=False),
        # A column only: dates are filtered, sorted and counted from it (the
        # search core's arrays), never searched as terms; indexing them as
        # Whoosh's numeric terms cost 8 terms an article, a quarter of the
        # postings file's blocks.
        published=fields.COLUMN(PUBLISHED_COLUMN),
        published_iso=fields.STORED(),
        updated=fields.STORED(),
        language=fields.ID(stored=True, sortable=True),
        source=fields.ID(stored=True, sortable=True),
        authors=fields.KEYWORD(stored=True, commas=True, lowercase=False),
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=False),
        dateline=fields.STORED(),
        url=fields.STORED(),
        image_caption=fields.STORED(),
        # Where the article came from, for incremental updates: the corpus file,
        # relative to the corpus folder (its signature is in `filesigs`' table).
        file=fields.ID(stored=True, sortable=True),
        # The article as read, hashed (8 bytes, a column only): a changed file
        # re-indexes only the articles whose signature changed (`article_signature`).
        doc_sig=fields.COLUMN(columns.VarBytesColumn()),
        **entity_field,
        **prose,
    )
    for name in schema.names():
        if name.startswith(SPELLING_PREFIX):
            # Spelling words need only their document counts. Whoosh's SpellField
            # stores a 4-byte frequency its writer never sets (it writes the
            # last value of the field's own loop, which a merge cannot split
            # into 4-byte values once positions are compact).
            schema[name].format = formats.Existence()
    return schema


def section_prefixes(section: str) -> list[str]:
    """`A > B > C` -> [`A`, `A > B`, `A > B > C`]."""
    parts = section.split(SECTION_SEPARATOR) if section else []
    return [SECTION_SEPARATOR.join(parts[: i + 1]) for i in range(len(parts))]


def _keywords(values: tuple[str, ...] | list[str]) -> str:
    # KEYWORD fields split on commas; a comma inside a name would split it.
    return ",".join(v.replace(",", " ") for v in values)


def article_signature(article: Article) -> bytes:
    """A hash of everything the corpus says of an article (before entity extraction)."""
    text = json.dumps(article.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()


def shown_title(stored: Mapping[str, Any]) -> str:
    """The title to show for an article's stored fields: the readable one when it has one."""
    return str(stored.get("display_title") or stored.get("title") or "")


def to_document(article: Article, *, file: str, doc_sig: bytes = b"") -> dict[str, Any]:
    """The Whoosh document of an article."""
    group = language_group(article.language)
    body = "\n\n".join(article.body)
    published = article.published
    display = readable_title(article.title)
    doc: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "display_title": display if display != article.title else "",
        "lead": article.lead,
        "body": body,
        "section": article.section,
        "sections": _keywords(section_prefixes(article.section)),
        # UTC microseconds since 0001-01-01, as Whoosh's DATETIME column holds
        # them: for sorting and ranges; the original with its offset is in
        # `published_iso` for display.
        "published": datetime_to_long(published.astimezone(UTC).replace(tzinfo=None)),
        "published_iso": published.isoformat(),
        "updated": article.updated.isoformat() if article.updated else None,
        "language": article.language,
        "source": article.source,
        "authors": _keywords(article.authors),
        "tags": _keywords(article.tags),
        "dateline": article.dateline,
        "url": article.url,
        "image_caption": article.image_caption,
        "file": file,
        "doc_sig": doc_sig,
        text_field("title", group): article.title,
        text_field("lead", group): " ".join(p for p in (article.lead, article.image_caption) if p),
        text_field("body", group): body,
    }
    for kind in ENTITY_TYPES:
        doc[kind] = _keywords(article.entities.of(kind))
    # Empty strings would index an empty term; leave such fields out.
    return {k: v for k, v in doc.items() if v not in ("", b"", None)}
