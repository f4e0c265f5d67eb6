"""Export: every article a search matches, as corpus records, read in batches.

A search shows a page; an export walks the whole match set, however large,
in the request's order. Only the document numbers are held at once (a few
bytes per match); stored fields are read a batch at a time and handed on, so
a caller streaming them keeps flat memory. The records use the article field
names of the corpus (SPEC §3): an export is a valid JSONL corpus file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from indexer.archive.request import SearchRequest
from indexer.archive.results import StoredArticle
from indexer.embedded.index.columns import split_names
from indexer.embedded.index.schema import shown_title
from indexer.embedded.search.core import MatchSet, SearchCore
from indexer.ingest.article import ENTITY_TYPES

BATCH = 200


def stored_article(stored: dict[str, Any]) -> StoredArticle:
    """An article's stored fields as the typed article (SPEC §3 names, body as paragraphs)."""
    return StoredArticle(
        id=stored["id"],
        title=stored.get("title", ""),
        lead=stored.get("lead", ""),
        body=[p for p in stored.get("body", "").split("\n\n") if p],
        section=stored.get("section", ""),
        published=stored.get("published_iso", ""),
        updated=stored.get("updated"),
        source=stored.get("source", ""),
        authors=split_names(stored.get("authors")),
        dateline=stored.get("dateline"),
        language=stored.get("language", ""),
        tags=split_names(stored.get("tags")),
        url=stored.get("url"),
        image_caption=stored.get("image_caption"),
        entities={kind: split_names(stored.get(kind)) for kind in ENTITY_TYPES},
        display_title=shown_title(stored),
    )


def article_record(stored: dict[str, Any]) -> dict[str, Any]:
    """An article's stored fields as a corpus record: what an export writes."""
    return stored_article(stored).record()


def ordered(matched: MatchSet, sort: str) -> npt.NDArray[np.int64]:
    """The document numbers of a match set in the order a search would list them."""
    return matched.facets.ranked(matched.mask, matched.scores, sort)


class Export:
    """The articles a request matches, in its order (its page and page size ignored).

    The match set is found when the export is made, so a missing index or a bad
    query fails before anything is streamed; iterating reads the articles a
    batch at a time.
    """

    def __init__(self, core: SearchCore, request: SearchRequest, batch: int = BATCH) -> None:
        matched = core.match(request)
        # Held for as long as the export: the match set keeps its index state open.
        self.matched = matched
        self.docs = ordered(matched, request.sort)
        self.batch = batch

    def __len__(self) -> int:
        return len(self.docs)

    def batches(self) -> Iterator[list[dict[str, Any]]]:
        for start in range(0, len(self.docs), self.batch):
            chunk = self.docs[start : start + self.batch].tolist()
            yield [article_record(fields) for fields in self.matched.stored(chunk)]
