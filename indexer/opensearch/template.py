"""The index template: analyzers and mappings equivalent to the embedded index's.

Prose is indexed per language group as the embedded schema does it
(`title_en`, `title_de`, `title_xx`, and so for `lead` and `body`), each with
an analyzer that does what `indexer.embedded.index.analysis.NewsAnalyzer`
does: words as `\\w+(\\.?\\w+)*` (Unicode), lowercased, accents folded ("ß" to
"ss"), stemmed with the Snowball stemmer of the language, except the stop
words, which are kept unstemmed. No word is dropped (no stop filter): a query
of common words still matches, phrases keep true positions.

Facet fields are keywords (aggregations count them); each has a `folded`
sub-field (lowercase, no accents) that filters match, as the embedded filters
match the archive's spellings folded. `published` is a date; the whole
article is kept in `_source` for the article page and the export.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from indexer.ingest.article import ENTITY_TYPES

TEXT_LANGUAGES = ("en", "de")
FALLBACK = "xx"
GROUPS = (*TEXT_LANGUAGES, FALLBACK)
PROSE_FIELDS = ("title", "lead", "body")
# Titles and leads name what an article is about: "did you mean" offers their words.
SPELLING_FIELDS = ("title", "lead")
# Relevance weights of the prose fields (SPEC §6: title above lead above body), as embedded.
FIELD_BOOSTS = {"title": 3.0, "lead": 1.5, "body": 1.0}
# The keyword fields a reader filters and counts on.
KEYWORD_FIELDS = ("section", "sections", "language", "source", *ENTITY_TYPES)
# The stop words of each language, folded, as the embedded analyzer has them
# (tests/test_opensearch_template.py compares the two).
STOP_WORDS_PATH = Path(__file__).resolve().parents[1] / "data" / "stop_words.json"
# Whoosh's default tokenizer expression, with Unicode word characters.
WORD_PATTERN = r"\w+(?:\.?\w+)*"
SNOWBALL = {"en": "English", "de": "German"}
SHARDS_DEFAULT = 1
REPLICAS_DEFAULT = 1


@cache
def stop_words() -> dict[str, list[str]]:
    words: dict[str, list[str]] = json.loads(STOP_WORDS_PATH.read_text(encoding="utf-8"))
    return words


def text_field(name: str, group: str) -> str:
    return f"{name}_{group}"


def language_group(language: str) -> str:
    return language if language in TEXT_LANGUAGES else FALLBACK


def search_fields(names: tuple[str, ...] = PROSE_FIELDS) -> list[str]:
    """The language fields of the named prose fields, each with its boost (`title_en^3.0`)."""
    return [f"{text_field(name, group)}^{FIELD_BOOSTS[name]}" for group in GROUPS for name in names]


def analysis() -> dict[str, Any]:
    """The analysis settings: one analyzer per language group, one keyword normalizer."""
    stops = stop_words()
    filters: dict[str, Any] = {}
    analyzers: dict[str, Any] = {}
    for group in GROUPS:
        chain = ["lowercase", "vindex_fold"]
        if group in SNOWBALL:
            # Stop words are marked as keywords so that the stemmer leaves them
            # as they are ("was" stays "was"), and are never removed.
            filters[f"vindex_keep_{group}"] = {"type": "keyword_marker", "keywords": stops[group]}
            filters[f"vindex_stem_{group}"] = {"type": "snowball", "language": SNOWBALL[group]}
            chain += [f"vindex_keep_{group}", f"vindex_stem_{group}"]
        analyzers[f"vindex_{group}"] = {
            "type": "custom",
            "tokenizer": "vindex_words",
            "filter": chain,
        }
    # Lucene's ASCII folding folds "ß" to "ss", "æ" to "ae", "œ" to "oe" as the embedded map does.
    filters["vindex_fold"] = {"type": "asciifolding", "preserve_original": False}
    return {
        "tokenizer": {
            "vindex_words": {
                "type": "pattern",
                "pattern": WORD_PATTERN,
                "group": 0,
                "flags": "UNICODE_CHARACTER_CLASS",
            }
        },
        "filter": filters,
        "analyzer": analyzers,
        "normalizer": {
            "vindex_folded": {"type": "custom", "filter": ["lowercase", "asciifolding"]}
        },
    }


def _keyword() -> dict[str, Any]:
    return {
        "type": "keyword",
        "fields": {"folded": {"type": "keyword", "normalizer": "vindex_folded"}},
    }


def mappings() -> dict[str, Any]:
    properties: dict[str, Any] = {
        "id": {"type": "keyword"},
        # Shown, not searched: the language fields below are searched.
        "title": {"type": "text", "index": False},
        "display_title": {"type": "keyword", "index": False},
        "lead": {"type": "text", "index": False},
        "body": {"type": "text", "index": False},
        "published": {"type": "date"},
        "published_iso": {"type": "keyword", "index": False},
        "updated": {"type": "keyword", "index": False},
        "authors": {"type": "keyword"},
        "tags": {"type": "keyword"},
        "dateline": {"type": "keyword", "index": False},
        "url": {"type": "keyword", "index": False},
        "image_caption": {"type": "text", "index": False},
        "file": {"type": "keyword"},
        "doc_sig": {"type": "keyword"},
        # Unstemmed words of titles and leads, for "did you mean" (the phrase suggester).
        "spelling": {"type": "text", "analyzer": "vindex_xx"},
        # Completions of titles as a reader types (GET /api/suggest).
        "title_suggest": {"type": "completion", "analyzer": "vindex_xx"},
    }
    for name in KEYWORD_FIELDS:
        properties[name] = _keyword()
    for group in GROUPS:
        for name in PROSE_FIELDS:
            properties[text_field(name, group)] = {
                "type": "text",
                "analyzer": f"vindex_{group}",
                # Offsets make highlighting exact and fast on long bodies.
                "index_options": "offsets",
            }
            if name in SPELLING_FIELDS:
                properties[text_field(name, group)]["copy_to"] = "spelling"
    return {"dynamic": "strict", "properties": properties}


def index_settings(
    shards: int = SHARDS_DEFAULT, replicas: int = REPLICAS_DEFAULT
) -> dict[str, Any]:
    return {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        # A write is acknowledged once its translog is synced on every active copy
        # (the default, written out: uploads are answered only when durable).
        "translog": {"durability": "request"},
        "analysis": analysis(),
    }


def index_body(shards: int = SHARDS_DEFAULT, replicas: int = REPLICAS_DEFAULT) -> dict[str, Any]:
    """The body of a create-index request for one version of the archive."""
    return {"settings": index_settings(shards, replicas), "mappings": mappings()}


def template_body(
    alias: str, shards: int = SHARDS_DEFAULT, replicas: int = REPLICAS_DEFAULT
) -> dict[str, Any]:
    """The composable index template every versioned index `<alias>-*` is made with."""
    return {
        "index_patterns": [f"{alias}-*"],
        "template": index_body(shards, replicas),
        "_meta": {"vindex": "archive", "alias": alias},
    }
