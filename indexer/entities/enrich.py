"""Enrichment: what is added to an article between reading it and indexing it.

Today that is its entities (SPEC §5): the editor's own, then the gazetteer's
and the extractor's, and the places of its dateline. The corpus may carry an
editor's gazetteer overrides in `entities.yaml`; the enricher's signature
changes when that file, the shipped gazetteer, the span model's weights and
lexicon or the extractor's rules (`EXTRACTOR_VERSION`) do, so that the index
is rebuilt rather than left with entities from an older gazetteer or older
rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from indexer.entities.cache import EntityCache, article_key
from indexer.entities.extract import GazetteerExtractor
from indexer.entities.gazetteer import (
    FIRST_NAMES_PATH,
    GAZETTEER_PATH,
    Gazetteer,
    GazetteerError,
    load_gazetteer,
)
from indexer.entities.lexicon import LEXICON_PATH
from indexer.entities.mentions import article_entities
from indexer.entities.span_model import MODEL_PATH
from indexer.ingest.article import Article

OVERRIDES_FILE = "entities.yaml"
# The extractor's rules' version: raised when a rule changes what it finds, so
# that an index built by the older rules is rebuilt (the signature changes).
EXTRACTOR_VERSION = "spans-1"

Enrich = Callable[[Article], Article]


def overrides_path(corpus: Path) -> Path | None:
    path = corpus / OVERRIDES_FILE
    return path if path.is_file() else None


def corpus_gazetteer(corpus: Path) -> Gazetteer:
    """The gazetteer with the corpus's overrides; the shipped one when they are malformed."""
    try:
        return load_gazetteer(overrides_path(corpus))
    except GazetteerError:
        return load_gazetteer()


def entity_enricher(corpus: Path, *, use_overrides: bool = True) -> Enrich:
    """Adds entities to articles, with the corpus's gazetteer overrides.

    Raises `GazetteerError` when the overrides file is malformed.
    """
    gazetteer = load_gazetteer(overrides_path(corpus) if use_overrides else None)
    extractor = GazetteerExtractor(gazetteer)

    def enrich(article: Article) -> Article:
        return article.with_entities(article_entities(article, extractor, gazetteer))

    return enrich


def cached(enrich: Enrich, cache: EntityCache) -> Enrich:
    """`enrich` through a cache (of this enrichment's signature): an article extracted
    before is given its entities from the cache, a new one's are added to it."""

    def enrich_cached(article: Article) -> Article:
        key = article_key(article)
        found = cache.get(key)
        if found is not None:
            return article.with_entities(found)
        enriched = enrich(article)
        cache.put(key, enriched.entities)
        return enriched

    return enrich_cached


def signed_files(corpus: Path) -> list[Path]:
    """The files whose bytes decide an article's entities: the gazetteer, the first names,
    the span model's weights and lexicon (when shipped) and the corpus's overrides."""
    found = [GAZETTEER_PATH, FIRST_NAMES_PATH, MODEL_PATH, LEXICON_PATH, overrides_path(corpus)]
    return [path for path in found if path is not None and path.is_file()]


def enrichment_signature(corpus: Path) -> str:
    """Changes whenever enrichment could give other entities for the same article."""
    digest = hashlib.sha256(EXTRACTOR_VERSION.encode())
    for path in signed_files(corpus):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
