"""Files written whole: a reader, or a process killed at any moment, sees the old file or the new.

Every file Vindex writes in place (uploads, rewritten corpus files, trash
entries, imported corpus files, an index generation's `build.json`, job
records) goes through `atomic_write`: the data goes into a hidden temporary
file in the same folder, which is then renamed over the target; `os.replace`
is atomic within a file system. With `durable` (the default) the file is
fsynced before the rename and its folder after it, so that the new name
survives a power cut too; status files that are rewritten every half second
skip both.

Temporary files are hidden (the corpus walk skips them) and named after the
process that writes them, so that `remove_stale_temporaries` can tell the
leftovers of a killed process from a file another process is writing now.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from indexer.system.processes import pid_exists

TEMPORARY_PREFIX = ".partial-"
TEMPORARY_SUFFIX = ".tmp"
# The name uploads' temporaries had before there was one atomic write: a corpus
# left by a process killed then still holds them.
_OLD_PREFIXES = (".upload-",)


def atomic_write(path: Path, data: bytes | str, *, durable: bool = True) -> None:
    """Write `data` (text as UTF-8) to `path` so that it is either absent/old or whole.

    The folder is created when missing. A failed write leaves no temporary file.
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    temporary = folder / f"{TEMPORARY_PREFIX}{os.getpid()}-{os.urandom(6).hex()}{TEMPORARY_SUFFIX}"
    try:
        with open(temporary, "xb") as handle:
            handle.write(payload)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if durable:
        fsync_folder(folder)


def fsync_file(path: Path) -> None:
    """Make a file's data durable (for files written by others, such as Whoosh's segments)."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_folder(path: Path) -> None:
    """Make a rename in the folder durable (a file's own fsync does not cover its name)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        # Some file systems cannot sync a folder; their renames are as durable as they get.
        if exc.errno != errno.EINVAL:
            raise
    finally:
        os.close(fd)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Temporary files of processes that died while writing: never renamed, so never whole."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for prefix in (TEMPORARY_PREFIX, *_OLD_PREFIXES):
        for path in folder.glob(f"{prefix}*{TEMPORARY_SUFFIX}"):
            pid_text = path.name[len(prefix) :].split("-", 1)[0]
            if pid_text.isdigit() and _writing(int(pid_text)):
                continue
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _writing(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a temporary of this process at start-up is from a previous life
    return pid_exists(pid)
