"""A text being read by the cue rules: the word tests they share and their helpers over
the extractor's pass (`indexer.entities.extract._Pass`): the tokens a set of cue words
stands at, a mention from tokens, whether a token is free for a name.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from indexer.entities.cue_words import (
    COMPANY_BEFORE_THAT,
    COMPETITIONS,
    DEMONYM,
    GENERIC_BODIES,
    JOB_TITLE,
    NATIONALITIES,
    NOT_ACRONYMS,
    NOT_PLACE_NOUNS,
    ORG_COMPOUND_ENDINGS,
    ORG_COMPOUND_WITH_TAIL,
    PLACE_COMPOUND_ENDINGS,
    PLACE_NAME_ENDINGS,
    SPORT_MIN_WORDS,
    SPORT_WORDS,
)
from indexer.entities.memo import Memo
from indexer.entities.names import MONTHS_AND_DAYS, ORG_HEADS, STOPWORDS

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


class CueRules:
    """The cue rules' common state over one text being read (a `_Pass` of the extractor)."""

    def __init__(self, reading: _Pass) -> None:
        self.r = reading
        vocabulary = reading.vocabulary
        self.sporty = len(vocabulary.intersection(SPORT_WORDS)) >= SPORT_MIN_WORDS

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

    def _tokens_of(self, mention: Mention) -> tuple[int, int]:
        starts = self.r.starts
        i = bisect.bisect_left(starts, mention.start)
        end = bisect.bisect_left(starts, mention.end, lo=i)
        return i, max(end, i + 1)
