"""Facet value search: the values of one facet within a search's result set that match a prefix.

A facet sidebar shows the top ten values; a reader looking for the eleventh
(or the 3,000th person of a large archive) types the start of its name. The
values are counted as the sidebar counts them: disjunctively, over the result
set without the facet's own filter, so that a value can be added to those
already selected.
"""

from __future__ import annotations

import numpy as np

from indexer.archive.request import (
    FACET_VALUES_LIMIT,
    FILTER_PARAMS,
    MAX_FACET_LIMIT,
    MAX_FACET_PREFIX,
    SEARCHABLE_FACETS,
    SearchRequest,
)
from indexer.archive.results import FacetValue, FacetValues
from indexer.embedded.search.core import SearchCore

# Facets whose values can be searched: the sidebar's, the month, and the source.


def facet_values(
    core: SearchCore,
    request: SearchRequest,
    facet: str,
    prefix: str = "",
    *,
    limit: int = FACET_VALUES_LIMIT,
) -> FacetValues:
    """The facet's values with articles in the result set whose name or a word of it
    starts with `prefix` (ignoring case); all values when the prefix is empty."""
    if facet not in SEARCHABLE_FACETS:
        raise ValueError(f"unknown facet {facet!r} (one of {', '.join(SEARCHABLE_FACETS)})")
    prefix = " ".join(prefix.split())[:MAX_FACET_PREFIX]
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
        FacetValue(names[v], int(counts[v]), names[v] in selected)
        for v in present[: max(1, min(limit, MAX_FACET_LIMIT))]
    ]
    return FacetValues(facet, prefix, values, len(present))


def _starts(name: str, prefix: str) -> bool:
    folded = name.casefold()
    if folded.startswith(prefix):
        return True
    # "vol" finds "Paul Volcker"; "> coc" style input finds sub-sections too.
    return any(part.startswith(prefix) for part in folded.replace(">", " ").split())
