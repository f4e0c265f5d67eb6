"""A request's restrictions: one document mask per filter (its values ORed) and one for the dates.

A filter value matches folded, every spelling the archive has of it
(`indexer.embedded.search.filter_values`); its documents come straight from
the facet table of the same name (`indexer.embedded.search.facets`), the
values the facets count and list, so a filter reads no posting and builds
no query. The masks of a filter's values are kept per index state: filters
repeat across requests.

May import the facet arrays, filter values and the index states.
"""

from __future__ import annotations

from datetime import UTC

import numpy as np

from indexer.archive.request import SearchRequest
from indexer.embedded.index.columns import Mask
from indexer.embedded.search.filter_values import value_mask
from indexer.embedded.search.states import IndexState, remember

# The restriction of the publication dates (`from`, `to`), beside the filters'.
DATES = "date"


def restrictions(state: IndexState, request: SearchRequest) -> dict[str, Mask]:
    """The request's restrictions by name: its filters' and DATES."""
    masks = {name: filter_mask(state, name, values) for name, values in request.filters}
    low, high = request.published_range()
    if low is not None or high is not None:
        stamps = state.facets.timestamps
        mask = np.ones(state.facets.doc_count, dtype=np.bool_)
        if low is not None:
            mask &= stamps >= low.replace(tzinfo=UTC).timestamp()
        if high is not None:
            mask &= stamps <= high.replace(tzinfo=UTC).timestamp()
        masks[DATES] = mask
    return masks


def filter_mask(state: IndexState, name: str, values: tuple[str, ...]) -> Mask:
    """The live documents having any of a filter's values (any spelling of each)."""
    key = (name, values)
    mask = state.filter_masks.get(key)
    if mask is None:
        known = state.known_values(name)
        ids = [i for value in values for i in known.ids(value)]
        table = state.facets.tables[name]
        mask = value_mask(table.values, table.docs, ids, state.facets.doc_count)
        mask &= state.all_docs
        remember(state.filter_masks, key, mask)
    return mask


def combine(base: Mask, masks: dict[str, Mask], exclude: str | None = None) -> Mask:
    """The base mask narrowed by every restriction but the excluded one."""
    combined = base
    for name, mask in masks.items():
        if name != exclude:
            combined = combined & mask
    return combined
