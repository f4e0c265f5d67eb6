"""Word lists: one segment's indexed words of a field and their document frequencies, stored.

The search core's lexicon (`indexer.embedded.search.lexicon`) expands
prefixes, wildcards and fuzzy words, and "did you mean" corrects words, from
each segment's sorted words of the searched and spelling fields. Reading
them walks Whoosh's term dictionary in Python: 0.25 s per 50,000-article
segment, paid by the first such query after a rebuild or a start. So they
are read once when the segment is written and kept in
`<segment id>.words.npz` beside it (named, checked and removed like the
facet arrays' file: see `indexer.embedded.index.facet_arrays`); a field the
file lacks, or a file that does not fit the segment, is read from Whoosh.

May import numpy, the index schema and `indexer.system`.
"""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexer.embedded.index.schema import SEARCH_FIELDS
from indexer.system.files import atomic_write

log = logging.getLogger(__name__)

# Bump when what is stored changes: files of another version are not read.
FORMAT_VERSION = 1
SUFFIX = ".words.npz"

# A field's words (sorted as Whoosh sorts them) and how many documents have each.
Words = tuple[list[str], npt.NDArray[np.int64]]


def stored_fields(schema: Any) -> list[str]:
    """The fields whose words are stored: the searched ones and their spelling fields."""
    names = set(schema.names())
    fields = [name for name in SEARCH_FIELDS if name in names]
    for name in list(fields):
        spelling = schema[name].spelling_fieldname(name)
        if spelling in names and spelling not in fields:
            fields.append(spelling)
    return fields


def read_words(leaf: Any, fieldname: str) -> Words:
    """A segment's words of a field and their document frequencies, in Whoosh's order.

    Whoosh sorts terms as UTF-8 bytes, which is the order of their code points:
    the decoded words are in Python's string order, ready for bisection.
    """
    if fieldname not in leaf.schema or leaf.schema[fieldname].format is None:
        return [], np.zeros(0, dtype=np.int64)
    words: list[str] = []
    frequencies: list[int] = []
    for text, info in leaf.iter_field(fieldname):
        words.append(text.decode("utf-8") if isinstance(text, bytes) else str(text))
        frequencies.append(info.doc_frequency())
    return words, np.asarray(frequencies, dtype=np.int64)


def file_name(segment: Any) -> str:
    return f"{segment.segment_id()}{SUFFIX}"


def save(folder: Path, leaf: Any) -> None:
    """Store a segment reader's word lists in its generation folder (replacing any file there)."""
    fields = stored_fields(leaf.schema)
    stored: dict[str, npt.NDArray[Any]] = {
        "meta": np.array([FORMAT_VERSION, leaf.doc_count_all()], dtype=np.int64),
        "segment": pack_names([leaf.segment().segment_id()]),
    }
    kept = []
    for number, fieldname in enumerate(fields):
        words, frequencies = read_words(leaf, fieldname)
        if any("\0" in word for word in words):
            continue  # cannot be stored NUL-separated: read from Whoosh instead
        kept.append(fieldname)
        stored[f"words{number}"] = pack_names(words)
        stored[f"frequencies{number}"] = frequencies.astype(np.uint32)
    stored["fields"] = pack_names([f if f in kept else "" for f in fields])
    buffer = io.BytesIO()
    np.savez(buffer, **stored)  # type: ignore[arg-type]
    # Not fsynced: see facet_arrays.save.
    atomic_write(folder / file_name(leaf.segment()), buffer.getvalue(), durable=False)


def load(folder: Path, leaf: Any, fieldname: str) -> Words | None:
    """A segment's stored words of a field, or None when they are not stored for it."""
    path = folder / file_name(leaf.segment())
    try:
        # Opened here: numpy leaves a file it opened itself open when it is no zip.
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as npz:
            return _decode(npz, leaf.segment().segment_id(), leaf.doc_count_all(), fieldname)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, EOFError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        log.warning("word lists %s unreadable, read from the index instead: %s", path, exc)
        return None


def _decode(npz: Any, segment_id: str, doc_count: int, fieldname: str) -> Words | None:
    meta = npz["meta"]
    if meta.shape != (2,) or meta.tolist() != [FORMAT_VERSION, doc_count]:
        return None
    if unpack_names(npz["segment"]) != [segment_id]:
        return None
    fields = unpack_names(npz["fields"])
    if fieldname not in fields:
        return None
    number = fields.index(fieldname)
    words = unpack_names(npz[f"words{number}"])
    frequencies = npz[f"frequencies{number}"]
    if frequencies.shape != (len(words),):
        return None
    return words, frequencies.astype(np.int64)


def pack_names(names: list[str]) -> npt.NDArray[np.uint8]:
    """Names as one array of UTF-8 bytes, NUL-separated (a NUL ahead of each)."""
    text = "".join(f"\0{name}" for name in names)
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def unpack_names(blob: npt.NDArray[Any]) -> list[str]:
    if blob.dtype != np.uint8 or blob.ndim != 1:
        raise ValueError("names are not a byte array")
    return blob.tobytes().decode("utf-8").split("\0")[1:]
