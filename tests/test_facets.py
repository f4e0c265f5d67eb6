"""Facets: the table of kinds, and counting over the per-state arrays (sparse and dense agree)."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from indexer.archive.request import FACETS, FILTER_PARAMS, SEARCHABLE_FACETS, SearchRequest
from indexer.archive.results import FacetValue
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.facets import KINDS, ValueTable, _first_in


@pytest.mark.parametrize("density", [0.0, 0.001, 0.05, 0.2, 0.9, 1.0])
def test_counts_equal_a_plain_count_at_every_density(density: float) -> None:
    rng = random.Random(7)
    names = [f"v{i}" for i in range(40)]
    per_doc = [rng.sample(names, rng.choice([0, 0, 1, 2, 3, 5])) for _ in range(5000)]
    table = ValueTable.from_lists(per_doc)
    mask = np.array([rng.random() < density for _ in per_doc], dtype=np.bool_)
    expected = Counter(v for doc, values in enumerate(per_doc) if mask[doc] for v in values)
    counts = table.counts(mask)
    assert {table.names[i]: int(c) for i, c in enumerate(counts) if c} == dict(expected)
    top, distinct = table.top(mask, limit=5)
    assert distinct == len(expected)
    assert [(f.value, f.count) for f in top] == sorted(
        expected.items(), key=lambda item: (-item[1], item[0])
    )[:5]


@pytest.mark.parametrize("density", [0.0, 0.001, 0.05, 0.2, 0.9, 1.0])
def test_a_facet_of_one_value_per_document_counts_the_same_through_its_per_document_ids(
    density: float,
) -> None:
    # Language, source, year and month: at most one value per document.
    rng = random.Random(11)
    names = [f"v{i}" for i in range(12)]
    per_doc = [rng.sample(names, rng.choice([0, 1, 1, 1])) for _ in range(5000)]
    table = ValueTable.from_lists(per_doc)
    assert table.per_doc is not None
    mask = np.array([rng.random() < density for _ in per_doc], dtype=np.bool_)
    expected = Counter(v for doc, values in enumerate(per_doc) if mask[doc] for v in values)
    counts = table.counts(mask)
    assert len(counts) == len(table.names)
    assert {table.names[i]: int(c) for i, c in enumerate(counts) if c} == dict(expected)


@pytest.mark.parametrize("density", [0.0, 0.00002, 0.001, 0.05, 0.5, 1.0])
@pytest.mark.parametrize("limit", [1, 10, 50, 5000])
def test_a_page_by_date_is_the_first_matches_of_the_date_order(density: float, limit: int) -> None:
    rng = np.random.default_rng(3)
    order = rng.permutation(100_000).astype(np.int64)
    mask = rng.random(100_000) < density
    for ordered in (order, order[::-1]):
        assert _first_in(ordered, mask, limit).tolist() == ordered[mask[ordered]][:limit].tolist()


def test_documents_without_values_count_nothing() -> None:
    table = ValueTable.from_lists([[], ["a"], [], ["a", "b"], []])
    mask = np.array([True, False, True, True, True])
    assert table.counts(mask).tolist() == [1, 1]
    assert table.counts(np.zeros(5, dtype=np.bool_)).tolist() == [0, 0]


def test_segments_concatenate_into_one_table() -> None:
    first = ValueTable.from_raw(["a,b", None, "b", "a,b"], lambda v: v.split(",") if v else [])
    second = ValueTable.from_lists([["c"], ["b", "c"], []])
    whole = ValueTable.concat([first, second, ValueTable.from_lists([])])
    expected = ValueTable.from_lists([["a", "b"], [], ["b"], ["a", "b"], ["c"], ["b", "c"], []])
    mask = np.array([True, True, False, True, True, True, True])
    got = dict(zip(whole.names, whole.counts(mask).tolist(), strict=True))
    assert got == dict(zip(expected.names, expected.counts(mask).tolist(), strict=True))
    assert got == {"a": 2, "b": 3, "c": 2}
    assert whole.docs.tolist() == [0, 0, 2, 3, 3, 4, 5, 5]


def test_the_kinds_are_the_contracts_facets_and_filters() -> None:
    assert set(KINDS) == set(SEARCHABLE_FACETS)
    assert set(FACETS) <= set(KINDS)
    assert [name for name, kind in KINDS.items() if kind.filtered] == list(FILTER_PARAMS)
    # The dates narrow the year and month facets; nothing else does.
    assert {kind.restriction for kind in KINDS.values()} - set(FILTER_PARAMS) == {"date"}


def test_a_selected_value_beyond_the_limit_is_listed_with_its_count(demo: SearchCore) -> None:
    everything = demo.search(SearchRequest(), facet_limit=100)
    places = everything.facets["place"]
    last = places[-1]
    assert len(places) > 2
    narrowed = demo.search(SearchRequest(filters=(("place", (last.value,)),)), facet_limit=1)
    listed = narrowed.facets["place"]
    # Disjunctive: the facet's own filter does not narrow its counts.
    assert listed[0] == FacetValue(places[0].value, places[0].count, False)
    assert listed[1:] == [FacetValue(last.value, last.count, True)]
