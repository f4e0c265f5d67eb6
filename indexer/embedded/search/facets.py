"""Facet counts from arrays read once per index generation.

Counting facets per query by scanning postings or Whoosh's `groupedby` costs
tens to hundreds of milliseconds. Instead, when a searcher for a new index
generation is opened, the facet columns (section, entities, language, source,
publication date) are read once into flat arrays of (document, value) pairs.
A query's facet counts are then one `numpy.bincount` over the pairs whose
document is in the query's result set: about a millisecond at 100k articles.

Each facet kind is one small class: a flat facet (one or more values per
article), the section tree (a parent counts its children's articles, because
every article carries every prefix of its path), and the date facet (years,
or the months of a selected year).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from indexer.embedded.index.schema import section_prefixes
from indexer.ingest.dates import VIENNA

Mask = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int32]

_TABLES = ("section", "person", "organization", "place", "language", "source", "year", "month")


# Below one document in this many, a facet counts through the per-document
# offsets instead of scanning every (document, value) pair.
_SPARSE_RATIO = 8


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


class ValueTable:
    """The values of one facet for every document, as parallel arrays of pairs.

    Pairs are in document order: document d's value ids are
    `values[offsets[d]:offsets[d + 1]]`, and `docs` names each pair's document.
    """

    def __init__(self, names: list[str], offsets: npt.NDArray[np.int64], values: IntArray) -> None:
        self.names = names
        self.offsets = offsets
        self.values = values
        self.docs: IntArray = np.repeat(
            np.arange(len(offsets) - 1, dtype=np.int32), np.diff(offsets)
        )

    @classmethod
    def from_lists(cls, per_doc: Sequence[Iterable[str]]) -> ValueTable:
        """A table from each document's values."""
        return cls.from_raw([tuple(names) for names in per_doc], _same)

    @classmethod
    def from_raw(cls, raw: Sequence[Any], split: Callable[[Any], Iterable[str]]) -> ValueTable:
        """A table from raw column values, each split into names once per distinct value."""
        ids: dict[str, int] = {}
        seen: dict[Any, tuple[int, ...]] = {}
        counts = np.zeros(len(raw), dtype=np.int64)
        values: list[int] = []
        for docnum, value in enumerate(raw):
            got = seen.get(value)
            if got is None:
                got = seen[value] = tuple(ids.setdefault(n, len(ids)) for n in split(value))
            values.extend(got)
            counts[docnum] = len(got)
        return cls(list(ids), _offsets(counts), np.asarray(values, dtype=np.int32))

    @classmethod
    def concat(cls, tables: Sequence[ValueTable]) -> ValueTable:
        """The tables of consecutive segments as one, value ids renumbered."""
        if len(tables) == 1:
            return tables[0]
        ids: dict[str, int] = {}
        values = []
        offsets = [np.zeros(1, dtype=np.int64)]
        for table in tables:
            remap = np.array([ids.setdefault(n, len(ids)) for n in table.names], dtype=np.int32)
            values.append(remap[table.values] if len(table.values) else table.values)
            offsets.append(table.offsets[1:] + offsets[-1][-1])
        return cls(list(ids), np.concatenate(offsets), np.concatenate(values).astype(np.int32))

    def counts(self, mask: Mask) -> npt.NDArray[np.int64]:
        """How many documents in the mask have each value (indexed by value id)."""
        if not len(self.docs):
            return np.zeros(0, dtype=np.int64)
        matched = np.flatnonzero(mask)
        if len(matched) * _SPARSE_RATIO >= len(mask):
            # Most documents: one pass over all pairs.
            selected = self.values[mask[self.docs]]
        else:
            # Few documents: gather just their values through the offsets.
            starts = self.offsets[matched]
            lengths = self.offsets[matched + 1] - starts
            ends = np.cumsum(lengths)
            where = np.repeat(starts - (ends - lengths), lengths) + np.arange(
                ends[-1] if len(ends) else 0
            )
            selected = self.values[where]
        return np.bincount(selected, minlength=len(self.names))

    def top(self, mask: Mask, limit: int | None = None) -> tuple[list[FacetCount], int]:
        """The most frequent values in the mask, and how many distinct values it has."""
        counts = self.counts(mask)
        present = np.flatnonzero(counts)
        distinct = len(present)
        if limit is not None and distinct > limit:
            # Only the values that can make the top need sorting by name: all
            # with a count at least the limit-th largest (ties included).
            threshold = np.partition(counts[present], distinct - limit)[distinct - limit]
            present = present[counts[present] >= threshold]
        # Most frequent first, then by name, so equal counts come out stable.
        order = sorted(present.tolist(), key=lambda v: (-int(counts[v]), self.names[v]))
        chosen = order if limit is None else order[:limit]
        return [FacetCount(self.names[v], int(counts[v])) for v in chosen], distinct


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


