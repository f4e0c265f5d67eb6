"""A segment's columns: reading stored per-document values straight from an index's segments.

Whoosh keeps a column per sortable field (section, entities, publication
date, language, source) in each segment. What reads them (the search core's
facet arrays, the spelling and field word lists, the array engine's posting
cache, the index builder's and writer's lists of what is indexed) keeps what
it read per segment, under `segment_key`: a segment's values never change,
only which of its documents are deleted. `Mask`, a flag per document number,
is the one type every set of articles has in the search core; an article's
lists (authors, tags, entities) are stored and kept in columns comma-joined.

May import numpy only.
"""

from __future__ import annotations

from itertools import accumulate
from typing import Any

import numpy as np
import numpy.typing as npt

# One flag per document number: a set of articles (matches, a filter, the live ones).
Mask = npt.NDArray[np.bool_]

SegmentKey = tuple[str, int]


def segment_key(leaf: Any) -> SegmentKey:
    """A segment as it is now: its id and its document count (a merge makes a new id)."""
    return (leaf.segment().segment_id(), leaf.doc_count_all())


def live_documents(reader: Any) -> Mask:
    """Every document of a reader but the deleted ones (few: asked per segment)."""
    live = np.ones(reader.doc_count_all(), dtype=np.bool_)
    for leaf, base in reader.leaf_readers():
        if leaf.has_deletions():
            deleted = np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)
            live[deleted + base] = False
    return live


def column_text(value: Any) -> str:
    """A stored or raw column value as text: raw columns hold bytes; a missing one is empty."""
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def split_names(value: Any) -> list[str]:
    """A comma-joined list (authors, tags, entities, as the schema stores them) as its names."""
    return [name for name in column_text(value).split(",") if name]


# Text fields' columns (ID and KEYWORD) hold UTF-8, which Whoosh's reader decodes one by one.
_TEXT_FIELDS = ("ID", "KEYWORD")


def raw_column_values(reader: Any) -> list[Any]:
    """Every document's raw value of a column reader (`translate=False`), in document order.

    A variable-length bytes column (ids, files, sections, entities) is read in
    one piece and cut by its lengths: Whoosh's reader seeks and reads once
    per document, through the compound file's layers (22 ms against 14 ms
    for a 50,000-document column read warm; most of deriving a segment's
    facet arrays). It relies on the reader's private fields, as `segments`
    does on the writer's; Whoosh is pinned at 2.7.4, its last release.
    """
    if type(reader).__qualname__ != "VarBytesColumn.Reader":
        return list(reader)
    lengths = reader._lengths
    ends = list(accumulate(lengths))
    data = reader._dbfile.get(reader._basepos, ends[-1]) if ends else b""
    return [data[end - length : end] for end, length in zip(ends, lengths, strict=True)]


def column_values(leaf: Any, name: str) -> list[Any]:
    """One segment's values of a column, translated as Whoosh's column reader gives them."""
    raw = leaf.column_reader(name, translate=False)
    if type(raw).__qualname__ != "VarBytesColumn.Reader":
        return list(leaf.column_reader(name))
    values = raw_column_values(raw)
    field = leaf.schema[name]
    if type(field).__name__ in _TEXT_FIELDS:
        return [value.decode("utf-8") for value in values]
    return [field.from_column_value(value) for value in values]


# Column values of segments, by segment and column names (see live_columns).
ColumnCache = dict[tuple[SegmentKey, tuple[str, ...]], list[tuple[Any, ...]]]


def segment_rows(
    leaf: Any, names: tuple[str, ...], cache: ColumnCache | None = None
) -> list[tuple[Any, ...]]:
    """One segment's values of the columns, a row per document (deleted ones too),
    taken from `cache` or read and kept there."""
    key = (segment_key(leaf), names)
    rows = cache.get(key) if cache is not None else None
    if rows is None:
        rows = list(zip(*(column_values(leaf, name) for name in names), strict=True))
        if cache is not None:
            cache[key] = rows
    return rows


def live_columns(reader: Any, *names: str, cache: ColumnCache | None = None) -> list[list[Any]]:
    """The values of some columns for every live document, in document order.

    Each segment's columns are read whole (a lookup per document costs three
    times as much), or taken from `cache`, where a writer keeps them from one
    update to the next.
    """
    live = live_documents(reader)
    kept: list[tuple[Any, ...]] = []
    for leaf, base in reader.leaf_readers():
        rows = segment_rows(leaf, names, cache)
        alive = live[base : base + len(rows)]
        kept.extend(rows if alive.all() else [rows[n] for n in np.flatnonzero(alive).tolist()])
    columns = [list(values) for values in zip(*kept, strict=True)] or [[] for _ in names]
    if cache is not None:
        segments = {segment_key(leaf) for leaf, _ in reader.leaf_readers()}
        for stale in [key for key in cache if key[0] not in segments]:
            del cache[stale]
    return columns
