"""A text as the extractor's rules read it: words, their lines and where sentences start.

A word is letters and digits joined by an apostrophe, hyphen, period or "&"
inside ("O'Brien", "Co-operation", "U.S", "AT&T"), without a possessive "'s"
("Schmid's" is "Schmid"). A line is a run of text without a newline (a
paragraph, a wire headline); each is ALL CAPS (a wire headline, a table), or
read by the rules, or neither (a Title Case headline, "Commission on Narcotic
Drugs Concludes Session", where every word looks like a name). A word starts
a sentence when it starts its line, or follows a ".", "!", "?", ":" or ";"
that is not an abbreviation's ("Mr. Volcker", "James A. Baker").

`tokenise` is the hottest step of extraction: ~180 words an article, so the
per-word work is done by the regex engine (one split a line), by `map` over
memoised classifications of words and of the gaps between them, and by list
slicing, not by a Python loop over the words.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from itertools import accumulate

from indexer.entities.memo import Memo
from indexer.entities.names import ABBREVIATIONS, STOPWORDS

# The word pattern, captured so that a split alternates gaps and words. No
# nested repetition: each joiner must be followed by a word character, so
# matching is linear. Possessive quantifiers: the match is the longest anyway
# (nothing follows that could fail), and the engine then keeps no
# backtracking state (15% faster).
_WORDS = re.compile(r"(\w++(?:['’\-.&]\w++)*+)")
_LINE = re.compile(r"[^\n]+")
# A word's possessive "'s": an apostrophe and "s" ending a word (not "it's-a").
_POSSESSIVE = re.compile(r"['’]s(?!\w|['’\-.&]\w)")
_SENTENCE_END = frozenset(".!?:;")

# A word's class, bits of `_word_class`: ALL CAPS, has lowercase, capitalised,
# a content word (lowercase, not a function word), starts with a digit.
_UPPER, _LOWER, _CAPITALISED, _CONTENT, _DIGIT = 1, 2, 4, 8, 16
# A class as what it adds to its line's four counts, each in 15 bits of one
# int: a line's counts are then the difference of two prefix sums.
_FIELD = 15
_COUNTS = [sum(((kind >> bit) & 1) << (_FIELD * bit) for bit in range(4)) for kind in range(32)]
# Whether a word of the class may start an organisation's name (a capital or a digit).
_STARTS_ORG = [bool(kind & (_CAPITALISED | _DIGIT)) for kind in range(32)]
# What the gap before a word says of it (`_gap_kind`); a sentence starts after
# an `_END`, and after an `_END_UNLESS_ABBREVIATION` unless the word before is one.
_NO_END, _END, _END_UNLESS_ABBREVIATION = 0, 1, 2


def _word_class(word: str) -> int:
    kind = 0
    if word.isupper():
        kind |= _UPPER
    elif word != word.upper() and not word.isdigit():
        # Some letter changes when upper-cased: the word has lowercase.
        kind |= _LOWER
    first = word[0]
    if first.isupper():
        kind |= _CAPITALISED
    elif first.isalpha() and word.lower() not in STOPWORDS:
        kind |= _CONTENT
    if first.isdigit():
        kind |= _DIGIT
    return kind


def _gap_kind(gap: str) -> int:
    if gap == " " or _SENTENCE_END.isdisjoint(gap):
        return _NO_END
    return _END_UNLESS_ABBREVIATION if gap.startswith(".") else _END


_word_classes = Memo(_word_class)
_gap_kinds = Memo(_gap_kind)


@dataclass
class Tokens:
    """The words of a text, in order, as parallel lists (index = word number)."""

    words: list[str]  # without a possessive "'s"
    starts: list[int]  # character span in the text
    ends: list[int]
    kinds: list[int] = field(default_factory=list)  # the word's class (`_word_class`)
    lines: list[int] = field(default_factory=list)  # the number of the word's line
    # 1 where a sentence starts at the word (its line's first, or after a sentence's end).
    sentence_starts: list[int] = field(default_factory=list)
    line_starts: list[int] = field(default_factory=list)  # per line: where it starts
    # Per line: its first word's number (and, last, the number of words).
    line_firsts: list[int] = field(default_factory=list)
    caps: list[bool] = field(default_factory=list)  # per line: ALL CAPS
    rules: list[bool] = field(default_factory=list)  # per line: read by the rules
    ruled: list[int] = field(default_factory=list)  # the words of the lines the rules read


def tokenise(text: str) -> Tokens:
    """The words and lines of a text (see the module docstring)."""
    # [gap, word, gap, word, ..., gap]: gap k precedes word k.
    parts = _WORDS.split(text)
    offsets = list(accumulate(map(len, parts)))
    tokens = Tokens(parts[1::2], offsets[0:-1:2], offsets[1::2])
    words, starts, ends = tokens.words, tokens.starts, tokens.ends
    # What the gap before each word says (the first word's is never asked).
    gaps = list(map(_gap_kinds.__getitem__, parts[0:-1:2]))
    # A possessive is not part of its word: "Schmid's role" reads "Schmid".
    for match in _POSSESSIVE.finditer(text):
        end = match.end()
        k = bisect.bisect_left(ends, end)
        if k < len(ends) and ends[k] == end and ends[k] - starts[k] > 2:
            words[k] = words[k][:-2]
            ends[k] = end - 2
            if k + 1 < len(words):
                gaps[k + 1] = _gap_kinds["'s" + parts[2 * k + 2]]
    kinds = tokens.kinds = list(map(_word_classes.__getitem__, words))
    counted = list(accumulate(map(_COUNTS.__getitem__, kinds), initial=0))
    lines, ruled = tokens.lines, tokens.ruled
    line_starts = tokens.line_starts
    line_starts += [line.start() for line in _LINE.finditer(text)]
    # Words never span a newline: each line's words are those starting in it.
    firsts = [bisect.bisect_left(starts, start) for start in line_starts]
    for first in firsts:
        if first < len(gaps):
            gaps[first] = _END  # a line's first word starts a sentence
    firsts.append(len(words))
    tokens.line_firsts = firsts
    tokens.sentence_starts = _sentence_starts(gaps, words)
    for number in range(len(line_starts)):
        first, end = firsts[number], firsts[number + 1]
        if end - first < 1 << _FIELD:
            caps, read = _line_kind(*_unpacked(counted[end] - counted[first]))
        else:  # a line of 32,768 words or more would overflow a count's bits
            caps, read = _line_kind(*_counted(kinds[first:end]))
        tokens.caps.append(caps)
        tokens.rules.append(read)
        lines += [number] * (end - first)
        if read:
            ruled += range(first, end)
    return tokens


def _unpacked(counts: int) -> tuple[int, int, int, int]:
    mask = (1 << _FIELD) - 1
    return (
        counts & mask,
        (counts >> _FIELD) & mask,
        (counts >> 2 * _FIELD) & mask,
        counts >> 3 * _FIELD,
    )


def _counted(kinds: list[int]) -> tuple[int, int, int, int]:
    return (
        sum(1 for kind in kinds if kind & _UPPER),
        sum(1 for kind in kinds if kind & _LOWER),
        sum(1 for kind in kinds if kind & _CAPITALISED),
        sum(1 for kind in kinds if kind & _CONTENT),
    )


def _line_kind(upper: int, lower: int, capitalised: int, content: int) -> tuple[bool, bool]:
    """Whether a line is ALL CAPS, and whether the rules read it, from its words' counts."""
    # An ALL-CAPS line (a wire headline, a table) or a Title Case one: every
    # word looks like a name there, so only the gazetteer reads it.
    caps = upper > 0 and upper >= 3 * lower
    return caps, not caps and (content > 0 or capitalised < 4)


def may_start_organisation(kinds: list[int]) -> list[bool]:
    """Per word of these classes: whether it starts with a capital or a digit."""
    return list(map(_STARTS_ORG.__getitem__, kinds))


def _sentence_starts(gaps: list[int], words: list[str]) -> list[int]:
    """1 where a sentence starts, from the kinds of the gaps before the words."""
    k = 0
    try:
        while True:
            # list.index finds the few periods in C; each is looked at here.
            k = gaps.index(_END_UNLESS_ABBREVIATION, k + 1)
            before = words[k - 1]
            abbreviation = before in ABBREVIATIONS or len(before) == 1
            gaps[k] = _NO_END if abbreviation else _END
    except ValueError:
        pass
    return gaps
