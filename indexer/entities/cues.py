"""Names the gazetteer does not know, found and typed by the words around them.

A gazetteer cannot hold every club, company, town and player an archive
names; the text itself says what they are. After the gazetteer and the name
rules (`indexer.entities.extract`), this step reads a text's cues:

- **Clubs.** In a text about sport, a town written as a team (``Burnley beat
  Leicester``, ``Southampton manager``, ``Bayern-Trainer``, a score between
  two names) is the club, shown as written; so is an unknown capitalised word
  in such a place (``Brentford v Southampton``).
- **Line-ups.** A line listing names (``Replacements: Everitt for Mapletoft
  (53), ...``, a team's ``Van Gisbergen; Voyce, Erinle, ...``) lists people.
- **Roles.** A name after a person's role is a person (``striker Deon Burton``,
  ``Trainer Peter Stöger``).
- **Weak first names.** ``Mark``, ``Will`` or ``Grant`` start a person's name
  when the surname that follows is written again on its own.
- **Organisations.** An unknown ALL-CAPS word that recurs in running text
  (``WMC``, ``ITV1``) names an organisation, unless it is a common
  abbreviation (``GDP``, ``CEO``); so does a word with a company's cues
  (``shares in Yukos``, ``Xstrata's bid``, ``WMC chairman``), a German body in
  one word (``Gesundheitsministerium``) or with its field or place
  (``Handelskammer von Thessaloniki``), and a broadcaster's channel is named
  whole (``BBC Sport Wales``). A short form names the long one the text gives
  (``WMC`` is ``WMC Resources``, ``IRB`` the ``International Rugby Board``).
- **Places.** A run of capitalised words ending in ``Street``, ``Park`` or
  ``Stadium`` (``Fleet Street``, ``Ewood Park``), a German compound ending in
  ``-straße`` or ``-platz``, and an unknown word after ``in``/``near``/``nach``
  that the text never writes in lower case (English) or that ends like a
  German place name (``in Saalfelden``).
- **Wrong links undone.** A nationality adjective is no country (``British``),
  a German job title no ministry (``Verteidigungsminister``), a crude oil
  grade no person or state (``Brent Blend``, ``West Texas Intermediate``),
  an agency's credit (``(Reuters)``, ``(APA)``) no entity of the story, and a
  name inside a longer name is not named apart (``Queens`` in ``Queens Park
  Rangers``).

Each rule visits only the tokens that can matter: the mentions found, or the
tokens whose word is in a small set.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from indexer.entities.cue_words import (
    CLUB_AFTER,
    CLUB_BEFORE,
    CLUB_COMPOUNDS,
    CLUB_PREFIXES,
    CLUB_VERBS,
    COMPANY_AFTER,
    COMPANY_BEFORE,
    COMPANY_BEFORE_THAT,
    COMPETITIONS,
    DEMONYM,
    GENERIC_BODIES,
    GERMAN_ROLE_ENDINGS,
    JOB_TITLE,
    LINEUP_LABELS,
    NATIONALITIES,
    NOT_ACRONYMS,
    NOT_NAMES,
    NOT_PLACE_NOUNS,
    ORG_COMPOUND_ENDINGS,
    ORG_COMPOUND_WITH_TAIL,
    ORG_TAIL_LINKS,
    PLACE_BEFORE,
    PLACE_COMPOUND_ENDINGS,
    PLACE_HEADS,
    PLACE_MARKERS,
    PLACE_NAME_ENDINGS,
    PLACE_PREFIXES,
    ROLES,
    SAID,
    SCORE,
    SCORE_AFTER,
    SCORE_BEFORE,
    SPORT_MIN_WORDS,
    SPORT_WORDS,
)
from indexer.entities.longer_names import inside_longer_place, sponsors_event
from indexer.entities.memo import Memo
from indexer.entities.names import MONTHS_AND_DAYS, ORG_HEADS, PARTICLES, STOPWORDS
from indexer.entities.org_spans import organisation_span

if TYPE_CHECKING:
    from indexer.entities.extract import Mention, _Pass

CUE = "cue"
# Kinds of place a club takes its name from (a country's team is the country).
_TOWN_KINDS = frozenset({"city", "region"})
# Given names that are also common words: only a repeated surname makes them a name.
_WEAK_FIRST_NAMES = frozenset({"Mark", "Will", "Grant", "Rich", "Chance"})
_MAX_ACRONYM = 6
# Before a place written as where something is, not as a team.
_WHERE = frozenset({"in", "near", "outside", "of", "from", "to", "nach", "aus", "von", "im"})
_GERMAN_ARTICLES = frozenset(
    [
        "der",
        "die",
        "das",
        "dem",
        "den",
        "des",
        "ein",
        "eine",
        "einem",
        "einen",
        "einer",
        "eines",
        "sein",
        "seine",
        "seinem",
        "ihr",
        "ihre",
    ]
)


def _acronym(word: str) -> bool:
    """An ALL-CAPS word that may name an organisation: "WMC", "ITV1" (not "GDP", "VIII")."""
    if len(word) < 2 or len(word) > _MAX_ACRONYM + 1:
        return False
    letters = word.rstrip("0123456789")
    if len(letters) < 2 or not letters.isalpha() or not letters.isupper():
        return False
    if word in NOT_ACRONYMS or letters in NOT_ACRONYMS:
        return False
    return not all(c in "IVXLC" for c in letters)  # a Roman numeral: "Henry VIII"


def _body(word: str) -> bool:
    """A German compound naming a public body: "Gesundheitsministerium"."""
    if len(word) < 12 or not word[0].isupper():
        return False
    lowered = word.lower()
    ending = next((e for e in ORG_COMPOUND_ENDINGS if lowered.endswith(e)), None)
    return ending is not None and len(word) >= len(ending) + 4 and lowered not in GENERIC_BODIES


def _venue_compound(word: str) -> bool:
    """A German compound naming a venue or a lane in one word: "Herrengasse"."""
    return len(word) > 8 and word.lower().endswith(PLACE_COMPOUND_ENDINGS) and "-" not in word


_CAPITALISED_BEFORE_THAT = frozenset(word.capitalize() for word in COMPANY_BEFORE_THAT)
_ACRONYMS = Memo(_acronym)


def _german_place(word: str) -> bool:
    """A German word that ends like a place's name and is no common noun: "Saalfelden"."""
    lowered = word.lower()
    ending = next((e for e in PLACE_NAME_ENDINGS if lowered.endswith(e)), None)
    if ending is None or "-" in word or len(word) < len(ending) + 3:
        return False
    if lowered.endswith("lingen"):
        return False  # "Flüchtlingen": a plural's dative
    return word not in NOT_PLACE_NOUNS


