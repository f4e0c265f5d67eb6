"""Facets: the kinds of facet, and their counts from arrays read once per index state.

Counting facets per query by scanning postings or Whoosh's `groupedby` costs
tens to hundreds of milliseconds. Instead, when a searcher for a new index
state is opened, each segment's facet values (section, entities, language,
source, publication date) are taken as flat arrays of (document, value)
pairs: loaded from the file stored beside the segment when it was written,
or else derived from its columns (`indexer.embedded.index.facet_arrays`).
A query's facet counts are then one `numpy.bincount` over the pairs whose
document is in the query's result set: about a millisecond at 100k articles.
An upload makes a new index state a second under load, so the big segments'
arrays are joined once and kept from state to state (the base); a state
joins only the small segments after them (uploads') to it.

`KINDS` is the one table of facet kinds: per facet, where its values come
from (`FACET_COLUMNS`: the column, and how a column value splits), the request restriction
that narrows it (its own filter, or the dates), how its values are ordered
(by count; as a section tree, where a parent counts its children's articles
because every article carries every prefix of its path; or by time), and
which other names a filter value may use. The search result's facets
(`indexer.embedded.search.result_facets`), facet value search and filter
values read it instead of asking for a facet by name.

May import `indexer.embedded.index` and `indexer.ingest`; nothing of the search core.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from indexer.embedded.index.columns import Mask, SegmentKey, segment_key
from indexer.embedded.index.facet_arrays import (
    FACET_COLUMNS,
    FacetColumn,
    SegmentArrays,
    TableArrays,
    segment_arrays,
    table_from_raw,
)

IntArray = npt.NDArray[np.int32]


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

    @cached_property
    def positions(self) -> dict[str, int]:
        """Each name's id (made once; never changed: tables that extend this one share it)."""
        return dict(zip(self.names, range(len(self.names)), strict=True))

    @cached_property
    def docs(self) -> npt.NDArray[np.intp]:
        # Only the state's whole table counts, not the segments' it is made of.
        # numpy's index type: `take` converts any other index array on every
        # call (a fifth of a facet's count over many documents).
        docs: npt.NDArray[np.intp] = np.repeat(
            np.arange(len(self.offsets) - 1, dtype=np.intp), np.diff(self.offsets)
        )
        return docs

    @classmethod
    def of(cls, arrays: TableArrays) -> ValueTable:
        return cls(arrays.names, arrays.offsets, arrays.values)

    @classmethod
    def from_lists(cls, per_doc: Sequence[Iterable[str]]) -> ValueTable:
        """A table from each document's values."""
        return cls.from_raw([tuple(names) for names in per_doc], _same)

    @classmethod
    def from_raw(cls, raw: Sequence[Any], split: Callable[[Any], Iterable[str]]) -> ValueTable:
        """A table from raw column values, each split into names once per distinct value."""
        return cls.of(table_from_raw(raw, split))

    @classmethod
    def concat(cls, tables: Sequence[ValueTable]) -> ValueTable:
        """The tables of consecutive segments as one, value ids renumbered."""
        if len(tables) == 1:
            return tables[0]
        if not tables:
            return cls.from_lists([])
        # The first table keeps its ids; the others' names are looked up.
        first = tables[0]
        ids = dict(zip(first.names, range(len(first.names)), strict=True))
        values = [first.values]
        offsets = [first.offsets]
        for table in tables[1:]:
            remap = np.array([ids.setdefault(n, len(ids)) for n in table.names], dtype=np.int32)
            values.append(remap[table.values] if len(table.values) else table.values)
            offsets.append(table.offsets[1:] + offsets[-1][-1])
        return cls(
            list(ids),
            np.concatenate(offsets),
            np.concatenate(values).astype(np.int32, copy=False),
        )

    @cached_property
    def per_doc(self) -> IntArray | None:
        """Each document's value id, `len(names)` for none; None when a document has two or more.

        Language, source, year and month have one value per document: counted
        through this, a query's values are a compress of the documents, with
        no pass over pairs.
        """
        lengths = np.diff(self.offsets)
        if len(lengths) and int(lengths.max()) > 1:
            return None
        per_doc: IntArray = np.full(len(lengths), len(self.names), dtype=np.int32)
        per_doc[lengths == 1] = self.values
        return per_doc

    def extended(self, tables: Sequence[ValueTable]) -> ValueTable:
        """This table followed by those of later segments: its own ids kept, so that
        only the later tables' names are looked up (in its `positions`, unchanged)."""
        if not tables:
            return self
        known = self.positions
        extra: dict[str, int] = {}
        values = [self.values]
        offsets = [self.offsets]
        for table in tables:
            remap = np.array(
                [
                    known[n] if n in known else extra.setdefault(n, len(known) + len(extra))
                    for n in table.names
                ],
                dtype=np.int32,
            )
            values.append(remap[table.values] if len(table.values) else table.values)
            offsets.append(table.offsets[1:] + offsets[-1][-1])
        return ValueTable(
            # Names are never changed: with none new, the list is this table's own.
            [*self.names, *extra] if extra else self.names,
            np.concatenate(offsets),
            np.concatenate(values).astype(np.int32, copy=False),
        )

    def counts(self, mask: Mask) -> npt.NDArray[np.int64]:
        """How many documents in the mask have each value (indexed by value id)."""
        if not len(self.docs):
            return np.zeros(0, dtype=np.int64)
        size = len(self.names)
        per_doc = self.per_doc
        if per_doc is not None:
            # The slot after the last value id counts the documents without one.
            return np.bincount(np.compress(mask, per_doc), minlength=size + 1)[:size]
        if np.count_nonzero(mask) * _SPARSE_RATIO >= len(mask):
            # Most documents: one pass over all pairs. take and flatnonzero, not
            # boolean indexing: numpy's boolean gather and compress branch on
            # every element, 2-3 times slower on a mask as mixed as a result's.
            selected = self.values.take(np.flatnonzero(mask.take(self.docs)))
        else:
            # Few documents: gather just their values through the offsets.
            matched = np.flatnonzero(mask)
            starts = self.offsets[matched]
            lengths = self.offsets[matched + 1] - starts
            ends = np.cumsum(lengths)
            where = np.repeat(starts - (ends - lengths), lengths) + np.arange(
                ends[-1] if len(ends) else 0
            )
            selected = self.values[where]
        return np.bincount(selected, minlength=size)

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