# Column values of segments, by segment and column names (see live_columns).
ColumnCache = dict[tuple[SegmentKey, tuple[str, ...]], list[tuple[Any, ...]]]


def live_columns(reader: Any, *names: str, cache: ColumnCache | None = None) -> list[list[Any]]:
    """The values of some columns for every live document, in document order.

    Each segment's columns are read whole (a lookup per document costs three
    times as much), or taken from `cache`, where a writer keeps them from one
    update to the next: a segment's values never change, only which of its
    documents are deleted.
    """
    live = live_documents(reader)
    kept: list[tuple[Any, ...]] = []
    for leaf, base in reader.leaf_readers():
        key = (segment_key(leaf), names)
        rows = cache.get(key) if cache is not None else None
        if rows is None:
            rows = list(zip(*(leaf.column_reader(name) for name in names), strict=True))
            if cache is not None:
                cache[key] = rows
        alive = live[base : base + len(rows)]
        kept.extend(rows if alive.all() else [rows[n] for n in np.flatnonzero(alive).tolist()])
    columns = [list(values) for values in zip(*kept, strict=True)] or [[] for _ in names]
    if cache is not None:
        segments = {segment_key(leaf) for leaf, _ in reader.leaf_readers()}
        for stale in [key for key in cache if key[0] not in segments]:
            del cache[stale]
    return columns


