"""The indexed words of each field in memory: what prefixes, wildcards and fuzzy words stand for.

A query's `co*`, `econom*c` and `word~2` stand for the indexed words they
match in each searched field. Whoosh finds them by walking its term
dictionary on disk in Python, and for a fuzzy word by computing an edit
distance in Python for every word that shares its first letter, in each of
the nine searched fields, once for the search and once more for the
highlighting. Here each segment's words of a field are read once into a
sorted list with their document frequencies (from the word lists stored
beside the segment when it was written, `indexer.embedded.index.word_lists`,
else from Whoosh), kept for the index states that share the segment (as the
spelling words are). A prefix is a bisection of
that list; a wildcard a bisection on its literal start and Whoosh's own
pattern over that range; a fuzzy word rapidfuzz's optimal string alignment
distance (Whoosh's Damerau-Levenshtein: a swap of neighbours is one edit)
over the words sharing its first `prefixlength` letters, with a cutoff, so
that words of another length cost next to nothing.

The words found are those Whoosh's own expansion finds over an index of
several segments (`IndexReader.expand_prefix` and `terms_within`), in the
same (sorted) order. Over a single segment Whoosh instead runs a Levenshtein
automaton over the field's separate spelling words (unstemmed, so mostly
absent from the stemmed field) and counts a swap as two edits; the
several-segment meaning is kept everywhere, so that what a query finds does
not change when segments merge.

Each query's expansions are counted before any posting is read: how many
words they stand for, and in how many postings. A search over a `Budget`
raises `OverBudget`, which the search core turns into a 400 naming the limit.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.query import FuzzyTerm, Prefix, Query, Wildcard
from whoosh.query.terms import MultiTerm

from indexer.embedded.index import word_lists
from indexer.embedded.index.columns import SegmentKey, segment_key

# Words the expansions of one index state may hold in its cache (references into
# the word lists, so about 8 bytes each).
CACHE_WORDS = 500_000


@dataclass(frozen=True)
class FieldWords:
    """One segment's words of one field, sorted as Whoosh sorts them, and their frequencies."""

    words: list[str]
    frequencies: npt.NDArray[np.int64]

    def starting(self, prefix: str) -> tuple[int, int]:
        """The range of words that begin with `prefix`."""
        words = self.words
        low = bisect_left(words, prefix)
        if not prefix:
            return low, len(words)
        # From `low` on, the words beginning with the prefix come first.
        high = bisect_left(words, True, low, key=lambda word: not word.startswith(prefix))
        return low, high

    def frequency(self, word: str) -> int:
        """The word's document frequency in the segment (0: not one of its words)."""
        at = bisect_left(self.words, word)
        return int(self.frequencies[at]) if at < len(self.words) and self.words[at] == word else 0


_NO_WORDS = FieldWords([], np.zeros(0, dtype=np.int64))

# Each segment's words, by field, shared by the index states that hold the segment.
LexiconCache = dict[SegmentKey, dict[str, FieldWords]]


@dataclass(frozen=True)
class Expansion:
    """The indexed words a prefix, wildcard or fuzzy term stands for in its field,
    and the postings they have (the documents the engine would read, deleted ones too)."""

    words: tuple[str, ...]
    postings: int


@dataclass(frozen=True)
class Budget:
    """The most one query's expansions may stand for: words in all, and their postings."""

    terms: int
    postings: int


@dataclass(frozen=True)
class Cost:
    """What a query's expansions stand for: words in all (counted per field), and postings."""

    terms: int = 0
    postings: int = 0


class OverBudget(Exception):
    """A query whose expansions stand for more than its budget allows.

    `limit` is "terms" or "postings", `allowed` the budget's value, and `cost` what was
    counted when the limit was passed (counting stops there).
    """

    def __init__(self, limit: str, allowed: int, cost: Cost) -> None:
        super().__init__(f"expansions over the {limit} budget of {allowed}")
        self.limit = limit
        self.allowed = allowed
        self.cost = cost


