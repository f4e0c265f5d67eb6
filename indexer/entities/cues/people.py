"""People the gazetteer does not know, named by the words around them: line-ups
(``Everitt for Mapletoft``), roles (``striker Deon Burton``), weak first names with a
repeated surname (``Mark Pervan``) and the speaker after ``said``/``sagte``.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from indexer.entities.cue_words import (
    GERMAN_ROLE_ENDINGS,
    LINEUP_LABELS,
    ROLES,
    SAID,
)
from indexer.entities.names import PARTICLES, STOPWORDS

if TYPE_CHECKING:
    pass

from indexer.entities.cues.reading import (
    _WEAK_FIRST_NAMES,
    CueRules,
)


class PeopleCues(CueRules):
    """The people rules of the cue step."""

    def _lineups(self) -> None:
        """People in lists of names: line-ups, replacements, scorers."""
        r = self.r
        text = r.text
        firsts = r.tokens.line_firsts
        for number in range(len(firsts) - 1):
            first, last = firsts[number], firsts[number + 1]
            if last - first < 4:
                continue
            line = text[r.starts[first] : r.ends[last - 1]]
            marks = line.count(",") + line.count(";")
            if marks < 3 or last - first > 5 * (marks + 1):
                continue  # prose: a list has a mark every few words
            body_from = first
            if r.words[first] in LINEUP_LABELS or ":" in line[:30]:
                colon = line.find(":")
                if colon < 0 or colon > 30:
                    continue
                body_from = bisect.bisect_left(r.starts, r.starts[first] + colon + 1)
            items = self._list_items(body_from, last)
            named = [item for item in items if self._list_name(*item)]
            if len(items) < 4 or len(named) < 0.8 * len(items):
                continue
            # A list's names end the full names the text gives ("Mapletoft": "Mark Mapletoft").
            full = {last.casefold(): name for last, name in r.full_names.items()}
            for i, end in named:
                for k in range(i, end):
                    old = r.covered.pop(k, None)
                    if old is not None and old in r.mentions:
                        r.mentions.remove(old)
                written = " ".join(r.text[r.starts[i] : r.ends[end - 1]].split())
                name = full.get(written.casefold(), written)
                if end - i > 1 and len(r.words[i]) == 1:
                    i += 1  # "M Horak" is written "Horak" in the text's other mentions
                r._add(self._mention("person", i, end, name))

    def _list_items(self, first: int, last: int) -> list[tuple[int, int]]:
        """The items of a list from token `first` to `last`: runs of words between marks."""
        r = self.r
        items: list[tuple[int, int]] = []
        i = first
        while i < last:
            if r.words[i] in ("for", "für"):
                i += 1  # "Everitt for Mapletoft": two items
                continue
            end = i + 1
            while end < last and r.text[r.ends[end - 1] : r.starts[end]].strip() == "":
                if r.words[end] in ("for", "für"):
                    break
                end += 1
            word = r.words[i]
            if not word.isdigit() and word not in ("for", "für", "capt", "Kapitän"):
                items.append((i, end))
            i = end if end > i else i + 1
        return items

    def _list_name(self, i: int, end: int) -> bool:
        r = self.r
        if end - i > 3:
            return False
        for k in range(i, end):
            word = r.words[k]
            if word in PARTICLES or word.lower() in ("van", "de", "le"):
                continue
            if k == i and end - i > 1 and len(word) == 1 and word.isupper():
                continue  # an initial: "O Barkley"
            if not word[:1].isupper() or word.isupper() or word.lower() in STOPWORDS:
                return False
            mention = r.covered.get(k)
            if mention is not None and (
                mention.type == "organization" or self._kind(mention) in ("country", "region")
            ):
                return False  # a list of teams or countries, not of players
        return True

    def _people_by_role(self) -> None:
        """ "striker Deon Burton", "Trainer Peter Stöger": a name after a person's role."""
        r = self.r
        for i in self._at(ROLES):
            j = i + 1
            if j >= len(r.words) or not r._adjacent(i, j) or not self._plain_name(j):
                continue
            end = r._name_from(j, 3)
            if end - j < 2 and (
                r.words[j] in r.index.first_names or r.words[j] in _WEAK_FIRST_NAMES
            ):
                continue  # a first name alone: "coach Will"
            if any(not self._plain_name(k) for k in range(j, end)):
                continue
            r._claims(j, end, "person", r._known_person(r._person_name(j, end)))

    def _weak_first_names(self) -> None:
        """ "Mark Mapletoft" ... "Mapletoft": a common-word first name and a repeated surname."""
        r = self.r
        words = r.words
        spots = self._at(_WEAK_FIRST_NAMES, r.tokens.ruled)  # not in Title Case headlines
        for i in spots:
            if i in r.covered or i + 1 >= len(words) or not r._adjacent(i, i + 1):
                continue
            end = r._name_from(i, 4)
            if end - i < 2:
                continue
            surname = words[end - 1]
            if words.count(surname) < 2:
                continue
            r._claims(i, end, "person", r._person_name(i, end))

    def _people_after_said(self) -> None:
        """ "said Lomu", "sagte Leitl": the speaker after a quotation's verb."""
        r = self.r
        words = r.words
        companies = {r.words[k] for k, m in r.covered.items() if m.type == "organization"}
        for i in self._at(SAID, r.tokens.ruled):
            j = i + 1
            if j >= len(words) or not r._adjacent(i, j) or not self._plain_name(j):
                continue
            end = r._name_from(j, 3)
            if any(not self._plain_name(k) for k in range(j, end)):
                continue
            if words[j] in r.index.first_names and end - j < 2:
                continue
            if words[j] in companies:
                continue  # "says Xstrata" of a text that writes "Xstrata's bid"
            if words[j].lower().endswith(GERMAN_ROLE_ENDINGS):
                continue  # "sagte Bundesschulsprecher ...": a role, not the name
            r._claims(j, end, "person", r._known_person(r._person_name(j, end)))
