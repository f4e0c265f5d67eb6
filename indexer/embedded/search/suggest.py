"""Suggestions while a reader types: entities by name or word prefix, then titles.

Asked on every keystroke, so both halves avoid per-request scans:

- **Entities.** Every person, organisation and place is filed under its
  lowercased name and each of its words in a sorted key list (kept from one
  index state to the next; an upload files only its new names), and each
  state counts their articles. A prefix is then a binary search and a walk
  over the keys that start with it ("ja" finds "Japan", "James Baker" and
  "Bank of Japan").
- **Titles.** The typed words become prefix queries over the title fields
  (each word also by its stem, so "ministerial" finds "Ministerial"), answered
  by the array engine rather than Whoosh's matchers: a short prefix expands
  to hundreds of words, which Whoosh walks document by document. Best match
  first, newest first among equals; each title once.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.query import And, Or, Prefix, Query

from indexer.archive.results import Suggestion
from indexer.embedded.index.schema import FALLBACK, TEXT_LANGUAGES, analyzer_for, text_field
from indexer.embedded.index.titles import shown_title
from indexer.embedded.search.engine import Postings, evaluate
from indexer.embedded.search.facets import FacetData, Mask
from indexer.ingest.article import ENTITY_TYPES

MAX_PREFIX = 100  # characters: a longer text is not being typed


@dataclass(frozen=True)
class _Entity:
    count: int
    name: str
    kind: str


@dataclass(frozen=True)
class _Lookup:
    """The entry of each key, and which entries may give a word its case (see `_casing`)."""

    numbers: npt.NDArray[np.int64]
    casing: npt.NDArray[np.bool_]


def _casing(kind: str, name: str) -> bool:
    """Whether a name writes each of its words as the archive writes a name: a
    person's words, or a one-word name (filed under its only word, so the entries
    of a word's keys that are one-word names are the names equal to the word)."""
    lowered = name.lower()
    return kind == "person" or lowered.split() == [lowered]


class NameIndex:
    """Entity names filed under their lowercased name and each of its words, in sorted keys.

    It holds no counts, so the next index state reuses it and files only the
    names it has not seen: an upload used to re-file all of them (140 ms for
    the Reuters import's 18,000 names, twice that under load).
    """

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []  # (kind, name)
        self.numbers: dict[tuple[str, str], int] = {}
        self.keys: list[tuple[str, int]] = []
        self._lookup: _Lookup | None = None

    def lookup(self) -> _Lookup:
        """Arrays over the keys and entries, for `EntityNames.cased` (made once)."""
        if self._lookup is None:
            self._lookup = _Lookup(
                np.fromiter((n for _key, n in self.keys), dtype=np.int64, count=len(self.keys)),
                np.fromiter(
                    (_casing(kind, name) for kind, name in self.entries),
                    dtype=np.bool_,
                    count=len(self.entries),
                ),
            )
        return self._lookup

    def with_names(self, names: list[tuple[str, str]]) -> NameIndex:
        """This index, or a new one that also files the names it lacks."""
        new = [entry for entry in dict.fromkeys(names) if entry not in self.numbers]
        if not new:
            return self
        index = NameIndex()
        index.entries = [*self.entries, *new]
        index.numbers = dict(self.numbers)
        added: set[tuple[str, int]] = set()
        for number, entry in enumerate(new, len(self.entries)):
            index.numbers[entry] = number
            lowered = entry[1].lower()
            added.add((lowered, number))
            added.update((word, number) for word in lowered.split())
        # Sorted runs merge in linear time.
        index.keys = sorted([*self.keys, *added])
        return index


