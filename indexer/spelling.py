"""Spelling correction for "did you mean": the closest well-attested word of the archive.

The words are those Whoosh keeps for spelling (the unstemmed words of the
title and lead fields, `spelling=True` in `indexer.schema`), read once per
index state from each segment's lexicon (a segment's words are kept for the
next state, so an upload reads only its own). A misspelt word is compared with
all of them by optimal string alignment distance (a swap of two neighbouring
letters is one edit: "bnak" -> "bank") with rapidfuzz, a few milliseconds for
tens of thousands of words, where Whoosh's corrector walked its term list in
Python for hundreds. Among the words within two edits, each counts by how
many articles use it, divided by ten per edit: a rare one-edit word (often a
typo in the archive itself) loses to a common two-edit one, "volkcer" ->
"volcker", not "volker". Stop words are indexed (and so among the spelling
words) but never offered: by sheer frequency they would win every short
misspelling ("xyz" -> "by").
"""

from __future__ import annotations

from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.analysis import stop_words
from indexer.facets import SegmentKey, segment_key
from indexer.schema import TEXT_LANGUAGES

MAX_EDITS = 2
# A word one edit further away must be this many times more common to win.
EDIT_WEIGHT = 10.0
# Candidates looked up in the index (by distance), at most.
MAX_CANDIDATES = 40

_STOP_WORDS = frozenset().union(*(stop_words(language) for language in TEXT_LANGUAGES))

# Each segment's spelling words, shared by the index states that hold the segment:
# reading a lexicon term by term is the slow part.
WordCache = dict[SegmentKey, frozenset[str]]


class Speller:
    """The spelling words of one index state's fields."""

    def __init__(self, reader: Any, fields: list[str], cache: WordCache | None = None) -> None:
        self.fields = fields
        parts = []
        for leaf, _base in reader.leaf_readers():
            key = segment_key(leaf)
            part = cache.get(key) if cache is not None else None
            if part is None:
                part = frozenset(
                    _text(term) for fieldname in fields for term in leaf.lexicon(fieldname)
                )
                if cache is not None:
                    cache[key] = part
            parts.append(part)
        self.words = sorted(frozenset().union(*parts) - _STOP_WORDS)

    def correct(self, word: str, reader: Any) -> str | None:
        """The best replacement for a word the index does not have, or None."""
        lowered = word.lower()
        found = process.extract(
            lowered,
            self.words,
            scorer=OSA.distance,
            score_cutoff=MAX_EDITS,
            limit=MAX_CANDIDATES,
        )
        best: tuple[float, str] | None = None
        for candidate, distance, _index in found:
            if candidate == lowered:
                continue
            frequency = sum(reader.doc_frequency(f, candidate) for f in self.fields)
            if not frequency:
                continue
            weight = frequency / EDIT_WEIGHT**distance
            if best is None or weight > best[0] or (weight == best[0] and candidate < best[1]):
                best = (weight, candidate)
        return best[1] if best else None


def _text(term: Any) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)
