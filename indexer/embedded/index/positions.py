"""How a word's positions in a document are kept in its posting: a compact array.

Whoosh's `Positions` format encodes a posting's positions as a 4-byte count
and a pickled list of deltas: 12 bytes or more for a word seen once, most of
the postings file of a news archive, and a pickle to load for every posting
a phrase reads. `CompactPositions` keeps the same information as a typecode
byte and the absolute positions as 16-bit integers (32-bit when a position
passes 65,535): 3 bytes for a word seen once, decoded by `array` in C. It
is a Whoosh format like any other (the schema pickles it), so Whoosh's own
searcher reads the index, phrases included.
"""

from __future__ import annotations

import functools
import sys
from array import array
from collections.abc import Iterable

from whoosh.formats import Positions

_SHORT = ord("H")
_SWAP = sys.byteorder != "little"  # stored little-endian, whatever the machine


def encode_positions(positions: list[int]) -> bytes:
    """A posting's value: the typecode, then the positions (ascending)."""
    typecode = "H" if positions[-1] < 65536 else "I"
    packed = array(typecode, positions)
    if _SWAP:
        packed.byteswap()
    return typecode.encode("ascii") + packed.tobytes()


@functools.lru_cache(maxsize=65536)
def single_position(position: int) -> bytes:
    """The value of a word seen once, at `position`: most postings, so remembered."""
    return encode_positions([position])


def decode_positions(value: bytes) -> list[int]:
    packed = array(chr(value[0]), value[1:])
    if _SWAP:
        packed.byteswap()
    return packed.tolist()


def positions_count(value: bytes) -> int:
    return (len(value) - 1) // (2 if value[0] == _SHORT else 4)


class CompactPositions(Positions):  # type: ignore[misc]
    """Whoosh's `Positions` with the compact value above (frequency, weight and positions)."""

    def encode(self, poslist: Iterable[int]) -> bytes:
        # Whoosh passes a document's positions in ascending order.
        return encode_positions(list(poslist))

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return decode_positions(valuestring)

    def decode_frequency(self, valuestring: bytes) -> int:
        return positions_count(valuestring)

    def decode_weight(self, valuestring: bytes) -> float:
        weight: float = positions_count(valuestring) * self.field_boost
        return weight