def _same(names: tuple[str, ...]) -> tuple[str, ...]:
    return names


Order = Literal["count", "tree", "time"]


@dataclass(frozen=True)
class FacetKind:
    """How one facet is read from the index, narrowed by a request, counted and listed."""

    name: str
    # The index column its values come from and how a value splits (index layer).
    source: FacetColumn
    # The request restriction that narrows it: its own filter, or "date".
    restriction: str
    # "count": most articles first; "tree": top-level sections by count, each
    # followed by its sub-sections; "time": newest first, every value listed.
    order: Order = "count"
    # Other names a filter value may be given by: a language's name for its
    # code, an entity's gazetteer names for the one it is filed under.
    aliases: Literal["language", "gazetteer"] | None = None

    @property
    def filtered(self) -> bool:
        """Whether a request filters by this facet's values (`section=...`)."""
        return self.restriction == self.name


KINDS: dict[str, FacetKind] = {
    kind.name: kind
    for kind in (
        FacetKind("section", FACET_COLUMNS["section"], "section", "tree"),
        FacetKind("person", FACET_COLUMNS["person"], "person", aliases="gazetteer"),
        FacetKind(
            "organization", FACET_COLUMNS["organization"], "organization", aliases="gazetteer"
        ),
        FacetKind("place", FACET_COLUMNS["place"], "place", aliases="gazetteer"),
        FacetKind("language", FACET_COLUMNS["language"], "language", aliases="language"),
        FacetKind("source", FACET_COLUMNS["source"], "source"),
        FacetKind("year", FACET_COLUMNS["year"], "date", "time"),
        FacetKind("month", FACET_COLUMNS["month"], "date", "time"),
    )
}


# Segments of this many documents or more, at the start of an index, are its
# base (see FacetData): those of uploads are smaller until merges make them so.
BASE_MIN_DOCS = 1000


def base_length(segments: Sequence[SegmentKey]) -> int:
    """How many of an index state's first segments are big (BASE_MIN_DOCS or more)."""
    for number, (_segment, doc_count) in enumerate(segments):
        if doc_count < BASE_MIN_DOCS:
            return number
    return len(segments)


@dataclass(frozen=True)
class _Base:
    """The arrays of an index state's first, big segments, as one (see FacetData)."""

    keys: tuple[SegmentKey, ...]
    timestamps: npt.NDArray[np.float64]
    newest_first: npt.NDArray[np.int64]
    tables: dict[str, ValueTable]
    # Each facet's count of pairs per value, made on first use.
    _counts: dict[str, npt.NDArray[np.int64]] = field(default_factory=dict)

    def counts(self, facet: str) -> npt.NDArray[np.int64]:
        """How many of the base's documents (deleted ones too) have each value of a facet."""
        counted = self._counts.get(facet)
        if counted is None:
            table = self.tables[facet]
            counted = np.bincount(table.values, minlength=len(table.names))
            self._counts[facet] = counted
        return counted

    @classmethod
    def of(cls, keys: tuple[SegmentKey, ...], parts: Sequence[SegmentArrays | _Base]) -> _Base:
        """The parts (segments' arrays, or a smaller base and segments) concatenated."""
        return cls(
            keys,
            np.concatenate([p.timestamps for p in parts]) if parts else np.zeros(0),
            _merged_order(parts),
            {
                name: ValueTable.concat(
                    [
                        p.tables[name] if isinstance(p, _Base) else ValueTable.of(p.tables[name])
                        for p in parts
                    ]
                )
                for name in KINDS
            },
        )


# Segment facet arrays by segment, shared by the index states that hold the segment:
# they never change.
SegmentCache = dict[SegmentKey, SegmentArrays]


