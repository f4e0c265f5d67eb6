"""Places by their cues: streets, venues and landmarks by their head word
(``Fleet Street``, ``Ewood Park``, ``Heldenplatz``), unknown words after ``in``/``near``/
``nach`` that the text never writes in lower case or that end like a German place
name, districts (``Bezirk Kitzbühel``) and names listed with a place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from indexer.entities.cue_words import (
    DEMONYM,
    PLACE_BEFORE,
    PLACE_HEADS,
    PLACE_MARKERS,
    PLACE_PREFIXES,
)

if TYPE_CHECKING:
    pass

from indexer.entities.cues.reading import (
    _ENGLISH_BEFORE_PLACE,
    _GERMAN_PLACES,
    _VENUES,
    CueRules,
)


class PlaceCues(CueRules):
    """The place rules of the cue step."""

    def _places_by_head(self) -> None:
        """Streets, venues and landmarks: "Fleet Street", "Ewood Park", "Heldenplatz"."""
        r = self.r
        for i in self._at(PLACE_HEADS):
            if i in r.covered or i == 0 or not r._adjacent(i - 1, i):
                continue
            start = i
            while start > 0 and self._venue_word(start - 1) and r._adjacent(start - 1, start):
                if r.tokens.sentence_starts[start - 1]:
                    break
                start -= 1
            if start == i:
                continue
            r._add(self._mention("place", start, i + 1))
        if not r.german:
            return
        venues = set(filter(_VENUES.__getitem__, r.vocabulary))
        for i in self._at(venues):
            if self._free(i):
                r._add(self._mention("place", i, i + 1))

    def _venue_word(self, k: int) -> bool:
        """A word of a venue's or a street's name: "St Mary's Stadium", "Fleet Street"."""
        r = self.r
        return self._plain_name(k) or (r.words[k] in ("St", "Saint") and k not in r.covered)

    def _places_after_preposition(self) -> None:
        """ "in Pattaya", "nach Leonberg": an unknown name where a place stands."""
        r = self.r
        words = r.words
        for i in self._at(PLACE_BEFORE):
            j = i + 1
            if j >= len(words) or not r._adjacent(i, j) or not self._plain_name(j):
                continue
            word = words[j]
            if word in r.index.first_names or word in r.full_names:
                continue
            if j + 1 < len(words) and r._adjacent(j, j + 1):
                following = words[j + 1]
                if following[:1].isupper() or following.isdigit():
                    continue  # a longer name (the other rules' or none), or "Annex 2"
            if r.german:
                if not _GERMAN_PLACES[word]:
                    continue
            elif words[i] not in _ENGLISH_BEFORE_PLACE or not self._english_place(word):
                continue
            r._add(self._mention("place", j, j + 1))
        self._place_prefixes()
        self._listed_places()

    def _english_place(self, word: str) -> bool:
        """An English word where a place stands that may be one: not "in Parliament"."""
        return not (word.lower() in self.r.vocabulary or DEMONYM.fullmatch(word) or "-" in word)

    def _place_prefixes(self) -> None:
        """ "aus dem Bezirk Kitzbühel", "im Ortsteil Uttenhofen": a district and its name."""
        r = self.r
        words = r.words
        for i in self._at(PLACE_PREFIXES):
            j = i + 1
            if j >= len(words) or not r._adjacent(i, j) or i in r.covered:
                continue
            inner = r.covered.get(j)
            if inner is not None and inner.type == "place":
                r.mentions.remove(inner)
                k, end = self._tokens_of(inner)
                for t in range(k, end):
                    r.covered.pop(t, None)
                r._add(self._mention("place", i, end))
            elif self._plain_name(j):
                r._add(self._mention("place", i, j + 1))
        for i in self._at(PLACE_MARKERS):
            j = i + 1
            if j < len(words) and r._adjacent(i, j) and self._plain_name(j):
                r._add(self._mention("place", j, j + 1))

    def _listed_places(self) -> None:
        """ "Riezlern, Mittelberg und Oberstdorf": the names listed with a place are places."""
        r = self.r
        words, text = r.words, r.text
        for mention in [m for m in r.mentions if m.type == "place"]:
            _, k = self._tokens_of(mention)
            while k + 1 < len(words):
                gap = text[r.ends[k - 1] : r.starts[k]]
                if gap.strip() == ",":
                    j = k
                elif words[k] in ("and", "und") and gap.strip() == "":
                    j = k + 1
                else:
                    break
                if not self._plain_name(j) or words[j] in r.index.first_names:
                    break
                if j + 1 < len(words) and r._adjacent(j, j + 1) and words[j + 1][:1].isupper():
                    break  # a longer name
                word = words[j]
                if not (_GERMAN_PLACES[word] if r.german else self._english_place(word)):
                    break
                r._add(self._mention("place", j, j + 1))
                k = j + 1
