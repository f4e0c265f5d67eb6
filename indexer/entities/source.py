"""The article's own source is no entity of its story where the text credits it.

A wire's stories name their agency as the one reporting them: "an official
told Reuters", "analysts polled by Reuters", "(Reuters) -", "a Reuters
survey". That is the byline in other words, not something the story is about,
and kept as an entity it becomes the top organisation of every facet of the
archive. Where the story is about its source ("Reuters bought Instinet",
"the BBC's licence fee") the mention stays: only a mention in a credit's
words is dropped, only where it is written as the article's `source` field
names it, and only in wire copy (an article filed from a dateline): a BBC
News web story's "told the BBC News website" is one its annotators keep.

The other way round, a paper names itself in the text by its name's word in
capitals ("dem STANDARD vorliegt"): that mention is the source organisation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Words right before a crediting mention: "told Reuters", "polled by Reuters",
# "said in an interview with Reuters", "(Reuters)".
_BEFORE = re.compile(
    r"(?:(?:\btold|\btelling|\bby|\bto|\bwith|\bgegenüber)\s+(?:the\s+|der\s+|dem\s+)?|\(\s*)$",
    re.I,
)
# Words right after one: "a Reuters survey", "Reuters reported", "Reuters correspondent".
_AFTER = re.compile(
    r"^(?:\)|['’]s?\s+)?\s*(?:survey|poll|polls|reported|reports|correspondents?|reporters?|"
    r"calculations?|tally|tallies|estimates?|interview|learned|has learned|understands|"
    r"was told|questions?|query|queries|inquiry|request|\)|,\s*\d)",
    re.I,
)


def credited(text: str, start: int, end: int) -> bool:
    """Whether the mention at text[start:end] credits the story to its source."""
    before = text[max(0, start - 30) : start]
    after = text[end : end + 30]
    if _AFTER.match(after):
        return True
    return _BEFORE.search(before) is not None


def self_mentions(text: str, source: str) -> Iterator[tuple[int, int]]:
    """Where a paper names itself by its source name's word set in capitals, as papers
    write themselves: "dem STANDARD vorliegt", "STANDARD: Sie haben", "laut
    STANDARD-Informationen" in a DER STANDARD article. Only a capitals word of four
    letters or more ("DER" is an article), and not on a line set in capitals."""
    for word in source.split():
        if len(word) < 4 or not word.isupper() or not word.isalpha():
            continue
        for match in re.finditer(rf"(?<![\w-]){re.escape(word)}(?!\w)", text):
            if not _caps_line(text, match.start()):
                yield match.start(), match.end()


def _caps_line(text: str, at: int) -> bool:
    first = text.rfind("\n", 0, at) + 1
    last = text.find("\n", at)
    line = text[first : last if last >= 0 else len(text)]
    letters = [c for c in line if c.isalpha()]
    return sum(c.isupper() for c in letters) > 0.6 * len(letters)
