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

import re
from dataclasses import dataclass, field
from itertools import accumulate

from indexer.entities.memo import Memo
from indexer.entities.names import ABBREVIATIONS, STOPWORDS

# The word pattern, captured so that a split alternates gaps and words. No
# nested repetition: each joiner must be followed by a word character, so
# matching is linear.
_WORDS = re.compile(r"(\w+(?:['’\-.&]\w+)*)")
_LINE = re.compile(r"[^\n]+")
_POSSESSIVE = ("'s", "’s")
_SENTENCE_END = frozenset(".!?:;")

# What a word contributes to its line's counts (bits of `_word_class`).
_UPPER, _LOWER, _CAPITALISED, _CONTENT = 1, 2, 4, 8
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

    words: list[str] = field(default_factory=list)  # without a possessive "'s"
    starts: list[int] = field(default_factory=list)  # character span in the text
    ends: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the number of the word's line
    # 1 where a sentence starts at the word (its line's first, or after a sentence's end).
    sentence_starts: list[int] = field(default_factory=list)
    line_starts: list[int] = field(default_factory=list)  # per line: where it starts
    caps: list[bool] = field(default_factory=list)  # per line: ALL CAPS
    rules: list[bool] = field(default_factory=list)  # per line: read by the rules
    ruled: list[int] = field(default_factory=list)  # the words of the lines the rules read


def tokenise(text: str) -> Tokens:
    """The words and lines of a text (see the module docstring)."""
    tokens = Tokens()
    words, starts, ends = tokens.words, tokens.starts, tokens.ends
    lines, sentence_starts = tokens.lines, tokens.sentence_starts
    for number, line in enumerate(_LINE.finditer(text)):
        line_start = line.start()
        tokens.line_starts.append(line_start)
        chunk = line.group()
        # [gap, word, gap, word, ..., gap]: gap k precedes word k.
        parts = _WORDS.split(chunk)
        count = len(parts) // 2
        if "'s" in chunk or "’s" in chunk:
            # A possessive belongs to the gap: "Schmid's role" is "Schmid", "'s role".
            for k in range(1, len(parts), 2):
                word = parts[k]
                if word.endswith(_POSSESSIVE):
                    parts[k] = word[:-2]
                    parts[k + 1] = word[-2:] + parts[k + 1]
        offsets = list(accumulate(map(len, parts), initial=line_start))
        line_words = parts[1::2]
        first = len(words)
        words += line_words
        starts += offsets[1:-1:2]
        ends += offsets[2::2]
        lines += [number] * count
        caps, read = _line_kind(line_words)
        tokens.caps.append(caps)
        tokens.rules.append(read)
        if read:
            tokens.ruled += range(first, first + count)
        if count:
            sentence_starts.append(1)
            sentence_starts += _sentence_starts(parts[2:-1:2], line_words)
    return tokens


def _line_kind(words: list[str]) -> tuple[bool, bool]:
    """Whether a line is ALL CAPS, and whether the rules read it."""
    kinds = list(map(_word_classes.__getitem__, words))
    upper = lower = capitalised = content = 0
    for kind in set(kinds):
        count = kinds.count(kind)
        if kind & _UPPER:
            upper += count
        if kind & _LOWER:
            lower += count
        if kind & _CAPITALISED:
            capitalised += count
        if kind & _CONTENT:
            content += count
    # An ALL-CAPS line (a wire headline, a table) or a Title Case one: every
    # word looks like a name there, so only the gazetteer reads it.
    caps = upper > 0 and upper >= 3 * lower
    return caps, not caps and (content > 0 or capitalised < 4)


def _sentence_starts(gaps: list[str], words: list[str]) -> list[int]:
    """1 where a sentence starts, for each word but the line's first (gap k precedes word k + 1)."""
    kinds = list(map(_gap_kinds.__getitem__, gaps))
    k = -1
    try:
        while True:
            # list.index finds the few periods in C; each is looked at here.
            k = kinds.index(_END_UNLESS_ABBREVIATION, k + 1)
            before = words[k]
            abbreviation = before in ABBREVIATIONS or len(before) == 1
            kinds[k] = _NO_END if abbreviation else _END
    except ValueError:
        pass
    return kinds
