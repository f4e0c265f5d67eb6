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

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.embedded.index.analysis import fold
from indexer.embedded.index.columns import SegmentKey
from indexer.embedded.index.schema import ANY_STOP_WORDS
from indexer.embedded.search.lexicon import FieldWords, Lexicon

MAX_EDITS = 2
# A word one edit further away must be this many times more common to win.
EDIT_WEIGHT = 10.0
# Words whose corrections one index state keeps (a few hundred bytes each).
MAX_CORRECTIONS = 10_000

# Each segment's spelling words and how many of its articles use each, shared
# by the index states that hold the segment: reading a lexicon is the slow part.
WordCache = dict[SegmentKey, dict[str, int]]


class Speller:
    """The spelling words of one index state's fields, with their article counts.

    Made from the `previous` state's speller when that one's segments are all
    still here (an upload adds a segment): its counts plus the new segments',
    the few new words put in their places, instead of counting and sorting
    every word of the archive again.
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
        self.segments = [segment[0][0] for segment in segments]
        added = segments
        if (
            previous is not None
            and previous.fields == fields
            and set(previous.segments) <= set(self.segments)
        ):
            known = set(previous.segments)
            added = [segment for segment in segments if segment[0][0] not in known]
        total: Counter[str] = Counter()
        for segment in added:
            key = segment[0][0]
            part = cache.get(key) if cache is not None else None
            if part is None:
                part = _segment_words([words for _key, words in segment])
                if cache is not None:
                    cache[key] = part
            total.update(part)
        for stop in ANY_STOP_WORDS & total.keys():
            del total[stop]
        if added is segments or previous is None:
            self.counts: dict[str, int] = dict(total)
            # By length, then alphabetically: the words of one length are a slice.
            self.words: list[str] = sorted(total, key=_order)
        else:
            self.counts = dict(previous.counts)
            new = sorted((word for word in total if word not in self.counts), key=_order)
            for word, count in total.items():
                self.counts[word] = self.counts.get(word, 0) + count
            self.words = _merged(previous.words, new)
        longest = len(self.words[-1]) if self.words else 0
        # starts[n]: the first word of n letters or more.
        self._starts = [bisect_left(self.words, n, key=len) for n in range(longest + 2)]

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
            [self.counts[self.words[low + i]] for i in close.tolist()], dtype=np.float64
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

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: K, compute: Callable[[K], V]) -> V:
        if key in self._answers:
            return self._answers[key]
        answer = compute(key)
        if len(self._answers) >= self.limit:
            self._answers.pop(next(iter(self._answers)))
        self._answers[key] = answer
        return answer


def _text(term: Any) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)
