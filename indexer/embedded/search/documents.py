"""Stored documents, decoded once per segment and shared by the index states that hold them.

A hit, an article's related articles and a title suggestion each read an
article's stored fields, which Whoosh unpickles from a zlib-compressed column
on every read: 7.5 % of a loaded worker's samples were that column's
decompression alone (bench/load.py --profile). A segment's documents never
change (deletions are the live mask's business), so the decoded fields are
kept by segment and document number, the most recently used within a count,
and an upload's new state finds the old segments' documents decoded.

The fields handed out are shared: callers read them and never change them.
The export, which reads every matching document once, reads past the cache.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from typing import Any

from indexer.embedded.index.columns import SegmentKey, segment_key

# Documents kept decoded (per search core): the pages, related articles and
# suggestions of many requests, a few MB of text.
DOCUMENTS = 2048

DocumentKey = tuple[SegmentKey, int]


class DocumentCache:
    """Decoded stored fields by (segment, document), least recently used first out."""

    def __init__(self, size: int = DOCUMENTS) -> None:
        self.size = size
        self._entries: OrderedDict[DocumentKey, dict[str, Any]] = OrderedDict()
        # Several threads read at once; the order and size change under this
        # lock, held for microseconds (decoding happens outside it).
        self._keeping = threading.Lock()

    def get(self, key: DocumentKey) -> dict[str, Any] | None:
        with self._keeping:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: DocumentKey, fields: dict[str, Any]) -> None:
        with self._keeping:
            self._entries[key] = fields
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def keep_only(self, segments: set[SegmentKey]) -> None:
        """Forget the documents of segments a merge or a rebuild took away."""
        with self._keeping:
            for key in [key for key in self._entries if key[0] not in segments]:
                del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)


class StoredDocuments:
    """One index state's stored fields by its document numbers, through the cache."""

    def __init__(self, searcher: Any, cache: DocumentCache) -> None:
        self._searcher = searcher
        self._cache = cache
        leaves = searcher.reader().leaf_readers()
        self._starts = [start for _, start in leaves]
        self._segments = [segment_key(leaf) for leaf, _ in leaves]

    def __call__(self, docnum: int) -> dict[str, Any]:
        """The document's stored fields (shared: read them, never change them)."""
        at = bisect.bisect_right(self._starts, docnum) - 1
        key = (self._segments[at], docnum - self._starts[at])
        fields = self._cache.get(key)
        if fields is None:
            fields = self._searcher.stored_fields(docnum)
            self._cache.put(key, fields)
        return fields
