"""Facet value search: the values of one facet within a search's result set that match a prefix.

A facet sidebar shows the top ten values; a reader looking for the eleventh
(or the 3,000th person of a large archive) types the start of its name. The
values are counted as the sidebar counts them: disjunctively, over the result
set without the facet's own filter, so that a value can be added to those
already selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from indexer.archive.request import FILTER_PARAMS, SearchRequest
from indexer.embedded.search.core import SearchCore

# Facets whose values can be searched: the sidebar's, the month, and the source.
SEARCHABLE = ("section", "year", "month", "person", "organization", "place", "language", "source")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_PREFIX = 200


@dataclass(frozen=True)
class FacetValues:
    facet: str
    prefix: str
    # Values that match, most frequent first (then by name).
    values: list[dict[str, Any]]
    # How many values match in all (more than `values` holds when limited).
    matching: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "facet": self.facet,
            "prefix": self.prefix,
            "values": self.values,
            "matching": self.matching,
        }


def facet_values(
    core: SearchCore,
    request: SearchRequest,
    facet: str,
    prefix: str = "",
    *,
    limit: int = DEFAULT_LIMIT,
) -> FacetValues:
    """The facet's values with articles in the result set whose name or a word of it
    starts with `prefix` (ignoring case); all values when the prefix is empty."""
    if facet not in SEARCHABLE:
        raise ValueError(f"unknown facet {facet!r} (one of {', '.join(SEARCHABLE)})")
    prefix = " ".join(prefix.split())[:MAX_PREFIX]
    own = "date" if facet in ("year", "month") else facet
    matched = core.match(request, exclude=own)
    table = matched.facets.tables[facet]
    counts = table.counts(matched.mask)
    present = np.flatnonzero(counts).tolist()
    wanted = prefix.casefold()
    names = table.names
    if wanted:
        present = [v for v in present if _starts(names[v], wanted)]
    present.sort(key=lambda v: (-int(counts[v]), names[v]))
    selected = set(request.values(facet)) if facet in FILTER_PARAMS else set()
    values = [
        {"value": names[v], "count": int(counts[v]), "selected": names[v] in selected}
        for v in present[: max(1, min(limit, MAX_LIMIT))]
    ]
    return FacetValues(facet, prefix, values, len(present))


def _starts(name: str, prefix: str) -> bool:
    folded = name.casefold()
    if folded.startswith(prefix):
        return True
    # "vol" finds "Paul Volcker"; "> coc" style input finds sub-sections too.
    return any(part.startswith(prefix) for part in folded.replace(">", " ").split())