class EntityNames:
    """The entities of one index state, findable by the start of their name or of a word."""

    def __init__(self, facets: FacetData, live: Mask, index: NameIndex | None = None) -> None:
        named: list[tuple[str, str]] = []
        counts: list[int] = []
        for kind in ENTITY_TYPES:
            table = facets.tables[kind]
            per_value = table.counts(live)
            present = np.flatnonzero(per_value)
            named.extend((kind, table.names[value]) for value in present.tolist())
            counts.extend(per_value[present].tolist())
        # Names of removed articles stay filed (with no count) until they are most of them.
        if index is None or len(index.entries) > 2 * len(named):
            index = NameIndex()
        self.index = index.with_names(named)
        self.counts = np.zeros(len(self.index.entries), dtype=np.int64)
        numbers = self.index.numbers
        self.counts[[numbers[entry] for entry in named]] = counts

    def warm(self) -> None:
        """Make what `cased` reads now (once per set of names), not on a search."""
        self.index.lookup()

    def _entity(self, number: int) -> _Entity:
        kind, name = self.index.entries[number]
        return _Entity(int(self.counts[number]), name, kind)

    def _starting(self, prefix: str) -> Iterator[tuple[str, int]]:
        """The (key, entry) pairs of this state's entities whose key starts with the
        lowercased prefix, in key order."""
        keys = self.index.keys
        # By position, not over a slice: slicing copied the rest of the keys (tens
        # of thousands) for every word, milliseconds of each "did you mean".
        for position in range(bisect.bisect_left(keys, (prefix, -1)), len(keys)):
            key, number = keys[position]
            if not key.startswith(prefix):
                return
            if self.counts[number]:
                yield key, number

    def cased(self, word: str) -> str | None:
        """The word as the archive writes a name: a whole entity ("opec" -> "OPEC") or a
        person's name ("volcker" -> "Volcker"); None for other words ("coffee", though
        the "International Coffee Organization" has it)."""
        wanted = word.lower()
        keys = self.index.keys
        lookup = self.index.lookup()
        # The entries filed under the word itself: a common one ("corp", "bank")
        # has thousands, so they are sifted as arrays, not one by one.
        low = bisect.bisect_left(keys, (wanted, -1))
        high = bisect.bisect_left(keys, (wanted, len(self.index.entries)), low)
        numbers = lookup.numbers[low:high]
        candidates = numbers[lookup.casing[numbers]]
        candidates = candidates[self.counts[candidates] > 0]
        if not len(candidates):
            return None
        counts = self.counts[candidates]
        # The most named; among equals the first filed (the lowest number).
        best = int(candidates[counts == counts.max()].min())
        name = self.index.entries[best][1]
        return next((w for w in name.split() if w.lower() == wanted), None)

    def find(self, prefix: str, limit: int) -> list[_Entity]:
        """The most named entities whose name, or a word of it, starts with the prefix."""
        found = {number for _key, number in self._starting(prefix.lower())}
        chosen = sorted((self._entity(n) for n in found), key=lambda e: (-e.count, e.name))
        return chosen[:limit]


def clean_prefix(text: str) -> str:
    return " ".join(text.split())[:MAX_PREFIX]


def suggestions(
    names: EntityNames,
    postings: Postings,
    searcher: Any,
    facets: FacetData,
    prefix: str,
    limit: int,
) -> list[Suggestion]:
    """Up to `limit` completions: entities first (half at most), then titles."""
    out = [Suggestion(e.name, e.kind, count=e.count) for e in names.find(prefix, limit // 2 or 1)]
    mask, scores = evaluate(title_query(prefix), postings)
    seen: set[str] = set()
    # Best match first, newest first among equals; enough for repeated titles.
    for docnum in facets.ranked(mask, scores, "relevance", 4 * limit).tolist():
        if len(out) >= limit:
            break
        stored = searcher.stored_fields(docnum)
        title = shown_title(stored)
        if title and title not in seen:
            seen.add(title)
            out.append(Suggestion(title, "title", id=stored["id"]))
    return out


def title_query(prefix: str) -> Query:
    """Every typed word begins a title word, in any language's title field."""
    return And(
        [
            Or([_prefix_query(group, word) for group in (*TEXT_LANGUAGES, FALLBACK)])
            for word in prefix.split()
        ]
    )


def _prefix_query(group: str, word: str) -> Query:
    """Title terms of a language group that a typed word (or its stem) begins."""
    fieldname = text_field("title", group)
    folded = [t.text for t in analyzer_for(FALLBACK)(word)]
    stemmed = [t.text for t in analyzer_for(group)(word)]
    # A whole word may be longer than its stem ("ministerial" -> "ministeri").
    forms = {form for form in (*folded[:1], *stemmed[:1]) if form}
    return Or([Prefix(fieldname, form) for form in sorted(forms)] or [Prefix(fieldname, word)])