class FacetData:
    """All facet arrays of one index state, from its segments' stored or derived arrays.

    Built per segment: with a `cache` shared across states, a state that adds
    a small segment to big ones (an upload) reads only the new segment.
    `folder`, the generation's folder, is where segments' stored arrays are
    looked for (None: derived from the columns).
    """

    def __init__(
        self,
        reader: Any,
        cache: SegmentCache | None = None,
        folder: Path | None = None,
        previous: FacetData | None = None,
    ) -> None:
        self.doc_count = reader.doc_count_all()
        parts = []
        self.segments: list[SegmentKey] = []
        for leaf, _base in reader.leaf_readers():
            key = segment_key(leaf)
            part = cache.get(key) if cache is not None else None
            if part is None:
                part = segment_arrays(leaf, folder)
                if cache is not None:
                    cache[key] = part
            parts.append(part)
            self.segments.append(key)
        # The big segments come first and change only with a rebuild or a big merge;
        # uploads' small ones follow, and merge among themselves. The big ones'
        # arrays are concatenated once and kept from state to state (`_Base`), so
        # a new state concatenates only the small ones after them.
        split = base_length(self.segments)
        keys = tuple(self.segments[:split])
        old = previous.base if previous is not None else None
        self.base: _Base
        if old is not None and old.keys == keys:
            self.base = old
        elif old is not None and old.keys and keys[: len(old.keys)] == old.keys:
            self.base = _Base.of(keys, [old, *parts[len(old.keys) : split]])
        else:
            self.base = _Base.of(keys, parts[:split])
        tail = parts[split:]
        runs: list[_Run] = [self.base, *tail]
        self.timestamps: npt.NDArray[np.float64] = np.concatenate([run.timestamps for run in runs])
        self.newest_first: npt.NDArray[np.int64] = _merged_order(runs)
        self.tables: dict[str, ValueTable] = {
            name: self.base.tables[name].extended([ValueTable.of(p.tables[name]) for p in tail])
            for name in KINDS
        }

    def live_counts(self, facet: str, live: Mask) -> npt.NDArray[np.int64]:
        """How many live documents have each value of a facet (indexed by value id).

        Asked once per index state and facet (entity names, filter values):
        with no document deleted, as after uploads of new articles, it is the
        base's counts (counted once) plus a count of the small segments' pairs.
        """
        table = self.tables[facet]
        if not live.all():
            return table.counts(live)
        start = int(table.offsets[len(self.base.timestamps)])
        counts: npt.NDArray[np.int64] = np.bincount(
            table.values[start:], minlength=len(table.names)
        )
        counted = self.base.counts(facet)
        counts[: len(counted)] += counted
        return counts

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
            if limit is None:
                dated: npt.NDArray[np.int64] = order[mask[order]]
                return dated
            return _first_in(order, mask, limit)
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
        if KINDS[facet].order == "time":
            values, distinct = table.top(mask)
            values.sort(key=lambda item: item.value, reverse=True)
            return (values if limit is None else values[:limit]), distinct
        return table.top(mask, limit)

    def months_of(self, year: int, mask: Mask) -> list[FacetCount]:
        """The months of one year with articles in the mask, in calendar order."""
        values, _ = self.tables["month"].top(mask)
        prefix = f"{year:04d}-"
        return sorted((v for v in values if v.value.startswith(prefix)), key=lambda v: v.value)


def _first_in(order: npt.NDArray[np.int64], mask: Mask, limit: int) -> npt.NDArray[np.int64]:
    """The first `limit` documents of `order` that are in the mask: `order[mask[order]][:limit]`.

    Read in growing chunks from the start: a page of the newest matches is
    usually among the first few hundred documents, and checking all 100k
    (a random gather of the mask) cost more than the rest of a browsing query.
    """
    parts = []
    found = 0
    start, step = 0, max(1024, 8 * limit)
    while start < len(order) and found < limit:
        chunk = order[start : start + step]
        picked = chunk[mask[chunk]]
        parts.append(picked)
        found += len(picked)
        start += step
        step *= 4
    if not parts:
        return order[:0]
    first: npt.NDArray[np.int64] = np.concatenate(parts)[:limit]
    return first


class _Run(Protocol):
    """Consecutive documents' times and their order newest first: a segment's, or a state's."""

    @property
    def timestamps(self) -> npt.NDArray[np.float64]: ...

    @property
    def newest_first(self) -> npt.NDArray[np.int64]: ...


def _merged_order(parts: Sequence[_Run]) -> npt.NDArray[np.int64]:
    """All documents newest first, equal times in document order, from the segments' orders.

    Each segment's order is one sorted run; a stable sort of runs (numpy's
    timsort) merges them in linear time: 1 ms at 100k documents against 11
    to sort all the times.
    """
    if not parts:
        return np.zeros(0, dtype=np.int64)
    if len(parts) == 1:
        return parts[0].newest_first
    bases = np.cumsum([0] + [len(p.timestamps) for p in parts[:-1]])
    runs = np.concatenate([p.newest_first + base for p, base in zip(parts, bases, strict=True)])
    times = np.concatenate([p.timestamps[p.newest_first] for p in parts])
    merged: npt.NDArray[np.int64] = runs[np.argsort(-times, kind="stable")]
    return merged
