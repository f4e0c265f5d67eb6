"""Owners: which corpus file holds which article id, changed as a batch of writes goes.

An id belongs to one file. A backend reads the holders from its index before
a batch of writes (the embedded writer from its `file` and `id` columns, the
cluster backend from its documents' `file`), and the batch's edits
(`indexer.editing.edits`) change them as they write and take files out, so
that each write of the batch sees what the ones before it did.
"""

from __future__ import annotations

from collections.abc import Iterable


class Owners:
    """Which file holds which article ids, as the index says, changed as a batch goes."""

    def __init__(self, holders: dict[str, str]) -> None:
        self.holder: dict[str, str] = holders
        self.files: dict[str, set[str]] = {}
        for article_id, key in holders.items():
            self.files.setdefault(key, set()).add(article_id)

    def ids_of(self, key: str) -> set[str]:
        return set(self.files.get(key, ()))

    def assign(self, key: str, ids: Iterable[str]) -> None:
        """The file holds these ids now, and no others."""
        self.drop(self.ids_of(key))
        self.hold((article_id, key) for article_id in ids)

    def hold(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Each (article id, file): the id is held by that file now, wherever it was."""
        for article_id, key in pairs:
            self.drop([article_id])
            self.holder[article_id] = key
            self.files.setdefault(key, set()).add(article_id)

    def drop(self, ids: Iterable[str]) -> None:
        for article_id in list(ids):
            key = self.holder.pop(article_id, None)
            if key is not None:
                self.files.get(key, set()).discard(article_id)
