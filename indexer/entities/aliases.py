"""The gazetteer compiled for matching: one automaton over every alias.

`alias_index(gazetteer)` builds, once per gazetteer, an Aho-Corasick automaton
whose keys are the gazetteer's aliases (case-sensitive: ``US`` is not "us")
and, for mixed-case aliases of four letters or more, their ALL-CAPS form for
wire headlines (``VIENNA``); plus the tables the person rules consult: people
by surname, by distinctive surname for headlines, and by first and last name.
"""

from __future__ import annotations

from dataclasses import dataclass

import ahocorasick

from indexer.entities.gazetteer import Entry, Gazetteer
from indexer.entities.names import STOPWORDS, SUFFIXES, load_titles

MIN_UPPER_VARIANT = 4  # letters; shorter ALL-CAPS aliases are acronyms in their own right
MIN_HEADLINE_SURNAME = 5


@dataclass(frozen=True)
class Form:
    """One key of the automaton: an alias, or its ALL-CAPS variant."""

    entry: Entry
    alias: str
    upper: bool  # the ALL-CAPS variant of a mixed-case alias
    acronym: bool  # the alias itself is written in capitals (US, OSZE)
    common: bool  # a function word when lower-cased (US, IT, WHO, Die)


# The number of the automaton's words that are no alias (see `AliasIndex`).
SENTINEL = -1


class AliasIndex:
    """What the extractor precomputes from one gazetteer: built once, cached."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.titles = load_titles()
        self.first_names = gazetteer.first_names
        self.by_alias = gazetteer.by_alias()
        self.forms: list[Form] = []
        self._keys: list[tuple[str, int]] = []  # (surface form, its number in `forms`)
        self.automaton = ahocorasick.Automaton()
        upper_keys: dict[str, Form] = {}
        for alias, entries in self.by_alias.items():
            if not _matchable(alias) or alias in gazetteer.blocklist or not entries:
                continue
            acronym = alias.isupper()
            common = alias.lower() in STOPWORDS
            self._add(alias, Form(entries[0], alias, False, acronym, common))
            upper = alias.upper()
            letters = sum(c.isalpha() for c in alias)
            if (
                not acronym
                and letters >= MIN_UPPER_VARIANT
                and not common
                and upper not in self.by_alias
                and upper not in upper_keys
            ):
                upper_keys[upper] = Form(entries[0], alias, True, False, False)
        for upper, form in upper_keys.items():
            self._add(upper, form)
        # The automaton's nodes search their children one by one, in the order
        # they were added: added by how often news text holds each letter, the
        # common ones come first and a text is read ~20% faster. The root, where
        # most letters are looked up, also gets a child for each common letter
        # no alias starts with (" ", "e", "n"): a word of it and a noncharacter,
        # which no news text holds, so that such a letter is found at once
        # instead of after all 64 first letters (another ~25%). Such a word's
        # number is `SENTINEL`: the extractor skips it, should a text hold it.
        # The matches of the aliases are the same: a word added to an
        # Aho-Corasick automaton changes no other word's matches.
        taken = {surface for surface, _ in self._keys}
        sentinels = [letter + "\uffff" for letter in _FREQUENT]
        keys = self._keys + [(word, SENTINEL) for word in sentinels if word not in taken]
        for surface, number in sorted(keys, key=_by_text_frequency):
            self.automaton.add_word(surface, (len(surface), number))
        self.automaton.make_automaton()
        # Gazetteer people by surname, for "Mr Volcker" when the text never
        # gives the full name: only surnames that name one person.
        surnames: dict[str, list[Entry]] = {}
        for entry in gazetteer.entries:
            if entry.type == "person":
                last = surname(entry.name)
                if last and last != entry.name:
                    surnames.setdefault(last, []).append(entry)
        self.surnames = {k: v[0] for k, v in surnames.items() if len(v) == 1}
        # ... and in an ALL-CAPS headline ("LAWSON SAYS ..."), where wire copy
        # names people by surname alone: only distinctive surnames, which are
        # no given name, no word and no part of a place's or body's name
        # ("NORTH" is not Oliver North).
        taken = set(gazetteer.first_names) | set(gazetteer.blocklist)
        for entry in gazetteer.entries:
            if entry.type != "person":
                for alias in entry.aliases:
                    taken.update(alias.split())
        self.headline_surnames = {
            last.upper(): entry
            for last, entry in self.surnames.items()
            if len(last) >= MIN_HEADLINE_SURNAME
            and last not in taken
            and last.lower() not in STOPWORDS
        }
        # Gazetteer people by first and last word, for a name written without
        # its middle names or hyphen ("Carlo Ciampi", "Robin Leigh Pemberton").
        short: dict[tuple[str, str], list[Entry]] = {}
        for entry in gazetteer.entries:
            if entry.type == "person":
                for alias in entry.aliases:
                    key = first_last(alias)
                    if key is not None and entry not in short.get(key, ()):
                        short.setdefault(key, []).append(entry)
        self.first_last = {k: v[0] for k, v in short.items() if len(v) == 1}

    def _add(self, key: str, form: Form) -> None:
        self._keys.append((key, len(self.forms)))
        self.forms.append(form)


# The characters of English and German news, most frequent first (counted in
# Reuters, BBC and DER STANDARD articles); any other comes after these.
_FREQUENT = " enitrasohdlucmgfbpw.,kvy\nSzAT0MDBEü-IPä1FRCGNW2LK\"UHO'xV5öJ394j86:7)(Zßq–YÖ%$/£"
_RANK = {c: rank for rank, c in enumerate(_FREQUENT)}


def _by_text_frequency(key_number: tuple[str, int]) -> list[int]:
    return [_RANK.get(c, len(_RANK) + ord(c)) for c in key_number[0]]


def alias_index(gazetteer: Gazetteer) -> AliasIndex:
    """The gazetteer's automaton and tables, built on first use."""
    return gazetteer.derived("alias_index", AliasIndex)


def _matchable(alias: str) -> bool:
    # An alias without a capital is a common word ("euro", "de"); one letter is noise.
    return len(alias) >= 2 and any(c.isupper() for c in alias) and not alias.isspace()


def first_last(name: str) -> tuple[str, str] | None:
    words = [w for w in name.replace("-", " ").split() if w not in SUFFIXES]
    return (words[0], words[-1]) if len(words) >= 2 else None


def surname(name: str) -> str:
    words = [w for w in name.split() if w not in SUFFIXES]
    return words[-1] if len(words) >= 2 else ""
