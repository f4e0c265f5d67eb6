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
"""

from __future__ import annotations

import re

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
