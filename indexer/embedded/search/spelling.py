"""Spelling correction for "did you mean": the closest well-attested word of the archive.

The words are those Whoosh keeps for spelling (the unstemmed words of the
title and lead fields, `spelling=True` in `indexer.embedded.index.schema`), each with the
number of articles using it, read once per index state from each segment's
lexicon (a segment's words are kept for the next state, so an upload reads
only its own). They are kept ordered by length: a word within two edits of a
misspelt one is at most two letters longer or shorter, so only those lengths
are compared (about half of the words on Reuters). The comparison is optimal
string alignment distance (a swap of two neighbouring letters is one edit:
"bnak" -> "bank") with rapidfuzz, in C; where Whoosh's corrector walked its
term list in Python. Among the words within two edits, each counts by how
many articles use it, divided by ten per edit: a rare one-edit word (often a
typo in the archive itself) loses to a common two-edit one, "volkcer" ->
"volcker", not "volker". Stop words are indexed (and so among the spelling
words) but never offered: by sheer frequency they would win every short
misspelling ("xyz" -> "by"). The frequencies come with the words, so a
correction looks nothing up in the index (asking Whoosh for each candidate's
frequency was most of a correction's cost: 24 ms for "bnak" on Reuters).

`Corrections` keeps the answers of one index state (bounded): a search that
finds little asks again for the same words on every request and every page.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.embedded.index.analysis import fold
from indexer.embedded.index.columns import SegmentKey
from indexer.embedded.index.schema import ANY_STOP_WORDS
from indexer.embedded.search.facets import base_length
from indexer.embedded.search.lexicon import FieldWords, Lexicon

MAX_EDITS = 2
# A word one edit further away must be this many times more common to win.
EDIT_WEIGHT = 10.0
# Words whose corrections one index state keeps (a few hundred bytes each).
MAX_CORRECTIONS = 10_000

# Each segment's spelling words and how many of its articles use each, shared
# by the index states that hold the segment: reading a lexicon is the slow part.
WordCache = dict[SegmentKey, dict[str, int]]


@dataclass(frozen=True)
class _Words:
    """The spelling words of some segments (stop words left out), with their counts,
    sorted by length, then alphabetically: the words of one length are a slice."""

    keys: tuple[SegmentKey, ...]
    counts: dict[str, int]
    words: list[str]

    def extended(self, keys: tuple[SegmentKey, ...], parts: list[dict[str, int]]) -> _Words:
        """These words and those of more segments (their parts), under their keys."""
        added = _counted(parts)
        if not self.counts:
            return _Words(keys, added, sorted(added, key=_order))
        counts = dict(self.counts)
        new = sorted((word for word in added if word not in counts), key=_order)
        for word, count in added.items():
            counts[word] = counts.get(word, 0) + count
        return _Words(keys, counts, _merged(self.words, new))


_NO_WORDS = _Words((), {}, [])


class Speller:
    """The spelling words of one index state's fields, with their article counts.

    The words of the big segments at the start of the index (`facets.base_length`:
    they change only with a rebuild or a big merge) are counted and sorted once
    and kept from state to state; a state adds the words of the small segments
    after them (uploads'), the few new ones put in their places, instead of
    counting and sorting every word of the archive again.
    """

    def __init__(
        self,
        lexicon: Lexicon,
        fields: list[str],
        cache: WordCache | None = None,
        previous: Speller | None = None,
    ) -> None:
        self.fields = fields
        # The lexicon reads each segment's words of a field once (the fallback
        # language's fields are searched as well, so it has them already).
        per_field = [lexicon.words(fieldname) for fieldname in fields]
        segments = list(zip(*per_field, strict=True))
        keys = [segment[0][0] for segment in segments]

        def parts(chosen: list[tuple[tuple[SegmentKey, FieldWords], ...]]) -> list[dict[str, int]]:
            return [_segment_part(segment, cache) for segment in chosen]

        split = base_length(keys)
        base_keys = tuple(keys[:split])
        old = previous._base if previous is not None and previous.fields == fields else None
        self._base: _Words
        if old is not None and old.keys == base_keys:
            self._base = old
        elif old is not None and old.keys and base_keys[: len(old.keys)] == old.keys:
            self._base = old.extended(base_keys, parts(segments[len(old.keys) : split]))
        else:
            self._base = _NO_WORDS.extended(base_keys, parts(segments[:split]))
        self._tail = _counted(parts(segments[split:]))
        base = self._base.counts
        new = sorted((word for word in self._tail if word not in base), key=_order)
        self.words: list[str] = _merged(self._base.words, new)
        longest = len(self.words[-1]) if self.words else 0
        # starts[n]: the first word of n letters or more.
        self._starts = [bisect_left(self.words, n, key=len) for n in range(longest + 2)]

    def frequency(self, word: str) -> int:
        """How many articles use the word (in the spelling fields)."""
        return self._base.counts.get(word, 0) + self._tail.get(word, 0)

    def correct(self, word: str) -> str | None:
        """The best replacement for a word the index does not have, or None."""
        # The spelling words are folded as the index folds them.
        wanted = fold(word)
        size = len(wanted)
        last = len(self._starts) - 1
        low = self._starts[min(max(0, size - MAX_EDITS), last)]
        high = self._starts[min(size + MAX_EDITS + 1, last)]
        if low >= high:
            return None
        distances = process.cdist(
            [wanted],
            self.words[low:high],
            scorer=OSA.distance,
            score_cutoff=MAX_EDITS,
            dtype=np.int32,
        )[0]
        # Beyond the cutoff rapidfuzz answers cutoff + 1; the word itself is 0.
        close = np.flatnonzero((distances > 0) & (distances <= MAX_EDITS))
        if not len(close):
            return None
        frequencies = np.array(
            [self.frequency(self.words[low + i]) for i in close.tolist()], dtype=np.float64
        )
        weights = frequencies / EDIT_WEIGHT ** distances[close]
        best = close[weights == weights.max()]
        # Equal weights: the first alphabetically, whatever its length.
        chosen: str = min(self.words[low + i] for i in best.tolist())
        return chosen


def _order(word: str) -> tuple[int, str]:
    return len(word), word


# New words up to one in this many of the known ones (or a few) are put in
# their places one by one; more are merged in one pass.
_INSERT_RATIO = 64
_INSERT_FEW = 32


def _merged(words: list[str], new: list[str]) -> list[str]:
    """Sorted (by `_order`) words and sorted new ones, as one sorted list."""
    if not new:
        return words
    if len(new) > max(_INSERT_FEW, len(words) // _INSERT_RATIO):
        return sorted([*words, *new], key=_order)
    merged = list(words)
    for word in new:
        merged.insert(bisect_left(merged, _order(word), key=_order), word)
    return merged


def _segment_part(
    segment: tuple[tuple[SegmentKey, FieldWords], ...], cache: WordCache | None
) -> dict[str, int]:
    """A segment's spelling words and their counts, from the cache or its fields' words."""
    key = segment[0][0]
    part = cache.get(key) if cache is not None else None
    if part is None:
        part = _segment_words([words for _key, words in segment])
        if cache is not None:
            cache[key] = part
    return part


def _counted(parts: list[dict[str, int]]) -> dict[str, int]:
    """Segments' word counts summed, stop words left out."""
    total: Counter[str] = Counter()
    for part in parts:
        total.update(part)
    for stop in ANY_STOP_WORDS & total.keys():
        del total[stop]
    return dict(total)


def _segment_words(fields: list[FieldWords]) -> dict[str, int]:
    """A segment's spelling words and how many of its articles use each (summed over fields)."""
    counts: Counter[str] = Counter()
    for words in fields:
        counts.update(dict(zip(words.words, words.frequencies.tolist(), strict=True)))
    return dict(counts)


K = TypeVar("K")
V = TypeVar("V")


class Corrections(Generic[K, V]):
    """Answers kept for one index state, at most `limit`, the oldest dropped first.

    Per state, never across: an upload can make a word known, or another more common.
    """

    def __init__(self, limit: int = MAX_CORRECTIONS) -> None:
        self.limit = limit
        self._answers: dict[K, V] = {}
        # Threads answer at once: dropping the oldest answer (two would pick the
        # same) happens under this lock; an answer computed twice is the same.
        self._keeping = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: K, compute: Callable[[K], V]) -> V:
        if key in self._answers:
            return self._answers[key]
        answer = compute(key)
        with self._keeping:
            if len(self._answers) >= self.limit and key not in self._answers:
                self._answers.pop(next(iter(self._answers)))
            self._answers[key] = answer
        return answer


def _text(term: Any) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)
