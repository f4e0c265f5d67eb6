"""Facet arrays: one segment's facet values as flat arrays, stored beside the segment.

The search core counts facets from arrays (`indexer.embedded.search.facets`):
per segment, the publication time of every document (and the documents
newest first, the order of date-sorted results) and, per facet, a table of
(document, value) pairs. Deriving them from Whoosh's columns reads every
document's values through Whoosh's column readers and splits them in Python:
0.9 s for a 100,000-article index, paid by the first query after every
rebuild or server start. So they are derived once, when a segment is written
(`save_segment_arrays`, by the build's workers and by the server's writer
after a commit), and kept in `<segment id>.facets.npz` in the generation
folder, which the search core loads in milliseconds (`segment_arrays`).

The file is named after its segment, so Whoosh's own cleanup of a segment's
files at every commit (`whoosh.index.clean_files`, which removes each file
whose name starts with a segment id no longer listed) removes it with its
segment, and `IndexLocation.clean` removes it with its generation. A file
that is missing, unreadable, of another format version or of another
document count is ignored and the arrays are derived from the columns, as
for indexes written before there were such files.

`FACET_COLUMNS` says which column each facet's values come from and how one
column value splits into values; the search side's `KINDS` adds how facets
are narrowed, ordered and named.

May import numpy, Whoosh, the index layer's columns, schema and word lists,
`indexer.system` and `indexer.ingest`.
"""

from __future__ import annotations

import io
import logging
import zipfile
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.reading import SegmentReader

from indexer.embedded.index import word_lists
from indexer.embedded.index.columns import column_text, raw_column_values, split_names
from indexer.embedded.index.schema import section_prefixes
from indexer.embedded.index.word_lists import pack_names, unpack_names
from indexer.ingest.dates import VIENNA
from indexer.system.files import atomic_write

log = logging.getLogger(__name__)

# Bump when what is stored, or how a value is derived, changes: files of
# another version are derived again from the columns.
FORMAT_VERSION = 1
SUFFIX = ".facets.npz"
# Whoosh's name of an index in a folder (as in `store`).
_INDEXNAME = "MAIN"
# Below this many documents a segment's arrays are derived when it is opened
# (about 10 ms) rather than written after each commit: an upload's segment.
SAVE_MIN_DOCS = 1000


@dataclass(frozen=True)
class FacetColumn:
    """Where one facet's values come from."""

    name: str
    # The index column its values come from; None: the article's month in Vienna
    # (from the publication date, where the archive counts its years and months).
    column: str | None
    # One raw column value (or month) -> the article's values of this facet.
    split: Callable[[Any], list[str]]


def _section_values(value: Any) -> list[str]:
    return section_prefixes(column_text(value))


def _single(value: Any) -> list[str]:
    return [column_text(value)] if value else []


def _year(month: str) -> list[str]:
    return [month[:4]] if month else []


FACET_COLUMNS: dict[str, FacetColumn] = {
    source.name: source
    for source in (
        FacetColumn("section", "section", _section_values),
        FacetColumn("person", "person", split_names),
        FacetColumn("organization", "organization", split_names),
        FacetColumn("place", "place", split_names),
        FacetColumn("language", "language", _single),
        FacetColumn("source", "source", _single),
        FacetColumn("year", None, _year),
        FacetColumn("month", None, _single),
    )
}


@dataclass(frozen=True)
class TableArrays:
    """One facet's values in one segment: document d's value ids are
    `values[offsets[d]:offsets[d + 1]]`, each naming `names[id]`."""

    names: list[str]
    offsets: npt.NDArray[np.int64]
    values: npt.NDArray[np.int32]


@dataclass(frozen=True)
class SegmentArrays:
    """A segment's publication times (seconds since 1970, UTC; 0 where missing) and facet tables."""

    timestamps: npt.NDArray[np.float64]
    tables: dict[str, TableArrays]
    # Its documents newest first (equal times in document order): a state with
    # several segments merges their orders instead of sorting all its times.
    newest_first: npt.NDArray[np.int64]


def table_from_raw(raw: Sequence[Any], split: Callable[[Any], Iterable[str]]) -> TableArrays:
    """A table from raw column values, each split into names once per distinct value."""
    ids: dict[str, int] = {}
    seen: dict[Any, tuple[int, ...]] = {}
    # C ints, not a list of Python ints: a build worker derives a whole
    # segment's tables at once, and a list costs eight times the memory.
    counts = array("q", bytes(8 * len(raw)))
    values = array("i")
    for docnum, value in enumerate(raw):
        got = seen.get(value)
        if got is None:
            got = seen[value] = tuple(ids.setdefault(n, len(ids)) for n in split(value))
        values.extend(got)
        counts[docnum] = len(got)
    return TableArrays(
        list(ids),
        offsets_of(np.frombuffer(counts, dtype=np.int64)),
        np.frombuffer(values, dtype=np.int32).copy(),
    )