class Lexicon:
    """The words of one index state's fields, read per segment on first use.

    A segment's words are loaded from the word lists stored beside it in
    `folder` (the generation's) when there are any, else read from Whoosh.
    """

    def __init__(
        self, reader: Any, cache: LexiconCache | None = None, folder: Path | None = None
    ) -> None:
        self.reader = reader
        self.folder = folder
        self.cache: LexiconCache = cache if cache is not None else {}
        self._leaves = [(leaf, segment_key(leaf)) for leaf, _base in reader.leaf_readers()]
        self._expansions: OrderedDict[tuple[Any, ...], Expansion] = OrderedDict()
        self._held = 0
        # Threads expand at once: the LRU order and its size are changed under
        # this lock (an expansion found twice is the same, and kept once).
        self._keeping = threading.Lock()

    def warm(self, fieldnames: Iterable[str]) -> None:
        """Read the fields' words of every segment now, not on a query."""
        for fieldname in fieldnames:
            self._segments(fieldname)

    def expand(self, query: MultiTerm) -> Expansion:
        """The words a prefix, wildcard or fuzzy term stands for (cached)."""
        key = (
            type(query).__name__,
            query.fieldname,
            getattr(query, "text", None),
            getattr(query, "maxdist", None),
            getattr(query, "prefixlength", None),
        )
        with self._keeping:
            found = self._expansions.get(key)
            if found is not None:
                self._expansions.move_to_end(key)
                return found
        found = self._expand(query)
        with self._keeping:
            if key in self._expansions:
                return self._expansions[key]
            self._expansions[key] = found
            self._held += len(found.words) + 1
            while self._held > CACHE_WORDS and len(self._expansions) > 1:
                _, old = self._expansions.popitem(last=False)
                self._held -= len(old.words) + 1
        return found

    def cost(self, query: Query, budget: Budget | None = None) -> Cost:
        """What the query's prefixes, wildcards and fuzzy terms stand for.

        With a budget, counting stops with `OverBudget` as soon as a limit is
        passed: no more is expanded than needed to know the query is refused.
        """
        terms = postings = 0
        for leaf in _multiterms(query):
            found = self.expand(leaf)
            terms += len(found.words)
            postings += found.postings
            if budget is not None:
                if terms > budget.terms:
                    raise OverBudget("terms", budget.terms, Cost(terms, postings))
                if postings > budget.postings:
                    raise OverBudget("postings", budget.postings, Cost(terms, postings))
        return Cost(terms, postings)

    def _expand(self, query: MultiTerm) -> Expansion:
        fieldname = query.fieldname
        if not isinstance(query, FuzzyTerm | Prefix | Wildcard):
            # Anything else (ranges, regular expressions): Whoosh's own expansion.
            reader = self.reader
            words = sorted({_text(t) for t in query._btexts(reader)})
            frequency = sum(reader.doc_frequency(fieldname, word) for word in words)
            return Expansion(tuple(words), frequency)
        segments = self._segments(fieldname)
        if isinstance(query, FuzzyTerm):
            text = query.text
            start = text[: query.prefixlength]
            parts = [_fuzzy(words, text, start, query.maxdist) for words in segments]
        elif isinstance(query, Prefix):
            parts = [_prefix(words, query.text) for words in segments]
        else:
            pattern = re.compile(query._get_pattern())
            start = query._find_prefix(query.text)
            parts = [_matching(words, start, pattern) for words in segments]
        return _merge(parts)

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Whoosh's `doc_frequency` of a word (deleted documents too), from the words in memory.

        "Did you mean" asks it for each word of a query in every prose field:
        from Whoosh's term files that was most of the cost of a correction.
        """
        return sum(words.frequency(text) for words in self._segments(fieldname))

    def in_segment(self, leaf: Any, segment: SegmentKey, fieldname: str, text: str) -> bool:
        """Whether one segment of this state has the word in the field.

        From its words in memory: asking Whoosh's term dictionary costs about
        20 us a word, and an upload's new segment was asked for every word
        the next searches and suggestions read (thousands a state).
        """
        return self._segment_words(leaf, segment, fieldname).frequency(text) > 0

    def words(self, fieldname: str) -> list[tuple[SegmentKey, FieldWords]]:
        """Each segment's words of a field with their frequencies (for the speller)."""
        return list(
            zip((key for _leaf, key in self._leaves), self._segments(fieldname), strict=True)
        )

    def _segments(self, fieldname: str) -> list[FieldWords]:
        """Each segment's words of the field, read once per segment."""
        return [self._segment_words(leaf, key, fieldname) for leaf, key in self._leaves]

    def _segment_words(self, leaf: Any, segment: SegmentKey, fieldname: str) -> FieldWords:
        """One segment's words of the field, read once and kept in the shared cache."""
        fields = self.cache.setdefault(segment, {})
        words = fields.get(fieldname)
        if words is None:
            words = self._read(leaf, fieldname)
            fields[fieldname] = words
        return words

    def _read(self, leaf: Any, fieldname: str) -> FieldWords:
        """A segment's words of a field: stored at build time, or read from Whoosh."""
        stored = word_lists.load(self.folder, leaf, fieldname) if self.folder else None
        words, frequencies = (
            stored if stored is not None else word_lists.read_words(leaf, fieldname)
        )
        if not words:
            return _NO_WORDS
        return FieldWords(words, frequencies)


def _prefix(words: FieldWords, prefix: str) -> tuple[list[str], int]:
    low, high = words.starting(prefix)
    return words.words[low:high], int(words.frequencies[low:high].sum())


def _matching(words: FieldWords, start: str, pattern: re.Pattern[str]) -> tuple[list[str], int]:
    """The words of a wildcard: those after its literal start that its pattern matches."""
    low, high = words.starting(start)
    found = [i for i in range(low, high) if pattern.match(words.words[i])]
    return [words.words[i] for i in found], int(words.frequencies[found].sum())


def _fuzzy(words: FieldWords, text: str, start: str, maxdist: int) -> tuple[list[str], int]:
    """The words sharing `start` with `text` within `maxdist` edits of it (OSA distance)."""
    low, high = words.starting(start)
    if low == high:
        return [], 0
    matches = process.extract(
        text,
        words.words[low:high],
        scorer=OSA.distance,
        score_cutoff=maxdist,
        limit=None,
    )
    found = sorted(low + index for _word, _distance, index in matches)
    return [words.words[i] for i in found], int(words.frequencies[found].sum())


def _merge(parts: list[tuple[list[str], int]]) -> Expansion:
    """The segments' expansions as one: each word once, in order; postings summed."""
    postings = sum(count for _, count in parts)
    found = [part for part, _ in parts if part]
    if len(found) == 1:
        return Expansion(tuple(found[0]), postings)
    return Expansion(tuple(sorted(set().union(*found))), postings)


def _multiterms(query: Query) -> Iterable[MultiTerm]:
    if isinstance(query, MultiTerm):
        yield query
        return
    for child in query.children():
        yield from _multiterms(child)


def _text(term: Any) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)
