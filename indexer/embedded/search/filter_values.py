"""Filter values as readers type them: folded for case and accents, matched to the archive's.

A reader asks for `--person 'Jose Mourinho'` where the archive writes
"José Mourinho", for `section=politics` where it writes "Politics". A filter
value is folded as the index's analyser folds words (`indexer.embedded.index.analysis.fold`:
lowercase, accents off), and matches every value of the filter's field with the same
folded form: all the archive's spellings of it. Sections keep their tree: the
section table holds every prefix of each article's path, so a folded parent
still matches its children.

A value nothing matches is not a silent zero: `KnownValues.closest` names the
archive's nearest values among all the folded forms (`indexer.archive.closest`:
most alike first, then most used), for the JSON `filter_suggestions`, the page's
"did you mean" links and the CLI.

May import `indexer.embedded.index`, `indexer.entities` and the request model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt

from indexer.archive.closest import nearest
from indexer.archive.request import MAX_CLOSEST, MAX_SUGGESTED, SearchRequest
from indexer.archive.results import FilterMatch, FilterSuggestion
from indexer.embedded.index.analysis import fold
from indexer.embedded.index.columns import Mask
from indexer.entities.gazetteer import Gazetteer
from indexer.ingest.article import ENTITY_TYPES

# Unknown values whose closest values are kept per index state.
_CLOSEST_CACHE = 1000


class KnownValues:
    """The values of one filter's field in one index state, by folded form.

    `names` are the facet table's values (ids are their positions) and
    `counts` how many articles use each: among several spellings of one
    folded form, the most used one names it. `aliases` are further folded
    forms for some values (a language's name for its code, an entity's other
    names for the one it is filed under).
    """

    def __init__(
        self,
        names: list[str],
        counts: npt.NDArray[np.int64],
        aliases: Mapping[str, str] | None = None,
        previous: KnownValues | None = None,
    ) -> None:
        self.names = names
        self.aliases = aliases
        # A list: numpy's scalar indexing costs a microsecond a value.
        self._counts: list[int] = counts.tolist()[: len(names)]
        self._counts += [0] * (len(names) - len(self._counts))
        self._closest: dict[str, tuple[str, ...]] = {}
        # An upload's state lists the last state's values and then its own: only
        # those are folded (folding every value was most of a new state's cost).
        if not (previous is not None and self._extend(previous)):
            self._fold_all()
        # Most used spelling first: it is the one a chip or a suggestion shows.
        # Few folded forms have more than one.
        for key in self._several:
            self._ids[key] = sorted(self._ids[key], key=lambda i: (-self._counts[i], names[i]))
        self._keys: list[str] | None = None
        # Requests of several threads fill `_closest` at once: dropping the oldest
        # entry (two would pick the same) happens under this lock.
        self._keeping = threading.Lock()

    def _fold_all(self) -> None:
        names = self.names
        ids: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            ids.setdefault(fold(name), []).append(index)
        # The folded forms of the values themselves: an alias never stands for another.
        self._direct = set(ids)
        if self.aliases:
            # An alias never widens a value the archive has under that spelling
            # (a place "Georgia" stays the one filed so, whatever else it names).
            position = {name: index for index, name in enumerate(names)}
            for alias, name in self.aliases.items():
                key = fold(alias)
                if name in position and key not in self._direct:
                    found = ids.setdefault(key, [])
                    if position[name] not in found:
                        found.append(position[name])
        self._ids = ids
        self._several = {key for key, found in ids.items() if len(found) > 1}

    def _extend(self, previous: KnownValues) -> bool:
        """The previous state's folded values plus this one's new values; False when
        this state's values are not the previous ones followed by new ones."""
        before = previous.names
        names = self.names
        # Equal names are mostly the same objects: comparing is a pointer check each.
        if previous.aliases is not self.aliases and previous.aliases != self.aliases:
            return False
        if names is not before and names[: len(before)] != before:
            return False
        ids = dict(previous._ids)
        direct = previous._direct
        several = set(previous._several)
        new_direct = set()
        for index in range(len(before), len(names)):
            key = fold(names[index])
            if key in ids and key not in direct and key not in new_direct:
                return False  # now a value's own spelling, it was an alias's: fold anew
            new_direct.add(key)
            # New lists: the previous state's are its own.
            ids[key] = [*ids.get(key, ()), index]
            if len(ids[key]) > 1:
                several.add(key)
        if new_direct:
            direct = direct | new_direct
        if self.aliases and len(names) > len(before):
            new_names = {names[i]: i for i in range(len(before), len(names))}
            for alias, name in self.aliases.items():
                if name in new_names:
                    key = fold(alias)
                    if key not in direct and new_names[name] not in ids.get(key, ()):
                        ids[key] = [*ids.get(key, ()), new_names[name]]
                        if len(ids[key]) > 1:
                            several.add(key)
        self._ids = ids
        self._direct = direct
        self._several = several
        return True

    def _count(self, index: int) -> int:
        return self._counts[index]

    def ids(self, value: str) -> list[int]:
        """The ids of every value with the same folded form, most used first."""
        return self._ids.get(fold(value), [])

    def matches(self, value: str) -> list[str]:
        """The archive's spellings of a value, most used first; empty when unknown."""
        return [self.names[i] for i in self.ids(value)]

    def closest(self, value: str) -> tuple[str, ...]:
        """The archive's values nearest an unknown one, best first (cached)."""
        key = fold(value)
        found = self._closest.get(key)
        if found is None:
            found = self._nearest(key)
            with self._keeping:
                if len(self._closest) >= _CLOSEST_CACHE:
                    self._closest.pop(next(iter(self._closest)))
                self._closest[key] = found
        return found

    def _compared(self) -> list[str]:
        """The folded forms unknown values are compared with, made on first use: the
        values' own in their order, then the aliases' (as a state made from scratch
        files them, whether or not this one extended the last state's)."""
        if self._keys is None:
            direct = self._direct
            keys = [key for key in self._ids if key in direct]
            keys.extend(key for key in self._ids if key not in direct)
            self._keys = keys
        return self._keys

    def _nearest(self, key: str) -> tuple[str, ...]:
        ranked = nearest(key, self._compared(), lambda k: self._count(self._ids[k][0]), MAX_CLOSEST)
        # An entity's name and its aliases lead to one value: name it once.
        closest = dict.fromkeys(self.names[self._ids[k][0]] for k in ranked)
        return tuple(closest)[:MAX_CLOSEST]


