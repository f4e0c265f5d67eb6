"""The signature of every corpus file as the index holds it, in a small table beside the index.

An update skips a file whose signature (`signatures.file_signature`) is the
one it was indexed with, and re-indexes only the articles of a changed file
whose own signature changed (`schema.article_signature`). So the articles a
change kept still carry the file's old signature, and the file's current one
lives here: one SQLite table per generation (`files.sqlite`), keyed by the
file's corpus key. It is written after the index's commit, so it never runs
ahead of the index: a crash between the two leaves an older signature, and
the next update reads the file again and finds what changed. A file none of
whose articles is indexed has no row: every update reads (and names) it again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

FILES = "files.sqlite"


class FileSignatures:
    """The table of one generation folder (created when first written)."""

    def __init__(self, generation: Path) -> None:
        self.path = generation / FILES

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path)
        connection.execute("create table if not exists files (key text primary key, sig text)")
        return connection

    def get(self, key: str) -> str | None:
        with closing(self._connect()) as connection:
            row = connection.execute("select sig from files where key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def many(self, keys: Iterable[str]) -> dict[str, str]:
        wanted = list(keys)
        found: dict[str, str] = {}
        with closing(self._connect()) as connection:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = connection.execute(
                    f"select key, sig from files where key in ({marks})", chunk
                )
                found.update((str(k), str(s)) for k, s in rows)
        return found

    def all(self) -> dict[str, str]:
        with closing(self._connect()) as connection:
            return {str(k): str(s) for k, s in connection.execute("select key, sig from files")}

    def write(self, signatures: dict[str, str], gone: Iterable[str] = ()) -> None:
        """Record files' new signatures and forget files that are gone, in one transaction."""
        with closing(self._connect()) as connection, connection:
            connection.executemany("delete from files where key = ?", [(k,) for k in gone])
            connection.executemany(
                "insert or replace into files (key, sig) values (?, ?)", signatures.items()
            )
