"""The corpus trash: removed and replaced articles, kept so that nothing is lost.

`corpus/.trash/` is hidden, so the corpus readers skip it. Each entry is a
folder `<time>-<label>/` holding the file as it was and `trash.json` naming
the article ids in it, where it came from and why it went. A whole file is
moved there when all its articles go; an article taken out of a JSON or JSONL
file with others is kept there as a JSON file of its own. `vindex restore ID`
puts the newest entry holding ID back (see `restore`).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.editing.uploads import free_name, safe_name, uploads_folder
from indexer.system.files import atomic_write, fsync_folder

TRASH = ".trash"
META = "trash.json"

log = logging.getLogger(__name__)


class RestoreError(Exception):
    """A trash entry that cannot be put back as it is."""


@dataclass(frozen=True)
class TrashEntry:
    folder: Path
    ids: tuple[str, ...]
    original: str
    reason: str
    trashed: str

    @property
    def file(self) -> Path:
        return self.folder / Path(self.original).name


def trash_folder(corpus: Path) -> Path:
    return corpus / TRASH


def _new_entry(corpus: Path, label: str, ids: list[str], original: str, reason: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    folder = trash_folder(corpus) / f"{stamp}-{safe_name(label, '')}"
    n = 2
    while folder.exists():
        folder = folder.with_name(f"{folder.name}-{n}")
        n += 1
    folder.mkdir(parents=True)
    meta = {
        "ids": ids,
        "original": original,
        "reason": reason,
        "trashed": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    atomic_write(folder / META, json.dumps(meta, indent=2))
    log.info(
        "trashed %s (%s): %s",
        original,
        ", ".join(ids),
        reason,
        extra={"ids": ids, "original": original, "reason": reason, "entry": folder.name},
    )
    return folder


def trash_file(
    corpus: Path, path: Path, ids: list[str], reason: str, *, keep: bool = False
) -> TrashEntry:
    """Move a corpus file into the trash; with `keep`, hard-link it there instead.

    `keep` is for replacing a file in place: the caller renames the new
    version over the old name next, so the name never points at nothing.
    """
    original = path.resolve().relative_to(corpus.resolve()).as_posix()
    folder = _new_entry(corpus, path.name, ids, original, reason)
    target = folder / path.name
    if keep:
        os.link(path, target)
    else:
        os.rename(path, target)
        fsync_folder(path.parent)
    fsync_folder(folder)
    return _entry(folder)


def trash_record(corpus: Path, record: dict[str, Any], article_id: str, reason: str) -> TrashEntry:
    """Keep one article taken out of a file with others as `<id>.json`, restorable to uploads/."""
    name = safe_name(f"{article_id}.json")
    original = f"{uploads_folder(corpus).name}/{name}"
    folder = _new_entry(corpus, article_id, [article_id], original, reason)
    atomic_write(folder / name, json.dumps(record, ensure_ascii=False, indent=2))
    return _entry(folder)


def _entry(folder: Path) -> TrashEntry:
    meta = json.loads((folder / META).read_text("utf-8"))
    return TrashEntry(
        folder,
        tuple(meta.get("ids", [])),
        str(meta.get("original", "")),
        str(meta.get("reason", "")),
        str(meta.get("trashed", "")),
    )


def entries(corpus: Path) -> list[TrashEntry]:
    """Every trash entry, newest first."""
    root = trash_folder(corpus)
    found = []
    if root.is_dir():
        for folder in sorted(root.iterdir(), reverse=True):
            if (folder / META).is_file():
                try:
                    found.append(_entry(folder))
                except (OSError, ValueError):
                    continue
    return found


def named(corpus: Path, name: str) -> TrashEntry | None:
    """The entry whose folder is `name` (a name only: never a path out of the trash)."""
    if not name or name != Path(name).name or name.startswith("."):
        return None
    folder = trash_folder(corpus) / name
    try:
        return _entry(folder) if (folder / META).is_file() else None
    except (OSError, ValueError):
        return None


def discard(entry: TrashEntry) -> None:
    """Forget an entry whose articles are back in the corpus by other means (an upload)."""
    for path in entry.folder.iterdir():
        path.unlink()
    entry.folder.rmdir()
    fsync_folder(entry.folder.parent)
    log.info(
        "trash entry %s put back (%s)",
        entry.folder.name,
        ", ".join(entry.ids),
        extra={"ids": list(entry.ids), "entry": entry.folder.name},
    )


def find(corpus: Path, article_id: str) -> TrashEntry | None:
    """The newest entry holding the article (with its file still there)."""
    for entry in entries(corpus):
        if article_id in entry.ids and entry.file.is_file():
            return entry
    return None


def restore(corpus: Path, entry: TrashEntry) -> Path:
    """Put the entry's file back: at its old place when that is free, else in uploads/."""
    original = (corpus / entry.original).resolve()
    if not original.is_relative_to(corpus.resolve()):
        raise RestoreError(f"{entry.folder}: its original place is outside the corpus")
    target = original if not original.exists() else free_name(uploads_folder(corpus), original.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(entry.file, target)
    fsync_folder(target.parent)
    (entry.folder / META).unlink(missing_ok=True)
    entry.folder.rmdir()
    log.info(
        "restored %s (%s) from the trash",
        target,
        ", ".join(entry.ids),
        extra={"ids": list(entry.ids), "file": str(target), "entry": entry.folder.name},
    )
    return target
