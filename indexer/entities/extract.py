"""The extractor: the people, organisations and places a text names.

`Extractor` is the interface: ``extract(text, language)`` returns `Mention`s,
each a canonical name with its type, its character span and where it came
from. Another extractor (a spaCy model, say) plugs in by having that method.

`GazetteerExtractor` is the default: offline, no model, English and German.
It reads a text in one pass and in four steps:

1. **Gazetteer matches.** One Aho-Corasick automaton over every alias of the
   gazetteer finds all surface forms at once; a match counts only on word
   boundaries, and where matches overlap the leftmost, then longest, wins.
   Aliases are case-sensitive, so ``US`` is not "us" and ``WHO`` is not
   "who". ALL-CAPS lines (wire headlines) also match the capitalised form of
   an alias (``VIENNA``), but never a short acronym that is also a word
   (``US``, ``IT``, ``WHO``). A possessive (``OSCE's``) or a hyphenated
   compound (``OSZE-Vorsitz``) still matches; in German so does the genitive
   ``-s`` (``Wiens``, ``Österreichs``).
2. **People by rule.** A given name from the gazetteer's list followed by
   capitalised words (and particles: ``von der``, ``al``, ``bin``) is a person
   (``Helga Maria Schmid``); so is a capitalised word after a title or
   honorific (``President Reagan``, ``Mr Volcker``, ``Außenminister
   Schallenberg``). Titles are never part of the name (``data/titles.txt``).
3. **Organisations by rule**, conservatively: a run of capitalised words
   ending in a word such as ``Bank``, ``Ministry``, ``Corp`` or ``AG``
   (``Chase Manhattan Bank``), or such a word followed by ``of ...`` (``Bank
   of Japan``); and a wire service's ``<Company Name Inc>`` marks.
4. **Surnames.** A bare surname (``Schmid emphasized``) names the person
   whose full name the same text gives (``Helga Maria Schmid``); after a
   title, it may also name the one gazetteer person with that surname.

Every step is linear in the length of the text: the automaton, a tokenising
regex without nested repetition, and walks over the tokens.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from indexer.entities.aliases import (
    MIN_UPPER_VARIANT,
    AliasIndex,
    Form,
    alias_index,
    first_last,
    surname,
)
from indexer.entities.gazetteer import Entry, Gazetteer
from indexer.entities.names import (
    ABBREVIATIONS,
    HEAD_LINKS,
    INDEFINITE,
    MONTHS_AND_DAYS,
    ORG_HEADS,
    PARTICLES,
    STOPWORDS,
    SUFFIXES,
    TITLE_WORDS,
    is_title,
)

GAZETTEER = "gazetteer"
RULE = "rule"

# Words: letters and digits, joined by an apostrophe, hyphen, period or "&"
# inside ("O'Brien", "Co-operation", "U.S", "AT&T"). No nested repetition:
# each joiner must be followed by a word character, so matching is linear.
_TOKEN = re.compile(r"\w+(?:['’\-.&]\w+)*")
_LINE = re.compile(r"[^\n]+")
_BRACKETED = re.compile(r"<([^<>\n]{2,80})>")
_INITIALS = re.compile(r"[A-Z](?:\.[A-Z])*")
_POSSESSIVE = ("'s", "’s")
_SENTENCE_END = frozenset(".!?:;")
_MAX_NAME_TOKENS = 5


@dataclass(frozen=True)
class Mention:
    """One naming of an entity in a text: its canonical name, type and span."""

    type: str  # person | organization | place
    name: str  # canonical name
    start: int  # character span in the text given
    end: int
    source: str  # "gazetteer" | "rule" | "dateline"


class Extractor(Protocol):
    """Anything that finds the entities a text names."""

    def extract(self, text: str, language: str) -> list[Mention]: ...


class _Token(NamedTuple):
    text: str  # without a possessive "'s"
    start: int
    end: int
    line: int  # index of its line
    sentence_start: bool


class GazetteerExtractor:
    """The default extractor: a gazetteer, an automaton and a few rules."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._index = alias_index(gazetteer)

    def extract(self, text: str, language: str) -> list[Mention]:
        if not text or text.isspace():
            return []
        return _Pass(self._index, text, language).run()


