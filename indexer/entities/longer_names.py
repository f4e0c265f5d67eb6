"""A known name written as a part of a longer name the gazetteer does not hold.

The gazetteer finds ``Madrid`` in ``Atletico Madrid``, ``Europe`` in
``General Motors Europe``, ``Wien`` in ``Staatsanwaltschaft Wien`` and
``Virginia`` in ``Virginia Madsen``; ``Volvo`` in ``the Volvo Women's Open``
and ``Uefa`` in ``the Uefa Cup``. A reader sees a club, a company, a court, a
person and two events, none of them the town, the continent or the company
the part names alone. These tests read only the words right next to the
mention: a capitalised word that is itself no sentence start joined to a
place by a space makes one longer name, and an organisation's name followed
by a competition's word is the competition's (an event, no entity).

Countries are kept: ``Air Canada`` or ``Bank of Japan`` are also about the
country, as the Reuters gold labels them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container

from indexer.entities.cue_words import COMPETITIONS, NATIONALITIES
from indexer.entities.names import MONTHS_AND_DAYS, STOPWORDS

# Words that place a name rather than lengthen it: "Northern Iraq", "Stadt Wien",
# "Greater London", "Bezirk Kitzbühel".
_QUALIFIERS = (
    "North South East West Northern Southern Eastern Western Central Greater Upper Lower "
    "New Old Inner Outer Mid Nord Süd Ost Mittel Groß Alt Neu Stadt Land Bundesland Bezirk "
    "Gemeinde Region Provinz Kanton Staat Republik Insel Hauptstadt Landeshauptstadt "
    "Großraum Raum Ortsteil Stadtteil Ort Markt Marktgemeinde Downtown Metro Continental "
    "Mainland"
)
PLACE_QUALIFIERS = frozenset(_QUALIFIERS.split())
# The ends of German words for a body a place's name can complete: "Landespolizeidirektion
# Tirol", "Staatsanwaltschaft Wien", "Universität Virginia".
_GERMAN_BODIES = (
    "direktion",
    "gericht",
    "anwaltschaft",
    "universität",
    "kammer",
    "polizei",
    "hochschule",
    "klinik",
    "klinikum",
    "museum",
    "oper",
    "theater",
)
# Marks before a word that start a sentence or a quotation: the word's capital says nothing.
_OPENERS = frozenset(".!?:;\"'(\n“”„‘’–-—[")
# The word right before a mention, with the one space between them.
_WORD_BEFORE = re.compile(r"([A-ZÄÖÜ][\w&.]*) $")
# The word right after a mention, with the one space between them.
_WORD_AFTER = re.compile(r" ([A-ZÄÖÜ][\w&]*)")
# An event's words between its sponsor and its kind: "Volvo Women's Open".
_EVENT = re.compile(
    r" (?:(?:Women's|Men's|International|World|Indoor|Classic|Grand)\s)*"
    r"(?:Grand Prix|Cup|Open|Masters|Championships?|Trophy|Series|Classic|Awards?)\b"
)


def inside_longer_place(
    text: str,
    start: int,
    end: int,
    german: bool,
    title: Callable[[str], bool],
    vocabulary: Container[str],
) -> bool:
    """Whether the place written at text[start:end] is a part of a longer name:
    a capitalised word before it ("Atletico Madrid", "TU Wien"), or, in English,
    after it ("Los Angeles Sevens", "Sofia Coppola") unless a title ("London Mayor") or
    a word the text's `vocabulary` also holds in lower case."""
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if before is not None and _lengthens(before.group(1), german):
        ahead = text[: before.start()].rstrip(" ")
        if ahead and ahead[-1] not in _OPENERS and not _caps_line(text, start):
            return True
    if german:
        return False  # German nouns are capitalised: "in Wien Flüchtlinge" is two words
    after = _WORD_AFTER.match(text, end)
    if after is None or title(after.group(1)):
        return False
    word = after.group(1)
    if word.lower() in vocabulary:
        return False  # a common noun the text also writes in lower case: "Antwerp Oils and Fats"
    return _lengthens(word) and not _caps_line(text, start)


def sponsors_event(text: str, end: int) -> bool:
    """Whether the organisation ending at `end` names an event it sponsors or runs:
    "the Volvo Women's Open", "the BMW International Open", "the Uefa Cup"."""
    return _EVENT.match(text, end) is not None


def _lengthens(word: str, german: bool = False) -> bool:
    """A word that makes a name longer: a capitalised name's word, not a function word,
    a month or day, a nationality or a word that only places the name. In German every
    noun is capitalised ("Gemeinden Europas", "Richtung Abu Dhabi"): there only an
    acronym or a body's word ("TU Wien", "Bezirksgericht Innsbruck")."""
    bare = word.rstrip(".")
    if german:
        return (bare.isupper() and len(bare) > 1) or bare.lower().endswith(_GERMAN_BODIES)
    return not (
        bare in PLACE_QUALIFIERS
        or bare in MONTHS_AND_DAYS
        or bare in NATIONALITIES
        or bare in COMPETITIONS
        or bare.lower() in STOPWORDS
        or word.endswith(".")
        or (bare.isupper() and len(bare) == 1)
    )


def _caps_line(text: str, at: int) -> bool:
    """The line holding `at` is written in capitals (a wire headline): every word is."""
    first = text.rfind("\n", 0, at) + 1
    last = text.find("\n", at)
    line = text[first : last if last >= 0 else len(text)]
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) > 0.6 * len(letters)
