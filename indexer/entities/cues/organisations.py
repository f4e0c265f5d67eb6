"""Organisations by their cues: German bodies in one word or with their field or
place (``Gesundheitsministerium``, ``Handelskammer von Thessaloniki``), a broadcaster's
channel named whole (``BBC Sport Wales``), companies by their cues (``shares in
Yukos``, ``WMC chairman``) and unknown acronyms that recur (``ITV1``).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from indexer.entities.cue_words import (
    COMPANY_AFTER,
    COMPANY_BEFORE,
    COMPANY_BEFORE_THAT,
    COMPETITIONS,
    DEMONYM,
    ORG_TAIL_LINKS,
)
from indexer.entities.names import STOPWORDS

if TYPE_CHECKING:
    pass

from indexer.entities.cues.reading import (
    _ACRONYMS,
    _BODIES,
    _CAPITALISED_BEFORE_THAT,
    _TAILED_BODIES,
    CueRules,
)


class OrganisationCues(CueRules):
    """The organisation rules of the cue step."""

    def _bodies(self) -> None:
        """German public bodies in one word: "Gesundheitsministerium", "Volksanwaltschaft"."""
        r = self.r
        words = r.words
        found = set(filter(_BODIES.__getitem__, r.vocabulary))
        for i in self._at(found):
            if i in r.covered:
                continue
            start = i
            # "Österreichischer Wirtschaftsbund": its adjective goes with it.
            if i > 0 and r._adjacent(i - 1, i) and i - 1 not in r.covered:
                before = words[i - 1]
                if before[:1].isupper() and DEMONYM.fullmatch(before.rstrip("rs")):
                    start = i - 1
            r._add(self._mention("organization", start, i + 1))

    def _channels(self) -> None:
        """A broadcaster's channel or service: "BBC Sport Wales", "BBC Radio 4", "ITV News"."""
        r = self.r
        words = r.words
        for mention in list(r.mentions):
            if mention.type != "organization" or r.german or self._kind(mention) != "media":
                continue
            i, end = self._tokens_of(mention)
            stop = end
            while stop < min(end + 3, len(words)) and r._adjacent(stop - 1, stop):
                word = words[stop]
                if r.tokens.sentence_starts[stop] or r.word_rules.title[word]:
                    break
                if not (word[:1].isupper() or word.isdigit()) or word.lower() in STOPWORDS:
                    break
                if stop in r.covered and r.covered[stop].type != "place":
                    break
                stop += 1
            if stop == end:
                continue
            for k in range(end, stop):  # "Wales" in "BBC Sport Wales" is part of the name
                old = r.covered.pop(k, None)
                if old is not None and old in r.mentions:
                    r.mentions.remove(old)
            r.mentions.remove(mention)
            for k in range(i, end):
                r.covered.pop(k, None)
            r._add(self._mention("organization", i, stop))

    def _tailed_bodies(self) -> None:
        """ "Handelskammer von Thessaloniki", "Bundesinstitut für Bildungsforschung"."""
        r = self.r
        words = r.words
        for i in self._at(set(filter(_TAILED_BODIES.__getitem__, r.vocabulary))):
            link = i + 1
            if i in r.covered or link + 1 >= len(words) or words[link] not in ORG_TAIL_LINKS:
                continue
            if not (r._adjacent(i, link) and r._adjacent(link, link + 1)):
                continue
            end = link + 1
            while end < min(link + 4, len(words)) and r._adjacent(end - 1, end):
                if not (words[end][:1].isupper() and words[end].lower() not in STOPWORDS):
                    break
                end += 1
            if end == link + 1:
                continue
            for k in range(link + 1, end):  # the place in the name is part of it
                old = r.covered.pop(k, None)
                if old is not None and old in r.mentions:
                    r.mentions.remove(old)
            r._add(self._mention("organization", i, end))

    def _companies(self) -> None:
        """ "Xstrata's bid", "shares in Yukos", "WMC chairman": an unknown word as a company."""
        r = self.r
        words, text = r.words, r.text
        # Only words next to a cue can be one: found from the cues.
        spots = {i - 1 for i in self._at(COMPANY_AFTER)}
        spots.update(i + 2 for i in self._at(COMPANY_BEFORE_THAT | _CAPITALISED_BEFORE_THAT))
        for i in sorted(spots):
            if i < 0 or i + 1 >= len(words) or not self._plain_name(i):
                continue
            word = words[i]
            if word in r.index.first_names or word in r.full_names or "-" in word:
                continue
            gap = text[r.ends[i] : r.starts[i + 1]]
            after = words[i + 1] if gap.strip() in ("", "'s", "’s") else ""
            before = words[i - 1] if i > 0 and r._adjacent(i - 1, i) else ""
            before_that = words[i - 2] if i > 1 and before else ""
            opening = bool(r.tokens.sentence_starts[i]) and gap.strip() == ""
            if (after in COMPANY_AFTER and not opening) or (
                before in COMPANY_BEFORE and before_that.lower() in COMPANY_BEFORE_THAT
            ):
                r._add(self._mention("organization", i, i + 1))

    def _acronyms(self) -> None:
        """Unknown ALL-CAPS words in running text name organisations."""
        r = self.r
        words, caps, lines = r.words, r.caps, r.lines
        counts: Counter[str] | None = None
        found = set(filter(_ACRONYMS.__getitem__, filter(str.isupper, r.vocabulary)))
        for i in self._at(found, r.tokens.ruled):
            word = words[i]
            if i in r.covered or caps[lines[i]]:
                continue
            letters = word.rstrip("0123456789")
            if letters.lower() in r.vocabulary or letters.capitalize() in r.vocabulary:
                continue  # a word set in capitals: "KEY", "MATCH"
            neighbours = (words[k] for k in (i - 1, i + 1) if 0 <= k < len(words))
            if any(w.isupper() and len(w) > 1 and lines[i] == lines[i] for w in neighbours):
                continue  # a heading in capitals: "KEY MATCH STATS"
            if i + 1 < len(words) and words[i + 1] in COMPETITIONS:
                continue  # "FA Cup": a competition's name
            if self._initials(i):
                continue  # "JP McManus": a person's initials
            text = r.text
            bracketed = text[r.starts[i] - 1 : r.starts[i]] == "(" and text[r.ends[i]] == ")"
            if bracketed and r.covered.get(i - 1) is not None:
                continue  # "Henrik Stenson (SWE)": a player's nation
            if counts is None:
                counts = Counter(words)
            if counts[word] < 2:
                continue  # a one-off: a table's code ("AUT"), a format ("API")
            r._add(self._mention("organization", i, i + 1))

    def _initials(self, i: int) -> bool:
        """Token i is two capitals right before a capitalised word: a person's initials."""
        r = self.r
        word = r.words[i]
        if len(word) != 2 or not word.isalpha() or i + 1 >= len(r.words):
            return False
        after = r.words[i + 1]
        return r._adjacent(i, i + 1) and after[:1].isupper() and not after.isupper()