class _Pass:
    """One text being read: its lines, tokens and the mentions found so far."""

    def __init__(self, index: AliasIndex, text: str, language: str) -> None:
        self.index = index
        self.text = text
        self.german = language.lower().startswith("de")
        self.line_starts: list[int] = []
        self.caps: list[bool] = []
        self.rules: list[bool] = []  # whether the rules read the line
        self.tokens: list[_Token] = []
        self._tokenise()
        # Token index -> the mention covering it (gazetteer, person or organisation).
        self.covered: dict[int, Mention] = {}
        self.mentions: list[Mention] = []
        # The end of a person's full name ("Schmid", "Maria Schmid") -> the full name.
        self.full_names: dict[str, str] = {}

    # --- Tokens and lines ----------------------------------------------------

    def _tokenise(self) -> None:
        # The hottest loop of extraction: kept to plain local operations.
        text = self.text
        tokens = self.tokens
        stopwords = STOPWORDS
        ends_sentence = self._ends_sentence
        for number, line in enumerate(_LINE.finditer(text)):
            self.line_starts.append(line.start())
            upper = lower = capitalised = content = 0
            previous: _Token | None = None
            for match in _TOKEN.finditer(text, line.start(), line.end()):
                word = match.group()
                start = match.start()
                end = match.end()
                if word.endswith(_POSSESSIVE):
                    word, end = word[:-2], end - 2
                if not word:
                    continue
                if word.isupper():
                    upper += 1
                elif word != word.upper() and not word.isdigit():
                    # Some letter changes when upper-cased: the word has lowercase.
                    lower += 1
                first = word[0]
                if first.isupper():
                    capitalised += 1
                elif first.isalpha() and word.lower() not in stopwords:
                    content += 1
                if previous is None:
                    sentence_start = True
                elif start - previous.end == 1 and text[start - 1] == " ":
                    sentence_start = False  # One space: no sentence ends there.
                else:
                    sentence_start = ends_sentence(previous, start)
                token = _Token(word, start, end, number, sentence_start)
                tokens.append(token)
                previous = token
            # An ALL-CAPS line (a wire headline, a table) or a Title Case one
            # ("Commission on Narcotic Drugs Concludes Session"): every word
            # looks like a name there, so only the gazetteer reads it.
            caps = upper > 0 and upper >= 3 * lower
            self.caps.append(caps)
            self.rules.append(not caps and (content > 0 or capitalised < 4))

    def _ends_sentence(self, previous: _Token, start: int) -> bool:
        gap = self.text[previous.end : start]
        if not any(c in _SENTENCE_END for c in gap):
            return False
        # "Mr. Volcker", "James A. Baker", "U.S. officials": no sentence ends there.
        abbreviation = previous.text in ABBREVIATIONS or len(previous.text) == 1
        return not (gap.startswith(".") and abbreviation)

    def _line_of(self, position: int) -> int:
        return bisect.bisect_right(self.line_starts, position) - 1

    def _adjacent(self, left: _Token, right: _Token, allow: str = "") -> bool:
        """Only spaces (or one of the `|`-separated marks of `allow`) between two tokens."""
        if left.line != right.line:
            return False
        gap = self.text[left.end : right.start]
        if len(gap) > 4:
            return False
        mark = gap.strip()
        return not mark or (bool(allow) and mark in allow.split("|"))

    # --- The steps -----------------------------------------------------------

    def run(self) -> list[Mention]:
        self._gazetteer_matches()
        mixed = [i for i, t in enumerate(self.tokens) if self.rules[t.line]]
        self._people_by_first_name(mixed)
        self._people_by_title(mixed)
        self._organisations(mixed)
        self._bracketed_organisations()
        self._surnames()
        blocked = self.index.gazetteer.blocklist
        found = [m for m in self.mentions if m.name not in blocked]
        found.sort(key=lambda m: (m.start, -m.end))
        return found

    def _gazetteer_matches(self) -> None:
        index, text = self.index, self.text
        candidates: list[tuple[int, int, Form]] = []
        for last, (length, number) in index.automaton.iter(text):
            start, end = last - length + 1, last + 1
            form = index.forms[number]
            end = self._boundary(start, end, form)
            if end < 0:
                continue
            caps = self.caps[self._line_of(start)] if self.caps else False
            if caps and form.acronym and form.common:
                continue  # "US" in "US TO CUT RATES": the word, not the country
            if form.upper and not caps:
                continue  # "VIENNA" in running text is a dateline, handled elsewhere
            if form.common and not caps and self._starts_sentence(start):
                continue
            candidates.append((start, end, form))
        candidates.sort(key=lambda c: (c[0], -c[1]))
        reach = -1
        for start, end, form in candidates:
            if start < reach:
                continue
            reach = end
            entry = form.entry
            self._add(Mention(entry.type, entry.name, start, end, GAZETTEER))

    def _boundary(self, start: int, end: int, form: Form) -> int:
        """The match's end if it stands on word boundaries, else -1."""
        text = self.text
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            return -1
        if end >= len(text):
            return end
        after = text[end]
        if not (after.isalnum() or after == "_"):
            return end
        # German genitive: "Wiens", "Österreichs", "Schallenbergs".
        if (
            self.german
            and after == "s"
            and not form.acronym
            and form.alias[-1:] not in ("s", "x", "z", "ß")
            and (end + 1 >= len(text) or not text[end + 1].isalnum())
        ):
            return end + 1
        return -1

    def _starts_sentence(self, position: int) -> bool:
        i = bisect.bisect_left(self.tokens, position, key=lambda t: t.start)
        return (
            i < len(self.tokens)
            and self.tokens[i].start == position
            and (self.tokens[i].sentence_start)
        )

    def _add(self, mention: Mention) -> None:
        """Record a mention and the tokens it covers."""
        self.mentions.append(mention)
        if mention.type == "person":
            words = mention.name.split()
            for k in range(1, len(words)):
                self.full_names.setdefault(" ".join(words[k:]), mention.name)
        i = bisect.bisect_left(self.tokens, mention.start, key=lambda t: t.start)
        while i < len(self.tokens) and self.tokens[i].start < mention.end:
            self.covered.setdefault(i, mention)
            i += 1

    def _namelike(self, i: int) -> bool:
        """A capitalised word that may be part of a name (not yet claimed)."""
        if i >= len(self.tokens) or i in self.covered:
            return False
        word = self.tokens[i].text
        if not word[0].isupper() or (word.isupper() and len(word) > 1):
            return False
        return not (
            word.lower() in STOPWORDS
            or word in MONTHS_AND_DAYS
            or word in ORG_HEADS
            or is_title(word, self.index.titles)
        )

    def _initial(self, i: int) -> bool:
        """ "J." or "P.W." inside a name."""
        if i >= len(self.tokens) or i in self.covered:
            return False
        token = self.tokens[i]
        return bool(_INITIALS.fullmatch(token.text)) and self.text[token.end : token.end + 1] == "."

    def _name_from(self, i: int, limit: int) -> int:
        """The end (exclusive token index) of the name whose first word is token i."""
        tokens, text = self.tokens, self.text
        end = j = i + 1
        while j < len(tokens) and j - i < limit:
            previous = tokens[j - 1]
            if text[previous.end : previous.end + 1] in ("'", "’"):
                break  # a possessive ends the name: "Schmid's role"
            if not self._adjacent(previous, tokens[j], allow="." if self._initial(j - 1) else ""):
                break
            if tokens[j].text in PARTICLES and j not in self.covered:
                j += 1
            elif self._namelike(j):
                j += 1
                end = j
            elif self._initial(j):
                j += 1
            else:
                break
        return end

    def _person_name(self, i: int, end: int) -> str:
        tokens = self.tokens
        words = [tokens[k].text + ("." if self._initial(k) else "") for k in range(i, end)]
        while words and words[-1] in SUFFIXES:
            words.pop()
        name = " ".join(words)
        entry = self._entry(name, "person")
        if entry is None:
            key = first_last(name)
            entry = self.index.first_last.get(key) if key is not None else None
        return entry.name if entry else name

    def _entry(self, name: str, type: str) -> Entry | None:
        for entry in self.index.by_alias.get(name, ()):
            if entry.type == type:
                return entry
        return None

    def _claims(self, i: int, end: int, type: str, name: str) -> None:
        start_char, end_char = self.tokens[i].start, self.tokens[end - 1].end
        if any(
            entry.type != type for entry in self.index.by_alias.get(name, ())
        ) and not self._entry(name, type):
            return  # the gazetteer knows the name as something else
        self._add(Mention(type, name, start_char, end_char, RULE))

    def _people_by_first_name(self, mixed: list[int]) -> None:
        first_names = self.index.first_names
        for i in mixed:
            token = self.tokens[i]
            if i in self.covered or token.text not in first_names:
                continue
            if token.text.lower() in STOPWORDS or token.text in MONTHS_AND_DAYS:
                continue
            end = self._name_from(i, _MAX_NAME_TOKENS)
            if end - i < 2:
                continue
            self._claims(i, end, "person", self._person_name(i, end))

    def _people_by_title(self, mixed: list[int]) -> None:
        tokens, titles, covered = self.tokens, self.index.titles, self.covered
        for i in mixed:
            if i in covered or not is_title(tokens[i].text, titles):
                continue
            j = i + 1
            # "Secretary General", "Prime Minister", "Mr." before the name.
            while (
                j < len(tokens)
                and j - i < 4
                and self._adjacent(tokens[j - 1], tokens[j], allow=".")
            ):
                word = tokens[j].text
                if word in TITLE_WORDS or is_title(word, titles):
                    j += 1
                    continue
                break
            if j >= len(tokens) or not self._adjacent(tokens[j - 1], tokens[j], allow="."):
                continue
            if not self._namelike(j) or tokens[j].text in self.index.first_names:
                continue
            end = self._name_from(j, 3)
            name = self._person_name(j, end)
            self._claims(j, end, "person", self._known_person(name))

    def _known_person(self, name: str) -> str:
        """A name after a title ("Mr Volcker", "President Van der Bellen"): the
        person the text names in full, or the one gazetteer person of that surname."""
        if name in self.full_names:
            return self.full_names[name]
        entry = self.index.surnames.get(name) if " " not in name else None
        return entry.name if entry else name

    def _org_word(self, i: int) -> bool:
        """A word that may be part of an organisation's name."""
        token = self.tokens[i]
        mention = self.covered.get(i)
        if mention is not None:
            return mention.type != "person"
        word = token.text
        if not (word[0].isupper() or word[0].isdigit()):
            return False
        return word.lower() not in STOPWORDS and word not in MONTHS_AND_DAYS

    def _organisations(self, mixed: list[int]) -> None:
        tokens, titles = self.tokens, self.index.titles
        covered = self.covered
        k = 0
        while k < len(mixed):
            i = mixed[k]
            initial = tokens[i].text[0]
            # Cheap test first: an uncovered lowercase word starts no name.
            if (not (initial.isupper() or initial.isdigit()) and i not in covered) or (
                not self._org_word(i)
            ):
                k += 1
                continue
            run_end = self._run_end(i)
            heads = [j for j in range(i, run_end) if self._head(j)]
            # Skip past the run (mixed holds every token of the lines read, in order).
            k += run_end - i
            if not heads:
                continue
            start = i
            while start < heads[-1] and (
                is_title(tokens[start].text, titles) or tokens[start].text[0].isdigit()
            ):
                start += 1  # not "President Chase Manhattan Bank", not "35-member Board"
            head = heads[-1]
            end = head + 1
            if head == run_end - 1:
                end = self._linked_tail(head, end)
            if end - start < 2:
                continue
            if start == head and start > 0 and tokens[start - 1].text.lower() in INDEFINITE:
                continue  # "an Organisation for Dialogue" describes, it does not name
            first = tokens[start]
            name = " ".join(self.text[first.start : tokens[end - 1].end].split())
            entry = self._entry(name, "organization")
            self._claims(start, end, "organization", entry.name if entry else name)

    def _run_end(self, i: int) -> int:
        """The end of the run of organisation words from token i.

        Words join across "&", "and"/"und" ("Securities and Exchange
        Commission"), an abbreviation's period ("U.S. Agriculture Department")
        and a possessive that is not a known name's ("Moody's Investors Service").
        """
        tokens = self.tokens
        end = i + 1
        while end < len(tokens) and not tokens[end].sentence_start:
            previous, word = tokens[end - 1], tokens[end]
            if (
                word.text in ("and", "und")
                and end + 1 < len(tokens)
                and self._adjacent(previous, word)
                and self._adjacent(word, tokens[end + 1])
                and self._org_word(end + 1)
            ):
                end += 2
                continue
            # "Moody's Investors Service", but not "Southern's Georgia Power Co".
            known = end - 1 in self.covered or end in self.covered
            allow = "&|." if known else "&|.|'s|’s"
            if not (self._adjacent(previous, word, allow=allow) and self._org_word(end)):
                break
            end += 1
        return end

    def _head(self, i: int) -> bool:
        return self.tokens[i].text in ORG_HEADS and i not in self.covered

    def _linked_tail(self, head: int, end: int) -> int:
        """ "Bank" + "of Japan": the end of the organisation's name after its head word."""
        tokens = self.tokens
        j = head + 1
        if j >= len(tokens) or tokens[j].text not in HEAD_LINKS:
            return end
        if not self._adjacent(tokens[head], tokens[j]):
            return end
        j += 1
        if j < len(tokens) and tokens[j].text == "the" and self._adjacent(tokens[j - 1], tokens[j]):
            j += 1
        tail = j
        while (
            tail < len(tokens)
            and tail - j < 4
            and self._adjacent(tokens[tail - 1], tokens[tail])
            and self._org_word(tail)
        ):
            tail += 1
        return tail if tail > j else end

    def _bracketed_organisations(self) -> None:
        # Wire copy marks company names in angle brackets: "<Texaco Canada Inc>".
        for match in _BRACKETED.finditer(self.text):
            name = " ".join(match.group(1).split())
            if not name[:1].isupper() or not any(c.islower() for c in name):
                continue  # "<BAC>" is a ticker
            start, end = match.start(1), match.end(1)
            entry = self._entry(name, "organization")
            self.mentions.append(
                Mention("organization", entry.name if entry else name, start, end, RULE)
            )

    def _surnames(self) -> None:
        full: dict[str, str] = {}
        for mention in self.mentions:
            if mention.type == "person":
                last = surname(mention.name)
                if len(last) > 1:
                    full.setdefault(last, mention.name)
        upper = {s.upper(): name for s, name in full.items() if len(s) >= MIN_UPPER_VARIANT}
        headline = self.index.headline_surnames
        for i, token in enumerate(self.tokens):
            if i in self.covered:
                continue
            if self.caps[token.line]:
                name = upper.get(token.text)
                if name is None and token.text in headline:
                    name = headline[token.text].name
            else:
                name = full.get(token.text)
            if name is not None:
                self._add(Mention("person", name, token.start, token.end, RULE))
