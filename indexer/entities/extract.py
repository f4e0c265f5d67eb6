"""The extractor: the people, organisations and places a text names.

`Extractor` is the interface: ``extract(text, language)`` returns `Mention`s,
each a canonical name with its type, its character span and where it came
from. Another extractor (a spaCy model, say) plugs in by having that method.

`GazetteerExtractor` is the default: offline, no model, English and German.
It reads a text in one pass and in six steps:

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
4. **Cues** (`indexer.entities.cues`): names the gazetteer does not know,
   typed by the words around them.
5. **The span model** (`indexer.entities.span_model`): a classifier learned
   from hand annotations reads the capitalised words no step claimed
   (`indexer.entities.spans`) and names those it is sure of; it may drop a
   rule's or cue's mention it reads as no name.
6. **Surnames.** A bare surname (``Schmid emphasized``) names the person
   whose full name the same text gives (``Helga Maria Schmid``); after a
   title, it may also name the one gazetteer person with that surname.

Every step is linear in the length of the text: the automaton, a tokenising
regex without nested repetition (`indexer.entities.tokens`), and walks over
the tokens. Extraction is most of what a build does to an article before
indexing it, so the walks visit only the tokens that can matter (a set
intersection or `itertools.compress` finds them), and what the rules ask of a
word alone is remembered per word (`indexer.entities.memo`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from itertools import compress
from typing import Protocol

from indexer.entities.aliases import (
    MIN_UPPER_VARIANT,
    SENTINEL,
    AliasIndex,
    Form,
    alias_index,
    first_last,
    surname,
)
from indexer.entities.cue_words import CLUB_HEADS, COMPETITIONS, SPEAKERS
from indexer.entities.cues import Cues
from indexer.entities.gazetteer import Entry, Gazetteer
from indexer.entities.memo import Memo
from indexer.entities.names import (
    HEAD_LINKS,
    INDEFINITE,
    MONTHS_AND_DAYS,
    ORG_HEADS,
    PARTICLES,
    STOPWORDS,
    SUFFIXES,
    TITLE_WORDS,
    is_title,
    may_hold_compound_titles,
)
from indexer.entities.span_model import SpanModel, checked_spans, find, shipped_model
from indexer.entities.spans import (
    Span,
    candidates,
    context_only,
    features,
    mention_spans,
    own_features,
)
from indexer.entities.tokens import may_start_organisation, tokenise

GAZETTEER = "gazetteer"
RULE = "rule"

_BRACKETED = re.compile(r"<([^<>\n]{2,80})>")
_INITIALS = re.compile(r"[A-Z](?:\.[A-Z])*")
_MAX_NAME_TOKENS = 5


@dataclass(slots=True)
class Mention:
    """One naming of an entity in a text: its canonical name, type and span.

    A plain slotted dataclass, not a frozen one: extraction makes one per name
    found, and a frozen one costs 1.2 µs to make against 0.26 µs (timeit).
    """

    type: str  # person | organization | place
    name: str  # canonical name
    start: int  # character span in the text given
    end: int
    source: str  # "gazetteer" | "rule" | "dateline"


def _nominative(name: str) -> str:
    """German adjectives in the nominative: "Afrikanischen Union" is "Afrikanische Union"."""
    words = name.split()
    for k, word in enumerate(words[:-1]):
        if word.endswith(("ischen", "ischer", "isches", "ischem")):
            words[k] = word[:-1]
    return " ".join(words)


class Extractor(Protocol):
    """Anything that finds the entities a text names."""

    def extract(self, text: str, language: str) -> list[Mention]: ...


class GazetteerExtractor:
    """The default extractor: a gazetteer, an automaton, a few rules and the span model.

    `model` types the capitalised words the rules leave (`indexer.entities.span_model`):
    the shipped one by default; None reads with the gazetteer and the rules alone.
    """

    def __init__(self, gazetteer: Gazetteer, model: SpanModel | bool | None = True) -> None:
        self.gazetteer = gazetteer
        self._index = alias_index(gazetteer)
        self._words = _WordRules(self._index)
        self.model = shipped_model() if model is True else model or None

    def extract(self, text: str, language: str) -> list[Mention]:
        if not text or text.isspace():
            return []
        return _Pass(self._index, self._words, text, language, self.model).run()

    def candidates(self, text: str, language: str) -> list[tuple[Span, list[str]]]:
        """The span model's candidates in a text and their features, as the model
        would read them (for training it: `scripts/train_entities.py`)."""
        if not text or text.isspace():
            return []
        reading = _Pass(self._index, self._words, text, language, None)
        reading.read_rules()
        spans = [*checked_spans(reading), *candidates(reading)]
        return [(span, features(reading, span)) for span in spans]

    def silver(self, text: str, language: str) -> list[tuple[list[str], str]]:
        """The features (without the name's own: `spans.context_only`) and types of
        the names the gazetteer and the rules find in a text, and of the candidates they
        leave as none: distant supervision (some of those are names nobody knew)."""
        if not text or text.isspace():
            return []
        reading = _Pass(self._index, self._words, text, language, None)
        reading.read_rules()
        named = [(span, mention.type) for span, mention in mention_spans(reading)]
        named += [(span, "none") for span in candidates(reading)]
        return [(context_only(features(reading, span)), kind) for span, kind in named]


class _WordRules:
    """What the rules ask of a word alone, remembered per word: a text repeats its words,
    and a corpus its vocabulary."""

    def __init__(self, index: AliasIndex) -> None:
        titles = index.titles

        def title(word: str) -> bool:
            return is_title(word, titles)

        def namelike(word: str) -> bool:
            if not word[0].isupper() or (word.isupper() and len(word) > 1):
                return False
            return not (
                word.lower() in STOPWORDS
                or word in MONTHS_AND_DAYS
                or word in ORG_HEADS
                or word in COMPETITIONS
                or self.title[word]
            )

        self.title = Memo(title)
        self.namelike = Memo(namelike)
        # What a candidate span's words alone tell the span model (`spans.own_features`).
        self.span_words = Memo(partial(own_features, index))


class _Pass:
    """One text being read: its lines, tokens and the mentions found so far."""

    def __init__(
        self,
        index: AliasIndex,
        rules: _WordRules,
        text: str,
        language: str,
        model: SpanModel | None = None,
    ) -> None:
        self.index = index
        self.model = model
        self.word_rules = rules
        self.text = text
        self.german = language.lower().startswith("de")
        tokens = tokenise(text)
        self.tokens = tokens
        self.words, self.starts, self.ends = tokens.words, tokens.starts, tokens.ends
        self.lines = tokens.lines
        self.caps = tokens.caps
        self.vocabulary = set(self.words)
        # Token index -> the mention covering it (gazetteer, person or organisation).
        self.covered: dict[int, Mention] = {}
        self.mentions: list[Mention] = []
        # The end of a person's full name ("Schmid", "Maria Schmid") -> the full name.
        self.full_names: dict[str, str] = {}

    # --- Tokens and lines ----------------------------------------------------

    def _line_of(self, position: int) -> int:
        return bisect.bisect_right(self.tokens.line_starts, position) - 1

    def _adjacent(self, left: int, right: int, allow: str = "") -> bool:
        """Only spaces (or one of the `|`-separated marks of `allow`) between two tokens."""
        if self.lines[left] != self.lines[right]:
            return False
        gap = self.text[self.ends[left] : self.starts[right]]
        if len(gap) > 4:
            return False
        mark = gap.strip()
        return not mark or (bool(allow) and mark in allow.split("|"))

    def _where(self, words: set[str], among: Sequence[int]) -> list[int]:
        """The tokens of `among` whose word is one of `words`, in order."""
        if not words:
            return []
        texts = self.words
        if len(among) == len(texts):
            # Every token (the rules read every line): no need to look each up.
            return list(compress(range(len(texts)), map(words.__contains__, texts)))
        return list(compress(among, map(words.__contains__, map(texts.__getitem__, among))))

    # --- The steps -----------------------------------------------------------

    def run(self) -> list[Mention]:
        self.read_rules()
        if self.model is not None:
            # After the rules (the model reads what they claimed), before the
            # surnames (a person the model finds names its bare surname too).
            find(self, self.model)
        self._surnames()
        blocked = self.index.gazetteer.blocklist
        found = [m for m in self.mentions if m.name not in blocked]
        found.sort(key=lambda m: (m.start, -m.end))
        return found

    def read_rules(self) -> None:
        """The gazetteer's matches, the name rules and the cues."""
        self._gazetteer_matches()
        mixed = self.tokens.ruled
        vocabulary, title = self.vocabulary, self.word_rules.title
        named = vocabulary.intersection(self.index.first_names)
        if may_hold_compound_titles(self.text):
            titled = set(compress(vocabulary, map(title.__getitem__, vocabulary)))
        else:
            titled = vocabulary.intersection(self.index.titles)
        heads = vocabulary.intersection(ORG_HEADS)
        # The tokens the three rules start from, found in one pass over the
        # tokens (each rule then picks its own from these few).
        spots = self._where(named | titled | heads, mixed)
        words = self.words
        self._people_by_first_name([i for i in spots if words[i] in named])
        self._people_by_title([i for i in spots if words[i] in titled])
        self._organisations(mixed, [i for i in spots if words[i] in heads])
        self._bracketed_organisations()
        Cues(self).run()

    def _gazetteer_matches(self) -> None:
        index, text = self.index, self.text
        candidates: list[tuple[int, int, Form]] = []
        for last, (length, number) in index.automaton.iter(text):
            if number == SENTINEL:
                continue  # no alias: a letter the automaton finds faster (aliases.py)
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
        starts = self.starts
        i = bisect.bisect_left(starts, position)
        return i < len(starts) and starts[i] == position and bool(self.tokens.sentence_starts[i])

    def _add(self, mention: Mention) -> None:
        """Record a mention and the tokens it covers."""
        self.mentions.append(mention)
        if mention.type == "person":
            words = mention.name.split()
            for k in range(1, len(words)):
                self.full_names.setdefault(" ".join(words[k:]), mention.name)
        starts, covered = self.starts, self.covered
        i = bisect.bisect_left(starts, mention.start)
        while i < len(starts) and starts[i] < mention.end:
            covered.setdefault(i, mention)
            i += 1

    def _namelike(self, i: int) -> bool:
        """A capitalised word that may be part of a name (not yet claimed)."""
        if i >= len(self.words) or i in self.covered:
            return False
        return self.word_rules.namelike[self.words[i]]

    def _initial(self, i: int) -> bool:
        """ "J." or "P.W." inside a name."""
        if i >= len(self.words) or i in self.covered:
            return False
        end = self.ends[i]
        return bool(_INITIALS.fullmatch(self.words[i])) and self.text[end : end + 1] == "."

    def _name_from(self, i: int, limit: int) -> int:
        """The end (exclusive token index) of the name whose first word is token i."""
        words, ends, text = self.words, self.ends, self.text
        end = j = i + 1
        while j < len(words) and j - i < limit:
            previous_end = ends[j - 1]
            if text[previous_end : previous_end + 1] in ("'", "’"):
                break  # a possessive ends the name: "Schmid's role"
            if not self._adjacent(j - 1, j, allow="." if self._initial(j - 1) else ""):
                break
            if words[j] in PARTICLES and j not in self.covered:
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
        texts = self.words
        words = [texts[k] + ("." if self._initial(k) else "") for k in range(i, end)]
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

    def _claims(self, i: int, end: int, type: str, name: str) -> bool:
        """Claim tokens i to end as a mention; False when the gazetteer knows the name otherwise."""
        start_char, end_char = self.starts[i], self.ends[end - 1]
        if any(
            entry.type != type for entry in self.index.by_alias.get(name, ())
        ) and not self._entry(name, type):
            return False  # the gazetteer knows the name as something else
        self._add(Mention(type, name, start_char, end_char, RULE))
        return True

    def _people_by_first_name(self, named: list[int]) -> None:
        """People whose name starts with a known first name (the tokens `named`)."""
        words = self.words
        for i in named:
            word = words[i]
            if i in self.covered:
                continue
            if word.lower() in STOPWORDS or word in MONTHS_AND_DAYS:
                continue
            # A name goes on only with a capitalised word, an initial or a
            # particle ("Will said", "May be" stop here, as in `_name_from`).
            following = words[i + 1] if i + 1 < len(words) else ""
            if not (following[:1].isupper() or following in PARTICLES):
                continue
            end = self._name_from(i, _MAX_NAME_TOKENS)
            if end - i < 2:
                continue
            self._claims(i, end, "person", self._person_name(i, end))

    def _people_by_title(self, titled: list[int]) -> None:
        """People named after a title or honorific (the tokens `titled`)."""
        words, covered, title = self.words, self.covered, self.word_rules.title
        for i in titled:
            if i in covered:
                continue
            j = i + 1
            # "Secretary General", "Prime Minister", "Mr." before the name.
            while j < len(words) and j - i < 4 and self._adjacent(j - 1, j, allow="."):
                word = words[j]
                if word in TITLE_WORDS or title[word]:
                    j += 1
                    continue
                break
            if j >= len(words) or not self._adjacent(j - 1, j, allow="."):
                continue
            if not self._namelike(j) or words[j] in self.index.first_names:
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
        mention = self.covered.get(i)
        if mention is not None:
            return mention.type != "person"
        word = self.words[i]
        if not (word[0].isupper() or word[0].isdigit()):
            return False
        return word.lower() not in STOPWORDS and word not in MONTHS_AND_DAYS

    def _organisations(self, mixed: list[int], heads: list[int]) -> None:
        """Organisations: runs of capitalised words with a head word (the tokens `heads`)."""
        words, title, covered = self.words, self.word_rules.title, self.covered
        if not heads:
            return  # no run names an organisation without a head word
        # Where in `mixed` a head word stands: a run names an organisation only
        # with one, and a run ends before the next sentence, so the sentences
        # before the next head word are passed over.
        if len(mixed) == len(words):
            heads_at = heads
        else:
            heads_at = [bisect.bisect_left(mixed, i) for i in heads]
        # Per place in `mixed`: whether a run may start there (a capital or a
        # digit, the cheap test, or a claimed word); kept up to date as this
        # step claims words.
        kinds = self.tokens.kinds
        if len(mixed) == len(words):  # the rules read every line: token i is at place i
            live = may_start_organisation(kinds)
            for i in covered:
                live[i] = True
        else:
            live = may_start_organisation(list(map(kinds.__getitem__, mixed)))
            for i in covered:
                k = bisect.bisect_left(mixed, i)
                if k < len(mixed) and mixed[k] == i:
                    live[k] = True
        sentence_starts = self.tokens.sentence_starts
        h = k = 0
        while k < len(mixed):
            while h < len(heads_at) and heads_at[h] < k:
                h += 1
            if h == len(heads_at):
                break
            if heads_at[h] > k:
                j = heads_at[h]
                while j > k and not sentence_starts[mixed[j]]:
                    j -= 1  # to its sentence's first word, where a run may start
                k = j
            if not live[k]:
                try:
                    k = live.index(True, k + 1)  # the words between start no run
                except ValueError:
                    break
                continue
            i = mixed[k]
            if not self._org_word(i):
                k += 1
                continue
            run_at = k
            run_end = self._run_end(i)
            heads = [j for j in range(i, run_end) if self._head(j)]
            # Skip past the run (mixed holds every token of the lines read, in order).
            k += run_end - i
            if not heads:
                continue
            start = i
            while start < heads[-1] and (title[words[start]] or words[start][0].isdigit()):
                start += 1  # not "President Chase Manhattan Bank", not "35-member Board"
            head = heads[-1]
            if words[head] in CLUB_HEADS:
                # "Rekordmeister Manchester United": a club is named from its town on.
                towns = [k for k in range(start, head) if k in covered]
                start = towns[0] if towns else start
                inflected = words[start].endswith(("en", "er", "ern", "ers"))
                if self.german and start < head - 1 and start not in covered and inflected:
                    start += 1  # "Tabellenzweiten Tottenham Hotspur"
            genitive = words[start].endswith("s") and words[start][:-1] in self.full_names
            if self.german and head == start + 1 and genitive:
                continue  # "Mikl-Leitners Ministerium": a person's ministry, no name
            end = head + 1
            if head == run_end - 1:
                end = self._linked_tail(head, end)
            # "Channel 4", "BBC Radio 4": a number ends a broadcaster's name.
            while (
                end < run_end
                and words[end].isdigit()
                and len(words[end]) < 3
                and self._adjacent(end - 1, end)
            ):
                end += 1
            if end - start < 2:
                continue
            if (
                start == head
                and start > 0
                and words[start - 1].lower() in INDEFINITE
                and not (end < len(words) and words[end] in SPEAKERS)
            ):
                # "an Organisation for Dialogue" describes, it does not name (but
                # "a Department for Education source" names one).
                continue
            name = " ".join(self.text[self.starts[start] : self.ends[end - 1]].split())
            entry = self._entry(name, "organization")
            if entry is None and self.german:
                # "der Afrikanischen Union": the gazetteer holds the nominative.
                entry = self._entry(_nominative(name), "organization")
            if self._claims(start, end, "organization", entry.name if entry else name):
                # Its words are claimed now (contiguous in `mixed`: one line).
                live[run_at + start - i : run_at + end - i] = [True] * (end - start)

    def _run_end(self, i: int) -> int:
        """The end of the run of organisation words from token i.

        Words join across "&", "and"/"und" ("Securities and Exchange
        Commission"), an abbreviation's period ("U.S. Agriculture Department")
        and a possessive that is not a known name's ("Moody's Investors Service").
        """
        words, sentence_starts = self.words, self.tokens.sentence_starts
        end = i + 1
        while end < len(words) and not sentence_starts[end]:
            if (
                words[end] in ("and", "und")
                and not words[end - 1].isdigit()  # "Channel 4 and BBC Radio 4": two names
                and end + 1 < len(words)
                and self._adjacent(end - 1, end)
                and self._adjacent(end, end + 1)
                and self._org_word(end + 1)
            ):
                end += 2
                continue
            # "Moody's Investors Service", but not "Southern's Georgia Power Co".
            known = end - 1 in self.covered or end in self.covered
            allow = "&|." if known else "&|.|'s|’s"
            if not (self._adjacent(end - 1, end, allow=allow) and self._org_word(end)):
                break
            end += 1
        return end

    def _head(self, i: int) -> bool:
        return self.words[i] in ORG_HEADS and i not in self.covered

    def _linked_tail(self, head: int, end: int) -> int:
        """ "Bank" + "of Japan": the end of the organisation's name after its head word."""
        words = self.words
        j = head + 1
        if j >= len(words) or words[j] not in HEAD_LINKS:
            return end
        if not self._adjacent(head, j):
            return end
        j += 1
        if j < len(words) and words[j] == "the" and self._adjacent(j - 1, j):
            j += 1
        tail = j
        while (
            tail < len(words)
            and tail - j < 6
            and self._adjacent(tail - 1, tail)
            and self._org_word(tail)
        ):
            tail += 1
            # "Department for Education and Skills": "and" joins two words of the tail.
            if (
                tail + 1 < len(words)
                and words[tail] in ("and", "und")
                and self._adjacent(tail - 1, tail)
                and self._adjacent(tail, tail + 1)
                and self._org_word(tail + 1)
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
        words, lines, caps = self.words, self.lines, self.caps
        vocabulary = self.vocabulary
        # Only these words can be a surname here (a name of the text, or a headline's).
        wanted = vocabulary.intersection(full).union(vocabulary.intersection(upper))
        firsts = self.tokens.line_firsts
        for number, line_caps in enumerate(caps):
            if line_caps:  # a headline's surnames are read in ALL-CAPS lines only
                wanted.update(
                    filter(headline.__contains__, words[firsts[number] : firsts[number + 1]])
                )
        for i in self._where(wanted, range(len(words))):
            if i in self.covered:
                continue
            word = words[i]
            if caps[lines[i]]:
                name = upper.get(word)
                if name is None and word in headline:
                    name = headline[word].name
            else:
                name = full.get(word)
            if name is not None:
                self._add(Mention("person", name, self.starts[i], self.ends[i], RULE))