def offsets_of(counts: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Where each document's values start (and, last, where they end) from how many it has."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


# Whoosh stores a DATETIME column as microseconds since datetime.min.
_EPOCH_US = (datetime(1970, 1, 1) - datetime.min) // timedelta(microseconds=1)


def timestamps_of(raw: list[Any]) -> npt.NDArray[np.float64]:
    """Seconds since 1970 (UTC) of the raw publication column; 0 where missing."""
    values = np.array([v if isinstance(v, int) else _EPOCH_US for v in raw], dtype=np.int64)
    return (values - _EPOCH_US) / 1_000_000


def vienna_months(timestamps: npt.NDArray[np.float64]) -> list[str]:
    """`YYYY-MM` of each time in Vienna, where the archive counts its years and months.

    Vienna's offset is looked up once per distinct hour, not once per article.
    """
    if not len(timestamps):
        return []
    hours = (timestamps // 3600).astype(np.int64)
    distinct, where = np.unique(hours, return_inverse=True)
    offsets = np.array(
        [
            VIENNA.utcoffset(datetime.fromtimestamp(int(h) * 3600, UTC)).total_seconds()  # type: ignore[union-attr]
            for h in distinct
        ]
    )
    local = (timestamps + offsets[where]).astype("datetime64[s]").astype("datetime64[M]")
    labels = np.datetime_as_string(local, unit="M")
    return [str(label) if stamp else "" for label, stamp in zip(labels, timestamps, strict=True)]


def derive(leaf: Any) -> SegmentArrays:
    """A segment's arrays read from its columns (what a stored file saves reading)."""
    count = leaf.doc_count_all()

    def column(name: str) -> list[Any]:
        # Raw column values: Whoosh's translating reader costs several times more.
        if not leaf.has_column(name):
            return [None] * count
        values = raw_column_values(leaf.column_reader(name, translate=False))
        return values if len(values) == count else [None] * count

    timestamps = timestamps_of(column("published"))
    months = vienna_months(timestamps)
    tables = {
        source.name: table_from_raw(
            column(source.column) if source.column else months, source.split
        )
        for source in FACET_COLUMNS.values()
    }
    return SegmentArrays(timestamps, tables, np.argsort(-timestamps, kind="stable"))


def segment_arrays(leaf: Any, folder: Path | None) -> SegmentArrays:
    """A segment's arrays: from its stored file in `folder` when that is valid, else derived."""
    if folder is not None:
        stored = load(folder, leaf)
        if stored is not None:
            return stored
    return derive(leaf)


def file_name(segment: Any) -> str:
    """The name of a segment's arrays file: its segment id first, as Whoosh's cleanup expects."""
    return f"{segment.segment_id()}{SUFFIX}"


def save_segment_arrays(generation: Path, segment: Any) -> None:
    """Store a newly written segment's facet arrays and word lists beside it in the generation.

    Everything the search core would otherwise derive from the segment when
    it first opens it (see also `indexer.embedded.index.word_lists`).
    """
    storage = FileStorage(str(generation), supports_mmap=False)
    schema = TOC.read(storage, _INDEXNAME).schema
    reader = SegmentReader(storage, schema, segment)
    try:
        save(generation, reader)
        word_lists.save(generation, reader)
    finally:
        reader.close()


def save(folder: Path, leaf: Any) -> None:
    """Store a segment reader's facet arrays in its generation folder (replacing any file there)."""
    data = encode(derive(leaf), leaf.segment().segment_id(), leaf.doc_count_all())
    if data is not None:
        # Not fsynced: a file lost or torn by a power cut is derived again, and a
        # rebuild's generation is fsynced whole before it is published.
        atomic_write(folder / file_name(leaf.segment()), data, durable=False)


def save_missing(folder: Path, reader: Any, min_docs: int | None = None) -> list[str]:
    """Store the facet arrays and word lists of the reader's segments that have none.

    A merge's new segment has none. Segments under `min_docs` documents
    (default `SAVE_MIN_DOCS`) are left to be derived when opened. Returns the
    names of the files written.
    """
    if min_docs is None:
        min_docs = SAVE_MIN_DOCS
    written = []
    for leaf, _base in reader.leaf_readers():
        if leaf.doc_count_all() < min_docs:
            continue
        for name, store in (
            (file_name(leaf.segment()), save),
            (word_lists.file_name(leaf.segment()), word_lists.save),
        ):
            if not (folder / name).exists():
                store(folder, leaf)
                written.append(name)
    return written


def encode(arrays: SegmentArrays, segment_id: str, doc_count: int) -> bytes | None:
    """The file's bytes (an uncompressed .npz); None if a name cannot be stored (a NUL in it).

    A few arrays for all facets together (each array costs a header to parse):
    per facet and document how many values it has, one row per facet; all
    value ids, facet after facet; all names, NUL-separated. Counts and ids
    are in the smallest unsigned type that holds them: the file is about 1%
    of its segment.
    """
    tables = [arrays.tables[name] for name in FACET_COLUMNS]
    names = [n for table in tables for n in table.names]
    if any("\0" in n for n in names):
        return None
    counts = np.stack([np.diff(table.offsets) for table in tables])
    values = np.concatenate([table.values for table in tables])
    stored: dict[str, npt.NDArray[Any]] = {
        "meta": np.array([FORMAT_VERSION, doc_count], dtype=np.int64),
        "segment": pack_names([segment_id]),
        "kinds": pack_names(list(FACET_COLUMNS)),
        "timestamps": arrays.timestamps,
        "newest_first": _smallest(arrays.newest_first, doc_count),
        "counts": _smallest(counts),
        "values": _smallest(values, max((len(table.names) for table in tables), default=0)),
        "value_counts": np.array([len(table.values) for table in tables], dtype=np.int64),
        "names": pack_names(names),
        "name_counts": np.array([len(table.names) for table in tables], dtype=np.int64),
    }
    buffer = io.BytesIO()
    np.savez(buffer, **stored)  # type: ignore[arg-type]
    return buffer.getvalue()


def load(folder: Path, leaf: Any) -> SegmentArrays | None:
    """A segment's stored arrays, or None when there is no valid file for it."""
    path = folder / file_name(leaf.segment())
    try:
        # Opened here: numpy leaves a file it opened itself open when it is no zip.
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as npz:
            return decode(npz, leaf.segment().segment_id(), leaf.doc_count_all())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, EOFError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        # A torn or foreign file: the columns still answer.
        log.warning("facet arrays %s unreadable, derived instead: %s", path, exc)
        return None


def decode(npz: Any, segment_id: str, doc_count: int) -> SegmentArrays | None:
    """The arrays of an opened file, if it is whole and for this segment as it is now."""
    kinds = len(FACET_COLUMNS)
    meta = npz["meta"]
    if meta.shape != (2,) or meta.tolist() != [FORMAT_VERSION, doc_count]:
        return None
    if unpack_names(npz["segment"]) != [segment_id] or unpack_names(npz["kinds"]) != list(
        FACET_COLUMNS
    ):
        return None
    timestamps = npz["timestamps"]
    newest_first = npz["newest_first"]
    counts = npz["counts"]
    values = npz["values"]
    value_counts = npz["value_counts"]
    names = unpack_names(npz["names"])
    name_counts = npz["name_counts"]
    if (
        timestamps.shape != (doc_count,)
        or timestamps.dtype != np.float64
        or newest_first.shape != (doc_count,)
        or counts.shape != (kinds, doc_count)
        or value_counts.shape != (kinds,)
        or name_counts.shape != (kinds,)
        or values.ndim != 1
        or int(value_counts.sum()) != len(values)
        or int(name_counts.sum()) != len(names)
    ):
        return None
    tables = {}
    value_ends = np.cumsum(value_counts).tolist()
    name_ends = np.cumsum(name_counts).tolist()
    for row, name in enumerate(FACET_COLUMNS):
        own = values[value_ends[row] - int(value_counts[row]) : value_ends[row]]
        own_names = names[name_ends[row] - int(name_counts[row]) : name_ends[row]]
        offsets = offsets_of(counts[row])
        if offsets[-1] != len(own) or (len(own) and int(own.max()) >= len(own_names)):
            return None
        tables[name] = TableArrays(own_names, offsets, own.astype(np.int32))
    order = newest_first.astype(np.int64)
    if doc_count and int(order.max()) >= doc_count:
        return None
    return SegmentArrays(timestamps, tables, order)


def _smallest(values: npt.NDArray[Any], bound: int | None = None) -> npt.NDArray[Any]:
    """Non-negative integers in the smallest unsigned type that holds them (or `bound - 1`)."""
    top = bound if bound is not None else (int(values.max()) + 1 if values.size else 0)
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max + 1:
            return values.astype(dtype)
    return values.astype(np.int64)
