"""What the index holds of the corpus: each file's articles (ids, signatures), each id's file.

An update needs, for the files it re-reads or removes, the ids of their
articles and each article's signature (to keep those that did not change),
and which file holds an id it is about to add (an id belongs to one file).
The files' own signatures are kept apart (`indexer.embedded.index.filesigs`).
`AllHoldings` reads all of it from the columns of every document, for an
update of many files. `LookedUp` asks the index for just the files and ids
in question: an upload of one article in a 100,000-article index read
100,000 rows of three columns and built two dictionaries of them (30 ms a
write, more than the write).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from indexer.embedded.index.columns import ColumnCache, live_columns

# The file, id and article signature of every document, by segment: a process that
# updates the index again and again (the server's writer) reads only new segments.
INDEXED_COLUMNS: ColumnCache = {}
INDEXED = ("file", "id", "doc_sig")


class Holdings(Protocol):
    def articles_of(self, key: str) -> dict[str, bytes]:
        """The ids of the file's articles and their article signatures."""

    def ids_of(self, keys: Iterable[str]) -> set[str]:
        """The ids of the articles of these files."""

    def holder(self, article_id: str) -> str | None:
        """The file that holds the id (None: no file)."""


def id_files(reader: Any) -> dict[str, str]:
    """{article id: file} of what the reader holds."""
    if reader.doc_count() == 0:
        return {}
    files, ids, _signatures = live_columns(reader, *INDEXED, cache=INDEXED_COLUMNS)
    return dict(zip(ids, files, strict=True))


class AllHoldings:
    """Everything, read from the columns in one pass."""

    def __init__(self, reader: Any) -> None:
        self.articles: dict[str, dict[str, bytes]] = {}
        self.owners: dict[str, str] = {}
        if reader.doc_count() == 0:
            return
        columns = live_columns(reader, *INDEXED, cache=INDEXED_COLUMNS)
        for key, article_id, article_sig in zip(*columns, strict=True):
            self.articles.setdefault(key, {})[article_id] = article_sig
            self.owners[article_id] = key

    def articles_of(self, key: str) -> dict[str, bytes]:
        return dict(self.articles.get(key, {}))

    def ids_of(self, keys: Iterable[str]) -> set[str]:
        return {article_id for key in keys for article_id in self.articles.get(key, {})}

    def holder(self, article_id: str) -> str | None:
        return self.owners.get(article_id)


class LookedUp:
    """Asked of the index file by file and id by id (deleted documents never answer)."""

    def __init__(self, searcher: Any) -> None:
        self._searcher = searcher

    def _stored(self, **term: str) -> list[dict[str, Any]]:
        searcher = self._searcher
        return [searcher.stored_fields(n) for n in searcher.document_numbers(**term)]

    def articles_of(self, key: str) -> dict[str, bytes]:
        searcher = self._searcher
        signatures = searcher.reader().column_reader("doc_sig", translate=False)
        return {
            searcher.stored_fields(docnum)["id"]: bytes(signatures[docnum])
            for docnum in searcher.document_numbers(file=key)
        }

    def ids_of(self, keys: Iterable[str]) -> set[str]:
        return {stored["id"] for key in keys for stored in self._stored(file=key)}

    def holder(self, article_id: str) -> str | None:
        for stored in self._stored(id=article_id):
            key: str | None = stored.get("file")
            return key
        return None


class Claims:
    """Which file holds each id during an update: what it added, else what the index says.

    The articles of the files the update replaces or removes (`released`)
    hold their ids no more.
    """

    def __init__(self, holdings: Holdings, released: set[str]) -> None:
        self._holdings = holdings
        self._released = released
        self.claimed: dict[str, str] = {}

    def get(self, article_id: str) -> str | None:
        key = self.claimed.get(article_id)
        if key is not None or article_id in self._released:
            return key
        return self._holdings.holder(article_id)

    def __setitem__(self, article_id: str, key: str) -> None:
        self.claimed[article_id] = key


def inside(key: str, root: str) -> bool:
    """Whether a file's key is in the folder `root` (a key relative to the corpus)."""
    return root in ("", ".") or key == root or key.startswith(root.rstrip("/") + "/")
