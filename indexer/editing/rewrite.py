"""Taking articles out of a corpus file that holds others: the file rewritten without them.

An id belongs to one file. When an upload takes an id from a file that holds
other articles too, or an editor deletes one of several, the file is
rewritten without it (atomically) and the record taken out goes to the trash.
Only JSON lists and JSON lines can be rewritten like that: a record there is
a unit of its own; the other formats are removed or replaced whole.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from indexer.editing.uploads import extension_of
from indexer.ingest.article import make_article
from indexer.ingest.errors import CorpusError
from indexer.system.files import atomic_write

# Formats whose files can be rewritten without one of their articles.
REWRITABLE = (".json", ".jsonl", ".ndjson")


def rewritable(path: Path) -> bool:
    """Whether single articles can be taken out of the file (see `REWRITABLE`)."""
    return extension_of(path.name) in REWRITABLE


def rewrite_without(path: Path, ids: set[str]) -> list[tuple[str, dict[str, Any]]]:
    """Rewrite a JSON list or JSONL file without the given articles; returns what was taken."""
    text = path.read_text("utf-8-sig")
    taken: list[tuple[str, dict[str, Any]]] = []

    def take(record: Any) -> bool:
        try:
            article_id = make_article(record).id
        except (CorpusError, TypeError, ValueError):
            return False  # kept as it is: it was an error before, and still is
        if article_id in ids:
            taken.append((article_id, record))
            return True
        return False

    if extension_of(path.name) == ".json":
        records = json.loads(text)
        kept = [r for r in records if not take(r)] if isinstance(records, list) else records
        data = json.dumps(kept, ensure_ascii=False, indent=2) + "\n"
    else:
        lines = []
        for line in text.splitlines(keepends=True):
            try:
                record = json.loads(line) if line.strip() else None
            except ValueError:
                record = None
            if record is None or not take(record):
                lines.append(line)
        data = "".join(lines)
    atomic_write(path, data)
    return taken
