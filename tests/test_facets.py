"""Facet counting over the per-generation arrays: sparse and dense paths agree."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from indexer.embedded.search.facets import ValueTable


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