_GERMAN_PLACES = Memo(_german_place)
# English words before a place: "in Pattaya" (German ones are for German texts).
_ENGLISH_BEFORE_PLACE = frozenset({"in", "near", "outside"})
_DEMONYMS = Memo(lambda word: DEMONYM.fullmatch(word) is not None)
_JOB_TITLES = Memo(lambda word: JOB_TITLE.fullmatch(word) is not None)
_BODIES = Memo(_body)
_TAILED_BODIES = Memo(
    lambda word: (
        len(word) > 8
        and word[0].isupper()
        and "-" not in word
        and word.lower().endswith(ORG_COMPOUND_WITH_TAIL)
    )
)
_VENUES = Memo(_venue_compound)


class Cues:
    """The cue rules over one text being read (a `_Pass` of the extractor)."""

    def __init__(self, reading: _Pass) -> None:
        self.r = reading
        vocabulary = reading.vocabulary
        self.sporty = len(vocabulary.intersection(SPORT_WORDS)) >= SPORT_MIN_WORDS

    def run(self) -> None:
        r = self.r
        self._weak_first_names()
        self._lineups()
        self._people_by_role()
        self._prefixed_clubs()
        if self.sporty:
            self._clubs()
        self._channels()
        self._companies()
        if r.german:
            self._bodies()
            self._tailed_bodies()
        self._acronyms()
        self._places_by_head()
        self._places_after_preposition()
        self._people_after_said()  # last: a word named a company elsewhere is not a speaker
        r.mentions = self._undo_wrong_links(r.mentions)

    # --- Helpers ---------------------------------------------------------------

    def _at(self, words: Iterable[str], among: Sequence[int] | None = None) -> list[int]:
        """The tokens whose word is one of `words` (of `among`, else of all), in order."""
        r = self.r
        found = r.vocabulary.intersection(words)
        if not found:
            return []  # most texts hold none of a cue's words: no walk over the tokens
        return r._where(found, range(len(r.words)) if among is None else among)

    def _mention(self, type: str, i: int, end: int, name: str | None = None) -> Mention:
        from indexer.entities.extract import Mention

        r = self.r
        start, stop = r.starts[i], r.ends[end - 1]
        written = " ".join(r.text[start:stop].split())
        return Mention(type, name or written, start, stop, CUE)

    def _free(self, i: int) -> bool:
        """Token i is a capitalised word no mention claims, and no function word."""
        r = self.r
        if i < 0 or i >= len(r.words) or i in r.covered:
            return False
        word = r.words[i]
        return word[:1].isupper() and word.lower() not in STOPWORDS

    def _plain_name(self, i: int) -> bool:
        """Token i may be a name's word: free, capitalised, lower case after its first letter."""
        r = self.r
        if not self._free(i):
            return False
        word = r.words[i]
        return not (
            word.isupper()
            or r.word_rules.title[word]
            or word in ORG_HEADS
            or word in MONTHS_AND_DAYS
            or word in SPORT_WORDS
            or word in COMPETITIONS
            or word in NATIONALITIES
            or DEMONYM.fullmatch(word) is not None
        )

    def _kind(self, mention: Mention) -> str | None:
        entry = self.r._entry(mention.name, mention.type)
        return entry.kind if entry is not None else None

    # --- People ----------------------------------------------------------------

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

    # --- Clubs -----------------------------------------------------------------

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

    def _tokens_of(self, mention: Mention) -> tuple[int, int]:
        starts = self.r.starts
        i = bisect.bisect_left(starts, mention.start)
        end = bisect.bisect_left(starts, mention.end, lo=i)
        return i, max(end, i + 1)

    # --- Organisations ---------------------------------------------------------

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

    # --- Places ----------------------------------------------------------------

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

    # --- Wrong links -----------------------------------------------------------

    def _undo_wrong_links(self, mentions: list[Mention]) -> list[Mention]:
        r = self.r
        text = r.text
        blocked: list[tuple[int, int]] = []
        for phrase in NOT_NAMES:
            at = text.find(phrase)
            while at >= 0:
                blocked.append((at, at + len(phrase)))
                at = text.find(phrase, at + 1)
        kept = []
        for m in mentions:
            if r.german and m.type == "place" and self._after_article(m):
                continue  # "das Leiden", "dem Klang": a noun, not the town
            written = text[m.start : m.end]
            if m.type == "place" and written != m.name and _DEMONYMS[written]:
                continue  # "British" is no country
            if m.type == "organization" and _JOB_TITLES[written]:
                continue  # "Verteidigungsminister" is no ministry
            if blocked and any(start <= m.start and m.end <= end for start, end in blocked):
                continue
            if m.type == "place" and m.source == "gazetteer" and self._part_of_longer(m):
                continue  # "Atletico Madrid", "TU Wien", "Virginia Madsen"
            if m.type == "organization" and sponsors_event(text, m.end):
                continue  # "the Volvo Women's Open" is an event
            if m.type == "organization" and m.source != "gazetteer" and not self._as_written(m):
                continue  # "Galway-based"
            credit = text[m.start - 1 : m.start] == "(" and text[m.end : m.end + 1] in (")", ",")
            if credit and m.type == "organization" and self._kind(m) == "media":
                continue  # an agency's credit: "(Reuters)", "(APA, 3.5.2016)"
            kept.append(m)
        kept = self._outermost(kept)
        self._linked(kept)
        return kept

    def _as_written(self, mention: Mention) -> bool:
        """Trim an organisation found by rule to its name as written (`organisation_span`);
        False if it names none."""
        text = self.r.text
        span = organisation_span(text, mention.start, mention.end)
        if span is None:
            return False
        if span != (mention.start, mention.end):
            before = " ".join(text[mention.start : mention.end].split())
            mention.start, mention.end = span
            if mention.name == before:  # shown as written, not linked to a canonical name
                mention.name = " ".join(text[mention.start : mention.end].split())
        return True

    def _part_of_longer(self, mention: Mention) -> bool:
        """A town, region or continent written as a part of a longer name (a country
        is also about itself: "Air Canada")."""
        r = self.r
        if self._kind(mention) == "country":
            return False
        return inside_longer_place(
            r.text,
            mention.start,
            mention.end,
            r.german,
            r.word_rules.title.__getitem__,
            r.vocabulary,
        )

    def _after_article(self, mention: Mention) -> bool:
        """A German town's name after an article: the common noun it is also spelled as."""
        if self._kind(mention) != "city":
            return False
        before = self.r.text[max(0, mention.start - 7) : mention.start].split()
        return bool(before) and before[-1].lower() in _GERMAN_ARTICLES

    def _linked(self, mentions: list[Mention]) -> None:
        """An organisation's short form names the long one the text gives: "WMC" is
        "WMC Resources", "IRB" the "International Rugby Board", "Marsh" "Marsh & McLennan"."""
        long_names = {m.name for m in mentions if m.type == "organization" and " " in m.name}
        if not long_names:
            return
        short: dict[str, str] = {}
        for name in sorted(long_names, key=len):
            parts = name.split()
            short.setdefault(parts[0], name)
            initials = "".join(p[0] for p in parts if p[0].isupper())
            if len(initials) > 1:
                short.setdefault(initials, name)
            if len(initials) > 3:
                # "PCS": the Public and Commercial Services Union without its head word.
                short.setdefault(initials[:-1], name)
        for m in mentions:
            if m.type == "organization" and " " not in m.name and m.source != "gazetteer":
                m.name = short.get(m.name, m.name)

    def _outermost(self, mentions: list[Mention]) -> list[Mention]:
        """Names inside a longer name are not named apart: "BBC" in "BBC Radio 4", "Queens"
        in "Queens Park Rangers", "Manchester" in "Manchester United" (but a town stays
        inside an organisation that is no club: "Tokyo" in "Tokyo Stock Exchange")."""
        mentions.sort(key=lambda m: (m.start, -m.end))
        outer: list[Mention] = []
        widest: Mention | None = None  # the mention reaching furthest so far
        for m in mentions:
            if widest is not None and self._nested(m, widest):
                continue
            if widest is None or m.end > widest.end:
                widest = m
            outer.append(m)
        return outer

    def _nested(self, inner: Mention, outer: Mention) -> bool:
        """`inner` lies strictly inside `outer` and is only a part of its name."""
        if inner.start < 0 or inner.end > outer.end:
            return False
        if (inner.start, inner.end) == (outer.start, outer.end):
            return False
        return self._within(inner, outer)

    def _within(self, inner: Mention, outer: Mention) -> bool:
        """Whether `inner` is only a part of `outer`'s name."""
        if inner.type == outer.type or outer.type == "place":
            return True
        if outer.type == "organization" and inner.type == "place":
            # "University of Iowa", "Leicester City"; but "Bank of Japan" is also about Japan.
            return self._kind(inner) != "country"
        return inner.type == "place" and outer.type == "person"
