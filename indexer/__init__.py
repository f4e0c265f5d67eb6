"""Vindex, the library: open a news archive, search it, add and remove articles.

    from indexer import open_archive

    with open_archive("index", "corpus") as archive:
        result = archive.search("opec", place="Vienna", sort="newest")
        for hit in result.hits:
            print(hit.published[:10], hit.title)
        archive.add([{"id": "a1", "title": "…", "published": "2024-05-01", "body": "…"}])
        archive.remove("a1")

The names below are loaded when first used, so that importing one part of the
library (the article model, a corpus reader) does not load the search engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from indexer.archive.backend import Backend
    from indexer.archive.errors import ArchiveDamaged, ArchiveMissing
    from indexer.archive.request import RequestError, SearchRequest
    from indexer.archive.results import SearchResult
    from indexer.archives import Archive, open_archive

# Public name -> the module that defines it.
_EXPORTS = {
    "Archive": "indexer.archives",
    "open_archive": "indexer.archives",
    "Backend": "indexer.archive.backend",
    "ArchiveMissing": "indexer.archive.errors",
    "ArchiveDamaged": "indexer.archive.errors",
    "RequestError": "indexer.archive.request",
    "SearchRequest": "indexer.archive.request",
    "SearchResult": "indexer.archive.results",
}

__all__ = [
    "Archive",
    "ArchiveDamaged",
    "ArchiveMissing",
    "Backend",
    "RequestError",
    "SearchRequest",
    "SearchResult",
    "open_archive",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'indexer' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