def _offsets(counts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def _split(value: Any) -> list[str]:
    if not value:
        return []
    text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
    return [part for part in text.split(",") if part]


# Whoosh stores a DATETIME column as microseconds since datetime.min.
_EPOCH_US = (datetime(1970, 1, 1) - datetime.min) // timedelta(microseconds=1)


def _timestamps(raw: list[Any]) -> npt.NDArray[np.float64]:
    """Seconds since 1970 (UTC) of the raw publication column; 0 where missing."""
    values = np.array([v if isinstance(v, int) else _EPOCH_US for v in raw], dtype=np.int64)
    return (values - _EPOCH_US) / 1_000_000


def _vienna_months(timestamps: npt.NDArray[np.float64]) -> list[str]:
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


class _SegmentFacets:
    """The facet arrays of one segment: they never change, so index states share them."""

    def __init__(self, leaf: Any) -> None:
        count = leaf.doc_count_all()

        def column(name: str) -> list[Any]:
            # Raw column values: Whoosh's translating reader costs several times more.
            if not leaf.has_column(name):
                return [None] * count
            values = list(leaf.column_reader(name, translate=False))
            return values if len(values) == count else [None] * count

        self.timestamps = _timestamps(column("published"))
        months = _vienna_months(self.timestamps)
        self.tables: dict[str, ValueTable] = {
            "section": ValueTable.from_raw(column("section"), _section_values),
            "person": ValueTable.from_raw(column("person"), _split),
            "organization": ValueTable.from_raw(column("organization"), _split),
            "place": ValueTable.from_raw(column("place"), _split),
            "language": ValueTable.from_raw(column("language"), _single),
            "source": ValueTable.from_raw(column("source"), _single),
            "year": ValueTable.from_raw(months, _year),
            "month": ValueTable.from_raw(months, _single),
        }


def _same(names: tuple[str, ...]) -> tuple[str, ...]:
    return names


def _section_values(value: Any) -> list[str]:
    return section_prefixes(_text(value))


def _single(value: Any) -> list[str]:
    return [_text(value)] if value else []


def _year(month: str) -> list[str]:
    return [month[:4]] if month else []


# Segment facet arrays by segment, shared by the index states that hold the segment.
SegmentCache = dict[SegmentKey, _SegmentFacets]


class FacetData:
    """All facet arrays of one index state, read from a Whoosh reader's columns.

    Built per segment: with a `cache` shared across states, a state that adds
    a small segment to big ones (an upload) reads only the new segment.
    """

    def __init__(self, reader: Any, cache: SegmentCache | None = None) -> None:
        self.doc_count = reader.doc_count_all()
        parts = []
        for leaf, _base in reader.leaf_readers():
            key = segment_key(leaf)
            part = cache.get(key) if cache is not None else None
            if part is None:
                part = _SegmentFacets(leaf)
                if cache is not None:
                    cache[key] = part
            parts.append(part)
        self.timestamps: npt.NDArray[np.float64] = (
            np.concatenate([p.timestamps for p in parts]) if parts else np.zeros(0)
        )
        self.newest_first: npt.NDArray[np.int64] = np.argsort(-self.timestamps, kind="stable")
        self.tables: dict[str, ValueTable] = {
            name: ValueTable.concat([p.tables[name] for p in parts])
            if parts
            else ValueTable.from_lists([])
            for name in _TABLES
        }

    def mask(self, docnums: Iterable[int]) -> Mask:
        mask = np.zeros(self.doc_count, dtype=np.bool_)
        array = np.fromiter(docnums, dtype=np.int64)
        if len(array):
            mask[array] = True
        return mask

    def ranked(
        self,
        mask: Mask,
        scores: npt.NDArray[np.float64] | None,
        sort: str,
        limit: int | None = None,
    ) -> npt.NDArray[np.int64]:
        """The documents of the mask in a search's order, the first `limit` (or all).

        "newest" and "oldest" (and any order without scores) come straight from
        the date order; "relevance" is best score first, equal scores (to six
        places) newest first (SPEC §6).
        """
        if scores is None or sort != "relevance":
            order = self.newest_first if sort != "oldest" else self.newest_first[::-1]
            dated: npt.NDArray[np.int64] = order[mask[order]]
            return dated if limit is None else dated[:limit]
        candidates = np.flatnonzero(mask)
        rounded = np.round(scores[candidates], 6)
        if limit is not None and len(candidates) > 2 * limit:
            # Only the documents that can be among the first need sorting: those
            # scoring at least the limit-th best score (ties included).
            threshold = -np.partition(-rounded, limit - 1)[limit - 1]
            keep = rounded >= threshold
            candidates, rounded = candidates[keep], rounded[keep]
        order = np.lexsort((-self.timestamps[candidates], -rounded))
        best: npt.NDArray[np.int64] = candidates[order[:limit]]
        return best

    def counts(
        self, facet: str, mask: Mask, limit: int | None = None
    ) -> tuple[list[FacetCount], int]:
        """The top values of a facet over the documents of the mask, and the distinct count.

        Years and months are listed in time order (newest first), not by count.
        """
        table = self.tables[facet]
        if facet in ("year", "month"):
            values, distinct = table.top(mask)
            values.sort(key=lambda item: item.value, reverse=True)
            return (values if limit is None else values[:limit]), distinct
        return table.top(mask, limit)

    def months_of(self, year: int, mask: Mask) -> list[FacetCount]:
        """The months of one year with articles in the mask, in calendar order."""
        values, _ = self.tables["month"].top(mask)
        prefix = f"{year:04d}-"
        return sorted((v for v in values if v.value.startswith(prefix)), key=lambda v: v.value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
