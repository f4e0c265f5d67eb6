"""The entity cache: an article's entities kept by its content's hash and the extractor's version.

Extraction is most of what a build does to an article before indexing it. A
rebuild, a corpus restored from a backup or copied elsewhere, or a file whose
other articles changed gives the extractor the same article again; the cache
gives back what it found the first time instead of extracting again.

A key is the hash of everything extraction reads from an article (title,
lead, caption, body, language, dateline, source and the editor's entities), so an
edited article is a new key. The cache lives in a folder per enrichment
signature (`indexer.entities.enrich.enrichment_signature`: the gazetteer,
the corpus's overrides and the extractor's rules): another gazetteer or
other rules start an empty one, and the folders of other signatures are
removed when a cache is opened.

A build's workers are forked from one process (`indexer.embedded.index.segments`):
each reads what the cache held when the build began and appends what it
extracts to its own file, ``part-<pid>.jsonl``, one JSON line per article, so
no two processes write one file. A line cut short by a killed process is
skipped when the cache is read.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import IO

from indexer.ingest.article import ENTITY_TYPES, Article, Entities

CACHE_FOLDER = "entity-cache"
_SEPARATOR = "\x1f"


def article_key(article: Article) -> str:
    """The hash of everything extraction reads from the article."""
    editor = article.entities
    parts = [
        article.title,
        article.lead,
        article.image_caption,
        *article.body,
        _SEPARATOR,
        article.language,
        article.dateline,
        article.source,
        *(f"{kind}={name}" for kind in ENTITY_TYPES for name in editor.of(kind)),
    ]
    return hashlib.blake2b(_SEPARATOR.join(parts).encode(), digest_size=16).hexdigest()


class EntityCache:
    """Entities by article key, read from and appended to the folder of one signature."""

    def __init__(self, root: Path, signature: str) -> None:
        self.root = root
        self.folder = root / signature
        self._known: dict[str, Entities] | None = None
        self._out: IO[str] | None = None
        self._pid = -1
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Entities | None:
        found = self._entries().get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: str, entities: Entities) -> None:
        self._entries()[key] = entities
        line = json.dumps({"k": key, "e": entities.to_dict()}, ensure_ascii=False)
        out = self._file()
        if out is not None:
            out.write(line + "\n")

    def load(self) -> None:
        """Read the cache now (before a build forks its workers, which then share it)."""
        self._entries()

    def _entries(self) -> dict[str, Entities]:
        if self._known is None:
            self._known = self._read()
        return self._known

    def _read(self) -> dict[str, Entities]:
        """Every part's entries (and the folders of other signatures removed)."""
        known: dict[str, Entities] = {}
        if self.root.is_dir():
            for other in self.root.iterdir():
                if other.is_dir() and other != self.folder:
                    shutil.rmtree(other, ignore_errors=True)
        if not self.folder.is_dir():
            return known
        for part in sorted(self.folder.glob("part-*.jsonl")):
            try:
                lines = part.read_text(encoding="utf-8").splitlines()
            except OSError:
                continue
            for line in lines:
                try:
                    record = json.loads(line)
                    entities = Entities(
                        **{kind: tuple(record["e"].get(kind, ())) for kind in ENTITY_TYPES}
                    )
                    known[record["k"]] = entities
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue  # a line cut short by a killed build
        return known

    def _file(self) -> IO[str] | None:
        """This process's part file, opened on its first entry (after a fork, anew)."""
        pid = os.getpid()
        if self._out is None or self._pid != pid:
            self._pid = pid
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                # Line-buffered: a worker that ends without closing loses no whole line.
                self._out = (self.folder / f"part-{pid}.jsonl").open(
                    "a", encoding="utf-8", buffering=1
                )
            except OSError:
                self._out = None  # a read-only index folder: extraction still works
        return self._out

    def close(self) -> None:
        if self._out is not None and self._pid == os.getpid():
            self._out.close()
        self._out = None
