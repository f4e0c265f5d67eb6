"""Sports clubs: a town written as a team (``Burnley beat Leicester``,
``Bayern-Trainer``, a score between two names) is its club, shown as written; an
unknown capitalised word in a team's place is a club too (``Brentford v Southampton``).
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from indexer.entities.cue_words import (
    CLUB_AFTER,
    CLUB_BEFORE,
    CLUB_COMPOUNDS,
    CLUB_PREFIXES,
    CLUB_VERBS,
    COMPETITIONS,
    SCORE,
    SCORE_AFTER,
    SCORE_BEFORE,
)
from indexer.entities.names import MONTHS_AND_DAYS, STOPWORDS

if TYPE_CHECKING:
    from indexer.entities.extract import Mention

from indexer.entities.cues.reading import (
    _TOWN_KINDS,
    _WHERE,
    CUE,
    CueRules,
)


class ClubCues(CueRules):
    """The club rules of the cue step."""

    def _club_cue(self, i: int, end: int) -> bool:
        """The words around tokens i..end write them as a team."""
        r = self.r
        words, text = r.words, r.text
        before = words[i - 1] if i > 0 and r.lines[i - 1] == r.lines[i] else ""
        after = words[end] if end < len(words) and r.lines[end] == r.lines[end - 1] else ""
        gap_after = text[r.ends[end - 1] : r.starts[end]] if end < len(words) else ""
        if before in CLUB_BEFORE or after in CLUB_AFTER:
            return True
        if after in CLUB_VERBS and not r.german and not gap_after.strip():
            # "Brentford have", but not "the Saints have" (a nickname, a plural).
            return not words[end - 1].endswith("s")
        if gap_after.startswith(("'s", "’s")) and after in CLUB_AFTER:
            return True
        # A score between two names: "Burnley 2-1 Leicester".
        tail = text[r.ends[end - 1] : r.ends[end - 1] + 10]
        head = text[max(0, r.starts[i] - 10) : r.starts[i]]
        if SCORE_AFTER.match(tail) or SCORE_BEFORE.search(head):
            return True
        # "Bayern-Trainer": the compound's next part.
        joined = text[r.ends[end - 1] : r.ends[end - 1] + 1] == "-"
        return joined and after in CLUB_COMPOUNDS

    def _clubs(self) -> None:
        """Towns written as teams become their clubs; unknown words so written too."""
        r = self.r
        by_name: dict[str, list[Mention]] = {}
        # A town, or in German a region ("Bayern"); an English region may be a nation's team.
        kinds = _TOWN_KINDS if r.german else {"city"}
        for mention in r.mentions:
            if mention.type == "place" and self._kind(mention) in kinds:
                by_name.setdefault(mention.name, []).append(mention)
        clubs = [
            same
            for same in by_name.values()
            if any(self._club_cue(*self._tokens_of(m)) or self._club_compound(m) for m in same)
        ]
        for same in clubs:
            written = r.text[same[0].start : same[0].end]
            for mention in same:
                mention.type, mention.name, mention.source = "organization", written, CUE
        # "London Irish", "Sheffield Wednesday": a town and a word no rule knows.
        for mention in list(r.mentions):
            if mention.type != "place" or self._kind(mention) not in kinds:
                continue
            i, end = self._tokens_of(mention)
            stop = end
            while stop < min(end + 2, len(r.words)) and self._club_word(stop, i):
                stop += 1
            if stop > end:
                r.mentions.remove(mention)
                r._add(self._mention("organization", i, stop))
        words = r.words
        # Unknown words written as a team: "Brentford v Southampton".
        surnames = {name.split()[-1] for name in r.full_names.values()}
        for i in self._club_spots():
            if not self._plain_name(i) or words[i] in r.index.first_names:
                continue
            if words[i] in surnames:
                continue  # "Yapp's" of John Yapp
            if r.tokens.sentence_starts[i] and not self._strong_after(i):
                continue
            if i in r.covered:
                continue  # claimed by a name found at an earlier spot
            if self._ends_longer_name(i):
                continue  # "the Lions Test side", "an All Black side": a team's word, no club
            # "gegen Crystal Palace": the club's name goes on with its capitalised words.
            end = i + 1
            while end < min(i + 3, len(words)) and r._adjacent(end - 1, end):
                if not self._plain_name(end):
                    break
                end += 1
            if self._club_cue(i, end) or self._club_cue(i, i + 1):
                r._add(self._mention("organization", i, end))
        self._other_towns(kinds)

    def _other_towns(self, kinds: set[str] | frozenset[str]) -> None:
        """A text that writes two or more names as teams writes its other towns so too,
        but where it says a town is where something is ("in Leeds", "bei Norwich")."""
        r = self.r
        teams = {m.name for m in r.mentions if m.source == CUE and m.type == "organization"}
        if len(teams) < 2:
            return
        by_name: dict[str, list[Mention]] = {}
        for mention in r.mentions:
            if mention.type == "place" and self._kind(mention) in kinds:
                by_name.setdefault(mention.name, []).append(mention)
        for same in by_name.values():
            if any(self._placed(m) for m in same):
                continue
            written = r.text[same[0].start : same[0].end]
            for mention in same:
                mention.type, mention.name, mention.source = "organization", written, CUE

    def _placed(self, mention: Mention) -> bool:
        """The town is written as where something is: "in Leeds", "near Norwich"."""
        before = self.r.text[max(0, mention.start - 8) : mention.start].split()
        return bool(before) and before[-1].lower() in _WHERE

    def _prefixed_clubs(self) -> None:
        """ "FC Augsburg", "SK Rapid": a club's prefix and a town or a name (outside a
        text about sport, only an abbreviation: "FC", not "Real")."""
        r = self.r
        words = r.words
        for i in self._at(CLUB_PREFIXES):
            if i in r.covered or i + 1 >= len(words) or not r._adjacent(i, i + 1):
                continue
            if not (self.sporty or words[i].isupper()):
                continue
            nxt = r.covered.get(i + 1)
            if nxt is not None and nxt.type == "place":
                k, end = self._tokens_of(nxt)
                r.mentions.remove(nxt)
                for j in range(k, end):
                    r.covered.pop(j, None)
                r._add(self._mention("organization", i, end))
            elif self._free(i + 1) and words[i].isupper():
                r._add(self._mention("organization", i, i + 2))

    def _club_compound(self, mention: Mention) -> bool:
        """ "Bayern-Trainer", "Dortmund-Fans": the town's compound makes it the club."""
        r = self.r
        k = bisect.bisect_right(r.starts, mention.start) - 1
        rest = r.text[mention.end : r.ends[k]] if 0 <= k < len(r.ends) else ""
        return rest[:1] == "-" and rest[1:] in CLUB_COMPOUNDS

    def _ends_longer_name(self, i: int) -> bool:
        """Token i follows a capitalised word of the same name that a mention claims or
        that is a function word ("Lions Test", "All Black"), inside a sentence."""
        r = self.r
        if i == 0 or r.tokens.sentence_starts[i] or not r._adjacent(i - 1, i):
            return False
        before = r.words[i - 1]
        if not before[:1].isupper():
            return False
        return (i - 1) in r.covered or before.lower() in STOPWORDS

    def _club_spots(self) -> list[int]:
        """The tokens a club cue stands next to (only these can be written as a team)."""
        r = self.r
        spots = {i + 1 for i in self._at(CLUB_BEFORE)}
        spots.update(i - 1 for i in self._at(CLUB_AFTER | CLUB_VERBS | CLUB_COMPOUNDS))
        for match in SCORE.finditer(r.text):
            k = bisect.bisect_left(r.starts, match.start())
            spots.update((k - 2, k - 1, k + 1, k + 2))  # "Burnley 2-1 Leicester": either side
        # "Bayern-Trainer" is one token: every hyphenated word may hold a cue.
        spots.update(i for i, word in enumerate(r.words) if "-" in word)
        return sorted(i for i in spots if 0 <= i < len(r.words))

    def _club_word(self, k: int, first: int) -> bool:
        """Token k may go on a club's name that starts at token `first` (a town)."""
        r = self.r
        if not r._adjacent(k - 1, k) or r.tokens.sentence_starts[k]:
            return False
        word = r.words[k]
        if word in MONTHS_AND_DAYS and word != "Wednesday":
            return False  # but "Sheffield Wednesday"
        if r.german or k in r.covered or word.lower() in STOPWORDS or word.isupper():
            return False
        return word[:1].isupper() and not r.word_rules.title[word] and word not in COMPETITIONS

    def _strong_after(self, i: int) -> bool:
        r = self.r
        return i + 1 < len(r.words) and r.words[i + 1] in ("v", "vs")
