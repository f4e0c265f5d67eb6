"""Owners as the embedded index says: which corpus file holds which article id.

The writer reads the holders (`indexer.editing.owners.Owners`) from the
index's `file` and `id` columns before a batch, or brings those of its last
batch up to date (`Tracked`, `follow`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from indexer.editing.owners import Owners
from indexer.embedded.index.columns import Mask, segment_rows
from indexer.embedded.index.holdings import INDEXED, INDEXED_COLUMNS, id_files
from indexer.embedded.index.store import IndexLocation

# Above this many ids, what the index holds is read from its columns, not id by id.
LOOKUPS_MAX = 100


def load_owners(location: IndexLocation) -> Owners:
    """Every id the index holds and its file: one pass over its columns."""
    return Owners(indexed(location))


def indexed(location: IndexLocation) -> dict[str, str]:
    """{article id: file} of what the index holds (empty: no index)."""
    if location.current() is None:
        return {}
    ix = location.open()
    try:
        with ix.reader() as reader:
            return id_files(reader)
    finally:
        ix.close()


def holders(location: IndexLocation, ids: list[str]) -> dict[str, str]:
    """The file the index has each of the ids in (absent: not in the index).

    A lookup per id for a few (about 3 ms each on a busy machine); for a
    batch of thousands, one pass over the id and file columns instead
    (a third of a second at 20k articles, where the lookups took a minute).
    """
    if len(ids) > LOOKUPS_MAX:
        return load_owners(location).holder
    held: dict[str, str] = {}
    ix = location.open()
    try:
        with ix.searcher() as searcher:
            for article_id in ids:
                stored = searcher.document(id=article_id)
                if stored is not None:
                    held[article_id] = stored.get("file")
    finally:
        ix.close()
    return held


# A segment as a writer last saw it: each document's (file, id, ...) and which were live.
Seen = tuple[list[tuple[Any, ...]], Mask]


@dataclass
class Tracked:
    """A writer's owners as of an index state, and what each segment held then.

    A writer's batch changes `owners` as it writes (`indexer.editing.edits`);
    `follow` then brings them to a later state by what changed in the
    segments since `key`: the ids of documents deleted since (and of segments
    merged away) are dropped, those of new segments added. Under the server's
    several workers, each upload came after another worker's commit, so each
    read all the owners again: a pass over every document's columns and a
    dictionary of every id, 5-6 % of a worker's CPU under bench/load.py with
    an upload a second at 21,578 articles.
    """

    key: tuple[str, int]
    owners: Owners
    segments: dict[str, Seen]


def _segments(reader: Any) -> dict[str, Seen]:
    """Each segment's rows of (file, id, signature) and its live documents."""
    seen: dict[str, Seen] = {}
    for leaf, _base in reader.leaf_readers():
        rows = segment_rows(leaf, INDEXED, INDEXED_COLUMNS)
        live = np.ones(len(rows), dtype=np.bool_)
        if leaf.has_deletions():
            live[np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)] = False
        seen[leaf.segment().segment_id()] = (rows, live)
    return seen


def _live_pairs(seen: Seen, live: Mask) -> list[tuple[str, str]]:
    rows = seen[0]
    return [(rows[n][1], rows[n][0]) for n in np.flatnonzero(live).tolist()]


def track(location: IndexLocation) -> Tracked | None:
    """The owners of the index's current state, read whole (None: no index)."""
    if location.current() is None:
        return None
    current, ix = location.open_current()
    try:
        with ix.reader() as reader:
            segments = _segments(reader)
            key = (current.name, ix.latest_generation())
    finally:
        ix.close()
    pairs = [pair for seen in segments.values() for pair in _live_pairs(seen, seen[1])]
    return Tracked(key, Owners(dict(pairs)), segments)


def follow(tracked: Tracked, location: IndexLocation) -> Tracked | None:
    """`tracked` brought to the index's current state by what changed in its segments.

    None when the index is another generation (a rebuild) or gone: then
    nothing of the old state carries over, and `track` reads it whole.
    """
    if location.current() is None:
        return None
    current, ix = location.open_current()
    try:
        if current.name != tracked.key[0]:
            return None
        key = (current.name, ix.latest_generation())
        if key == tracked.key:
            return tracked
        with ix.reader() as reader:
            segments = _segments(reader)
    finally:
        ix.close()
    gone: list[str] = []
    for segment_id, seen in tracked.segments.items():
        now = segments.get(segment_id)
        # A merged-away segment's live documents are all gone (and come back,
        # under the same ids, in the merged segment, which is new).
        dropped = seen[1] if now is None else seen[1] & ~now[1]
        gone.extend(article_id for article_id, _file in _live_pairs(seen, dropped))
    tracked.owners.drop(gone)
    for segment_id, seen in segments.items():
        if segment_id not in tracked.segments:
            tracked.owners.hold(_live_pairs(seen, seen[1]))
    return Tracked(key, tracked.owners, segments)
