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
  with arrays rather than Whoosh's matchers (`title_matches`): a short prefix
  expands to hundreds of words, which Whoosh walks document by document. Best
  match first, newest first among equals; each title once.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.query import And, Or, Prefix, Query

from indexer.archive.results import Suggestion
from indexer.embedded.index.columns import Mask
from indexer.embedded.index.schema import FALLBACK, TEXT_LANGUAGES, shown_title, text_field
from indexer.embedded.search.facets import FacetData
from indexer.embedded.search.title_matches import TitleMatches, prefix_forms
from indexer.ingest.article import ENTITY_TYPES

MAX_PREFIX = 100  # characters: a longer text is not being typed


@dataclass(frozen=True)
class _Entity:
    count: int
    name: str
    kind: str


def _casing(kind: str, name: str) -> bool:
    """Whether a name writes each of its words as the archive writes a name: a
    person's words, or a one-word name (filed under its only word, so the entries
    of a word's keys that are one-word names are the names equal to the word)."""
    lowered = name.lower()
    return kind == "person" or lowered.split() == [lowered]


def _keys_of(name: str) -> set[str]:
    """The keys a name is filed under: its lowercased self and each of its words."""
    lowered = name.lower()
    return {lowered, *lowered.split()}


# New keys up to one in this many of the filed ones (or a few) are put in their
# places one by one (each a move of the list's tail); more are sorted in with the rest.
_INSERT_RATIO = 64
_INSERT_FEW = 32
_NO_NUMBERS = np.zeros(0, dtype=np.int64)


