"""Facets: the kinds of facet, and their counts from arrays read once per index state.

Counting facets per query by scanning postings or Whoosh's `groupedby` costs
tens to hundreds of milliseconds. Instead, when a searcher for a new index
state is opened, the facet columns (section, entities, language, source,
publication date) are read once into flat arrays of (document, value) pairs,
per segment (`indexer.embedded.index.columns`). A query's facet counts are
then one `numpy.bincount` over the pairs whose document is in the query's
result set: about a millisecond at 100k articles.

`KINDS` is the one table of facet kinds: per facet, the column its values
come from and how a column value splits into values, the request restriction
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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from indexer.embedded.index.columns import Mask, SegmentKey, column_text, segment_key, split_names
from indexer.embedded.index.schema import section_prefixes
from indexer.ingest.dates import VIENNA

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


def _offsets(counts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


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
            kind.name: ValueTable.from_raw(
                column(kind.column) if kind.column else months, kind.split
            )
            for kind in KINDS.values()
        }


def _same(names: tuple[str, ...]) -> tuple[str, ...]:
    return names


def _section_values(value: Any) -> list[str]:
    return section_prefixes(column_text(value))


def _single(value: Any) -> list[str]:
    return [column_text(value)] if value else []


def _year(month: str) -> list[str]:
    return [month[:4]] if month else []


Order = Literal["count", "tree", "time"]


@dataclass(frozen=True)
class FacetKind:
    """How one facet is read from the index, narrowed by a request, counted and listed."""

    name: str
    # The index column its values come from; None: the article's month in Vienna
    # (from the publication date, where the archive counts its years and months).
    column: str | None
    # One raw column value (or month) -> the article's values of this facet.
    split: Callable[[Any], list[str]]
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
        FacetKind("section", "section", _section_values, "section", "tree"),
        FacetKind("person", "person", split_names, "person", aliases="gazetteer"),
        FacetKind("organization", "organization", split_names, "organization", aliases="gazetteer"),
        FacetKind("place", "place", split_names, "place", aliases="gazetteer"),
        FacetKind("language", "language", _single, "language", aliases="language"),
        FacetKind("source", "source", _single, "source"),
        FacetKind("year", None, _year, "date", "time"),
        FacetKind("month", None, _single, "date", "time"),
    )
}


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
            for name in KINDS
        }

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
