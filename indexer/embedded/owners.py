"""Owners: which corpus file holds which article id, as the index says.

An id belongs to one file. The writer reads the holders from the index's
`file` and `id` columns before a batch (or keeps them from its last batch,
see `Writer._owners_at`), and changes them as the batch writes and takes
files out, so that each write of the batch sees what the ones before it did.
"""

from __future__ import annotations

from collections.abc import Iterable

from indexer.embedded.index.holdings import id_files
from indexer.embedded.index.store import IndexLocation

# Above this many ids, what the index holds is read from its columns, not id by id.
LOOKUPS_MAX = 100


class Owners:
    """Which file holds which article ids, as the index says, changed as a batch goes."""

    def __init__(self, holders: dict[str, str]) -> None:
        self.holder: dict[str, str] = holders
        self.files: dict[str, set[str]] = {}
        for article_id, key in holders.items():
            self.files.setdefault(key, set()).add(article_id)

    @classmethod
    def load(cls, location: IndexLocation) -> Owners:
        """Every id the index holds and its file: one pass over its columns."""
        return cls(indexed(location))

    def ids_of(self, key: str) -> set[str]:
        return set(self.files.get(key, ()))

    def assign(self, key: str, ids: Iterable[str]) -> None:
        self.drop(self.ids_of(key))
        for article_id in ids:
            self.drop([article_id])
            self.holder[article_id] = key
            self.files.setdefault(key, set()).add(article_id)

    def drop(self, ids: Iterable[str]) -> None:
        for article_id in list(ids):
            key = self.holder.pop(article_id, None)
            if key is not None:
                self.files.get(key, set()).discard(article_id)


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
        return Owners.load(location).holder
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