class NameIndex:
    """Entity names filed under their lowercased name and each of its words, in sorted keys.

    It holds no counts, so the next index state reuses it and files only the
    names it has not seen: an upload used to re-file all of them (140 ms for
    the Reuters import's 18,000 names, twice that under load). The keys are
    two parallel sequences, sorted by key and then entry: `texts` (bisected)
    and `key_numbers` (each key's entry, an array sifted at once). A few new
    keys are put in their places rather than all keys sorted again, and
    `tables` keeps which entry each value of a facet table is, so that the
    next state, whose tables are this one's with an upload's values after
    them, looks up only those.
    """

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []  # (kind, name)
        self.numbers: dict[tuple[str, str], int] = {}
        self.texts: list[str] = []
        self.key_numbers: npt.NDArray[np.int64] = _NO_NUMBERS
        # Per entry, whether it may give a word its case (see `_casing`).
        self.casing: npt.NDArray[np.bool_] = np.zeros(0, dtype=np.bool_)
        # Per entity type, a facet table's names and each one's entry (-1: not filed).
        self.tables: dict[str, tuple[list[str], npt.NDArray[np.int64]]] = {}

    @property
    def keys(self) -> list[tuple[str, int]]:
        """The (key, entry) pairs in order."""
        return list(zip(self.texts, self.key_numbers.tolist(), strict=True))

    def with_names(self, names: list[tuple[str, str]]) -> NameIndex:
        """This index, or a new one that also files the names it lacks."""
        new = [entry for entry in dict.fromkeys(names) if entry not in self.numbers]
        if not new:
            return self
        index = NameIndex()
        index.entries = [*self.entries, *new]
        index.numbers = dict(self.numbers)
        index.tables = dict(self.tables)
        # In the order of their entries' numbers: a stable sort by key alone then
        # orders equal keys by entry (sorting (key, number) pairs took half again as long).
        added_texts: list[str] = []
        added_numbers: list[int] = []
        for number, entry in enumerate(new, len(self.entries)):
            index.numbers[entry] = number
            keys = _keys_of(entry[1])
            added_texts.extend(keys)
            added_numbers.extend([number] * len(keys))
        if len(added_texts) <= max(_INSERT_FEW, len(self.texts) // _INSERT_RATIO):
            # New entries' numbers are the highest: each goes after its equal keys.
            texts = list(self.texts)
            places = []
            ordered = sorted(zip(added_texts, added_numbers, strict=True))
            for offset, (key, _number) in enumerate(ordered):
                place = bisect.bisect_right(texts, key)
                texts.insert(place, key)
                places.append(place - offset)
            index.texts = texts
            index.key_numbers = np.insert(
                self.key_numbers, places, [number for _key, number in ordered]
            )
        else:
            texts = [*self.texts, *added_texts]
            order = sorted(range(len(texts)), key=texts.__getitem__)
            index.texts = [texts[i] for i in order]
            numbers = np.concatenate([self.key_numbers, np.array(added_numbers, dtype=np.int64)])
            index.key_numbers = numbers[order]
        index.casing = np.concatenate(
            [self.casing, np.array([_casing(kind, name) for kind, name in new], dtype=np.bool_)]
        )
        return index

    def table_numbers(self, kind: str, names: list[str]) -> npt.NDArray[np.int64]:
        """The entry of each of a facet table's names (-1: not filed), remembered for the
        next state: a table that starts with the last one's names looks up only the rest."""
        known = self.tables.get(kind)
        start = 0
        head = _NO_NUMBERS
        if known is not None:
            before, numbers = known
            # Equal names are mostly the same objects: comparing is a pointer check each.
            if names is before or (len(names) >= len(before) and names[: len(before)] == before):
                start, head = len(before), numbers
        if start == len(names):
            return head
        tail = np.fromiter(
            (self.numbers.get((kind, name), -1) for name in names[start:]),
            dtype=np.int64,
            count=len(names) - start,
        )
        numbers = np.concatenate([head, tail]) if start else tail
        if -1 not in numbers:
            # Kept only when every name is filed: filing makes a new index (with_names).
            self.tables[kind] = (names, numbers)
        return numbers


class EntityNames:
    """The entities of one index state, findable by the start of their name or of a word."""

    def __init__(self, facets: FacetData, live: Mask, index: NameIndex | None = None) -> None:
        per_kind = []
        for kind in ENTITY_TYPES:
            table = facets.tables[kind]
            counted = facets.live_counts(kind, live)
            # One count per name (a table of no documents counts none).
            per_value = np.zeros(len(table.names), dtype=np.int64)
            per_value[: len(counted)] = counted[: len(table.names)]
            per_kind.append((kind, table.names, per_value))
        present = sum(int(np.count_nonzero(per_value)) for _k, _n, per_value in per_kind)
        # Names of removed articles stay filed (with no count) until they are most of them.
        if index is None or len(index.entries) > 2 * present:
            index = NameIndex()
        # The present names not filed yet, in the tables' order, type after type.
        unfiled: list[tuple[str, str]] = []
        for kind, names, per_value in per_kind:
            numbers = index.table_numbers(kind, names)
            missing = np.flatnonzero((numbers < 0) & (per_value > 0))
            unfiled.extend((kind, names[value]) for value in missing.tolist())
        if unfiled:
            index = index.with_names(unfiled)
        self.index = index
        self.counts = np.zeros(len(index.entries), dtype=np.int64)
        for kind, names, per_value in per_kind:
            numbers = index.table_numbers(kind, names)
            filed = numbers >= 0
            self.counts[numbers[filed]] = per_value[filed]

    def _entity(self, number: int) -> _Entity:
        kind, name = self.index.entries[number]
        return _Entity(int(self.counts[number]), name, kind)

    def cased(self, word: str) -> str | None:
        """The word as the archive writes a name: a whole entity ("opec" -> "OPEC") or a
        person's name ("volcker" -> "Volcker"); None for other words ("coffee", though
        the "International Coffee Organization" has it)."""
        wanted = word.lower()
        texts = self.index.texts
        # The entries filed under the word itself: a common one ("corp", "bank")
        # has thousands, so they are sifted as arrays, not one by one.
        low = bisect.bisect_left(texts, wanted)
        high = bisect.bisect_right(texts, wanted, low)
        numbers = self.index.key_numbers[low:high]
        candidates = numbers[self.index.casing[numbers]]
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
        wanted = prefix.lower()
        texts = self.index.texts
        low = bisect.bisect_left(texts, wanted)
        # From `low` on, the keys beginning with the prefix come first.
        high = bisect.bisect_left(texts, True, low, key=lambda key: not key.startswith(wanted))
        # A short prefix begins thousands of keys: they are sifted as arrays.
        numbers = np.unique(self.index.key_numbers[low:high])
        counts = self.counts[numbers]
        named = counts > 0
        numbers, counts = numbers[named], counts[named]
        if len(numbers) > limit:
            # Only those that can be among the first need sorting by name: all
            # with at least the limit-th largest count (ties included).
            threshold = np.partition(counts, len(counts) - limit)[len(counts) - limit]
            numbers = numbers[counts >= threshold]
        chosen = sorted(
            (self._entity(n) for n in numbers.tolist()), key=lambda e: (-e.count, e.name)
        )
        return chosen[:limit]


def clean_prefix(text: str) -> str:
    return " ".join(text.split())[:MAX_PREFIX]


def suggestions(
    names: EntityNames,
    titles: TitleMatches,
    stored: Callable[[int], dict[str, Any]],
    facets: FacetData,
    prefix: str,
    limit: int,
) -> list[Suggestion]:
    """Up to `limit` completions: entities first (half at most), then titles."""
    out = [Suggestion(e.name, e.kind, count=e.count) for e in names.find(prefix, limit // 2 or 1)]
    mask, scores = titles.match(prefix)
    seen: set[str] = set()
    # Best match first, newest first among equals; enough for repeated titles.
    for docnum in facets.ranked(mask, scores, "relevance", 4 * limit).tolist():
        if len(out) >= limit:
            break
        fields = stored(docnum)
        title = shown_title(fields)
        if title and title not in seen:
            seen.add(title)
            out.append(Suggestion(title, "title", id=fields["id"]))
    return out


def title_query(prefix: str) -> Query:
    """Every typed word begins a title word, in any language's title field (what
    `TitleMatches.match` answers, faster than the engine would)."""
    return And(
        [
            Or([_prefix_query(group, word) for group in (*TEXT_LANGUAGES, FALLBACK)])
            for word in prefix.split()
        ]
    )


def _prefix_query(group: str, word: str) -> Query:
    """Title terms of a language group that a typed word (or its stem) begins."""
    fieldname = text_field("title", group)
    return Or([Prefix(fieldname, form) for form in prefix_forms(group, word)])
