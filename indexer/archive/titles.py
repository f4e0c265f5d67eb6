"""Readable titles: an ALL-CAPS wire headline shown in headline case.

Wire services sent headlines in capitals (``VOLCKER REAFFIRMS G-6
NEGOTIATING PROCESS``); a page of them shouts, and a reader scans
``Volcker Reaffirms G-6 Negotiating Process`` faster. The article keeps its
title as written (the corpus, exports and the article JSON are the record);
each backend stores this readable form beside it (``display_title``) and every
list and page shows that. It depends on no backend (the gazetteer and the
English stop words only), so that both show a title alike.

Only a title in capitals changes; any other is the writer's own casing and is
left alone. In one that changes, a word is kept as written when it is an
acronym or a code: an upper-case alias of the gazetteer (``OPEC``, ``IMF``,
``EC``, ``U.S.``), a word with a digit (``1ST``, ``G-6``, ``3-MO``), with a
dot inside (``N.Y.``, ``B.F.``), without vowels (``NZ``, ``DLRS``, ``MLN``),
a ticker in Reuters' angle brackets (``<BAC>``), or already in lower case
(``dlrs/bbl``). A name the gazetteer spells in mixed case gets that spelling
(``McDonald``). Short function words are lower case except first; every
other word is capitalised, each part of a hyphenated or slashed word too
(``Two-for-One``, ``Gold/Exchange``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path

from indexer.entities.gazetteer import load_gazetteer

# Lower case in headline case unless first (prepositions, articles, conjunctions).
SMALL_WORDS = frozenset(
    {
        *("a", "an", "the", "and", "but", "or", "nor", "as", "at", "by", "for", "from"),
        *("in", "into", "of", "off", "on", "onto", "per", "to", "via", "vs", "with"),
    }
)
# Wire abbreviations without vowels that are written in mixed case in prose.
ABBREVIATIONS = {"LTD": "Ltd", "MR": "Mr", "MRS": "Mrs", "DR": "Dr", "ST": "St", "JR": "Jr"}
# A title is in capitals when at least this share of its letters are capitals:
# wire headlines carry the odd lower-case unit (``WTI TO 17.50 dlrs/bbl``).
CAPITALS_SHARE = 0.8
_VOWELS = frozenset("AEIOUYÄÖÜÉÈÁÀÓÍ")
_WORD = re.compile(r"(\S+)")
# Punctuation around a word: quotes, brackets, commas, a final full stop.
_EDGES = re.compile(r"^([\"'(\[{<]*)(.*?)([\"')\]}>,;:!?.]*)$", re.S)
_POSSESSIVE = re.compile(r"^(.+?)('S|’S)$")
_APOSTROPHE_ENDINGS = frozenset(("S", "T", "D", "LL", "RE", "VE", "M"))
# The analyzers' stop words per language, folded (tests/test_opensearch_template.py
# holds them equal to the embedded analyzer's): here, the English words.
STOP_WORDS_PATH = Path(__file__).resolve().parents[1] / "data" / "stop_words.json"


def is_capitals(title: str) -> bool:
    """True when the title is written in capitals (a wire headline)."""
    letters = [c for c in title if c.isalpha()]
    if len(letters) < 4:
        return False
    return sum(c.isupper() for c in letters) >= CAPITALS_SHARE * len(letters)


def readable_title(title: str) -> str:
    """`title` in headline case when it is in capitals; otherwise as written."""
    if not is_capitals(title):
        return title
    first = True
    out: list[str] = []
    for piece in _WORD.split(title):
        if not piece or piece.isspace():
            out.append(piece)
            continue
        out.append(_word(piece, first))
        first = False
    return "".join(out)


# Headlines repeat their words (SHR, QTR, NET, U.S.): a word is cased once.
@functools.lru_cache(maxsize=65536)
def _word(token: str, first: bool) -> str:
    if token.startswith("<") and token.endswith(">"):
        return token  # a ticker: <BAC>; a company's name in the marks is cased
    match = _EDGES.match(token)
    assert match is not None  # the pattern matches any string
    before, core, after = match.groups()
    if not core:
        return token
    possessive = _POSSESSIVE.match(core)
    stem, suffix = (possessive.group(1), "'s") if possessive else (core, "")
    return f"{before}{_cased(stem, first)}{suffix}{after}"


def _cased(word: str, first: bool) -> str:
    if not first and word.lower() in SMALL_WORDS:
        return word.lower()  # before the codes: "VS" has no vowel but is a word
    if _kept(word):
        return word
    spelled = _known_spellings().get(word)
    if spelled is not None:
        return spelled
    if word in ABBREVIATIONS:
        return ABBREVIATIONS[word]
    if "-" in word or "/" in word:
        parts = re.split(r"([-/])", word)
        return "".join(
            part if part in "-/" else _cased(part, first and index == 0)
            for index, part in enumerate(parts)
        )
    return _capitalised(word)


def _kept(word: str) -> bool:
    """An acronym or code, written as it is."""
    if not any(c.isupper() for c in word):
        return True  # already lower case (a unit the wire left so), or no letters
    if any(c.isdigit() for c in word) or "." in word.strip("."):
        return True
    if len(word) == 2 and word.endswith("."):
        return True  # an initial: J.
    letters = [c for c in word.upper() if c.isalpha()]
    if letters and not any(c in _VOWELS for c in letters) and word not in ABBREVIATIONS:
        return True
    return word in _acronyms()


def _capitalised(word: str) -> str:
    """`TREASURY` -> `Treasury`, `O'NEILL` -> `O'Neill`, `DOESN'T` -> `Doesn't`."""
    head, apostrophe, tail = word.partition("'")
    cased = head[:1].upper() + head[1:].lower()
    if not apostrophe:
        return cased
    if tail in _APOSTROPHE_ENDINGS:
        return f"{cased}'{tail.lower()}"
    if len(head) == 1:
        return f"{cased}'{_capitalised(tail)}"
    return f"{cased}'{tail.lower()}"


@functools.cache
def _acronyms() -> frozenset[str]:
    """The gazetteer's one-word upper-case aliases that are not English words."""
    english = _english_words()
    found = set()
    for entry in load_gazetteer().entries:
        for alias in entry.aliases:
            if " " in alias or not alias.isupper() or len(alias) < 2:
                continue
            # "WHO" is also the pronoun; "US" is the country in a wire headline.
            if alias.lower() in english and alias != "US":
                continue
            found.add(alias)
    return frozenset(found)


@functools.cache
def _known_spellings() -> Mapping[str, str]:
    """Upper case -> the gazetteer's mixed-case spelling of a name word (`McDONALD`)."""
    spellings: dict[str, str] = {}
    for entry in load_gazetteer().entries:
        for alias in entry.aliases:
            for word in alias.split():
                inner = word[1:]
                if any(c.isupper() for c in inner) and any(c.islower() for c in inner):
                    spellings.setdefault(word.upper(), word)
    return spellings


@functools.cache
def _english_words() -> frozenset[str]:
    """English stop words, folded: words a one-word alias may also be."""
    words: dict[str, list[str]] = json.loads(STOP_WORDS_PATH.read_text(encoding="utf-8"))
    return frozenset(words["en"])