def value_mask(
    values: npt.NDArray[np.int32], docs: npt.NDArray[np.intp], ids: list[int], size: int
) -> Mask:
    """The documents having any of the value ids, from a facet table's (document, value) pairs."""
    mask = np.zeros(size, dtype=np.bool_)
    if ids and len(values):
        mask[docs[np.isin(values, np.asarray(ids, dtype=np.int32))]] = True
    return mask


def filter_values(
    known_values: Callable[[str], KnownValues], request: SearchRequest
) -> tuple[dict[str, list[FilterMatch]], dict[str, list[FilterSuggestion]]]:
    """Each filter value's spellings in the archive, and the closest values to unknown ones.

    `known_values` gives a filter's values in the index state searched.
    """
    matches: dict[str, list[FilterMatch]] = {}
    unknown: dict[str, list[FilterSuggestion]] = {}
    suggested = 0
    for name, values in request.filters:
        known = known_values(name)
        for value in values:
            found = known.matches(value)
            if found:
                matches.setdefault(name, []).append(FilterMatch(value, list(found)))
                continue
            # Named always; compared with the archive's values only for the first few.
            closest = known.closest(value) if suggested < MAX_SUGGESTED else ()
            suggested += 1
            unknown.setdefault(name, []).append(FilterSuggestion(value, closest))
    return matches, unknown


def entity_aliases(gazetteer: Gazetteer) -> dict[str, dict[str, str]]:
    """Each entity type's gazetteer names -> the entity's name (its filter value)."""
    aliases: dict[str, dict[str, str]] = {kind: {} for kind in ENTITY_TYPES}
    for entry in gazetteer.entries:
        if entry.type in aliases:
            for alias in entry.aliases:
                # The most likely entry first (the gazetteer's order) keeps a shared alias.
                aliases[entry.type].setdefault(alias, entry.name)
    return aliases
