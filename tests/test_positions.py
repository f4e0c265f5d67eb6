"""Compact position values (indexer/embedded/index/positions.py) keep every position."""

from __future__ import annotations

import pytest

from indexer.embedded.index.positions import (
    CompactPositions,
    decode_positions,
    encode_positions,
    single_position,
)


@pytest.mark.parametrize(
    "positions",
    [[0], [7], [65535], [65536], [3, 9, 12], [1, 65535, 65536, 1_000_000], list(range(0, 9000, 3))],
)
def test_positions_come_back_as_they_went_in(positions: list[int]) -> None:
    value = encode_positions(positions)
    assert decode_positions(value) == positions
    fmt = CompactPositions(field_boost=1.5)
    assert fmt.decode_frequency(value) == len(positions)
    assert fmt.decode_weight(value) == 1.5 * len(positions)
    assert fmt.decode_positions(fmt.encode(positions)) == positions


def test_a_word_seen_once_costs_three_bytes() -> None:
    assert len(single_position(42)) == 3
    assert single_position(42) == encode_positions([42])
    assert len(encode_positions([70_000])) == 5


def test_merged_postings_combine_their_positions() -> None:
    fmt = CompactPositions()
    combined = fmt.combine([encode_positions([1, 5]), encode_positions([3, 70_000])])
    assert decode_positions(combined) == [1, 3, 5, 70_000]
