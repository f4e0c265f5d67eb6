"""File signatures: whether a corpus file is still the one the index was built from.

Each indexed document records its file's signature: `size-mtime-hash`, the
hash a BLAKE2b digest of the file's bytes. An update skips a file whose size
and modification time are unchanged without reading it; when only the time
changed (a copied or restored corpus, `touch`, a checkout), the bytes are
hashed and compared, so the same content is not indexed again. A copied
100,000-article corpus was indexed again whole, for longer than a rebuild.

Indexes built before hashes were kept have `size-mtime` signatures; their
files are compared by time alone, as then.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

# Bytes hashed per read: a corpus file may be large (a JSONL batch).
_CHUNK = 1 << 20


def content_hash(path: Path) -> str:
    """A digest of the file's bytes (16 bytes of BLAKE2b, as hex)."""
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def quick_signature(path: Path) -> str:
    """`size-mtime`: what a file is taken to be without reading it."""
    return _quick(path.stat())


def _quick(status: os.stat_result) -> str:
    return f"{status.st_size}-{status.st_mtime_ns}"


def file_signature(path: Path, max_bytes: int) -> str:
    """`size-mtime-hash`, taken before the file is read for indexing.

    Taken first, a change made while the file is read shows as a newer time or
    other bytes at the next update, which then reads the file again. Only a
    regular file within the size limit is hashed: a pipe would block and
    /dev/zero never end, and the reader refuses both (and a file too large).
    """
    status = path.stat()
    if not stat.S_ISREG(status.st_mode) or status.st_size > max_bytes:
        return _quick(status)
    return f"{_quick(status)}-{content_hash(path)}"


def unchanged(path: Path, recorded: str | None) -> bool:
    """Whether the file is the one indexed under the recorded signature.

    False for a file that cannot be read (it is read again, and its error named).
    """
    if recorded is None:
        return False
    try:
        status = path.stat()
        quick = _quick(status)
        if recorded == quick or recorded.startswith(quick + "-"):
            return True
        size, _, rest = recorded.partition("-")
        _mtime, _, digest = rest.partition("-")
        if not digest or str(status.st_size) != size or not stat.S_ISREG(status.st_mode):
            return False
        return content_hash(path) == digest
    except OSError:
        return False
