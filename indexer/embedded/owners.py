"""Owners as the embedded index says: which corpus file holds which article id.

The writer reads the holders (`indexer.editing.owners.Owners`) from the
index's `file` and `id` columns before a batch (or keeps them from its last
batch, see `Writer._owners_at`).
"""

from __future__ import annotations

from indexer.editing.owners import Owners
from indexer.embedded.index.holdings import id_files
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
