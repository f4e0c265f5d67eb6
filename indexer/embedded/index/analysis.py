"""Text analysis for the index: one fused analyzer per language group.

Every word is indexed at its true position, stop words included: a query of
common words ("had", "The Who") still matches, and a phrase matches its words
adjacent and in order ("dlrs of debt" is not "dlrs debt"). Stop words are only
left unstemmed (the English stemmer would turn "was" into "wa"). In ranking
they get no boost of their own: BM25's idf already weighs the commonest down
(in Reuters' bodies "the" and "of" 1.3, "debt" 3.6, "cocoa" 6.3), and a stop
word may be what the reader looks for ("The Who", "Die Zeit").

Each word is lowercased and folded (accents off, "ß" to "ss") before it is
stemmed, so that "Türkei" and "Turkei", "Präsident" and "Prasident" give the
same term in every language group: the stemmers treat "ä" and "a" differently.

Whoosh builds analyzers as chains of generators (tokenizer, lowercase, accent
folding, stemmer), and every token passes through each layer. Indexing spends
most of its time there, so `NewsAnalyzer` does the same steps in one loop,
with a plain dictionary as the stemmer's cache. It produces exactly the tokens
of the equivalent Whoosh chain, `RegexTokenizer(WORD_PATTERN) | LowercaseFilter() |
CharsetFilter(FOLD_MAP) | StemFilter(lang, ignore=stop_words(lang))` (a test
compares them on real news text), honours the same call options (positions,
character offsets, `no_morph` for spelling words), and pickles into the index
schema like any Whoosh analyzer. No token is ever marked `stopped`: Whoosh
would leave it out of the index.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from whoosh.analysis import STOP_WORDS, Analyzer, Token
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

# Combining accents (Unicode's combining diacritical blocks). Text in decomposed
# form writes "Ö" as "O" and U+0308, which `\w` does not match: a word would be
# split at its accent ("o", "sterreich"). They are word characters here, and
# folding drops those of U+0300-U+036F.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
# Whoosh's default RegexTokenizer expression (`\w+(\.?\w+)*`), accents included.
WORD_PATTERN = rf"[\w{_MARKS}]+(?:\.?[\w{_MARKS}]+)*"
_WORDS = re.compile(WORD_PATTERN)
# Distinct words whose stems are remembered; a news archive's vocabulary fits.
_STEM_CACHE = 500_000


def _fold_map() -> dict[int, str]:
    """Whoosh's accent map, with what it leaves out or folds unlike a reader would."""
    table: dict[int, str] = dict(accent_map)
    # German writes "ss" where it has no "ß" ("Strasse", Swiss "Aussenminister");
    # Whoosh's map says "s".
    table[ord("ß")] = "ss"
    # Ligatures and letters the map leaves alone, folded as their letters.
    table.update({ord(c): f for c, f in (("æ", "ae"), ("œ", "oe"), ("ĳ", "ij"), ("ς", "σ"))})
    # Combining accents: "İ".lower() is "i" and a combining dot ("İstanbul").
    table.update({code: "" for code in range(0x300, 0x370)})
    return table


FOLD_MAP = _fold_map()


def fold(word: str) -> str:
    """The word lowercased and without accents: what a term is made from, before stemming."""
    word = word.lower()
    # Folding maps only non-ASCII letters: skip the costly translate otherwise.
    return word if word.isascii() else word.translate(FOLD_MAP)


@functools.cache
def stop_words(language: str | None) -> frozenset[str]:
    """A language's stop words, folded: indexed like any word, but never stemmed.

    Whoosh's English list plus the language's own (as its StopFilter(lang=...)
    would use); none without a language.
    """
    if not language:
        return frozenset()
    return frozenset(fold(w) for w in STOP_WORDS | frozenset(stopwords_for_language(language)))


class NewsAnalyzer(Analyzer):  # type: ignore[misc]
    """Tokenise, lowercase, fold accents, and stem all but stop words (for `en`/`de`)."""

    def __init__(self, language: str | None = None) -> None:
        self.language = language
        self._setup()

    def _setup(self) -> None:
        self.stops = stop_words(self.language)
        self._stemfn: Callable[[str], str] | None = (
            stemmer_for_language(self.language) if self.language else None
        )
        self._stems: dict[str, str] = {}

    # The schema is pickled into the index: keep only the language.
    def __getstate__(self) -> dict[str, Any]:
        return {"language": self.language}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.language = state["language"]
        self._setup()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NewsAnalyzer) and other.language == self.language

    def __hash__(self) -> int:
        return hash(("NewsAnalyzer", self.language))

    def __repr__(self) -> str:
        return f"NewsAnalyzer({self.language!r})"

    def has_morph(self) -> bool:
        return self._stemfn is not None

    def is_stop(self, term: str) -> bool:
        """Whether an analysed term is one of the language's stop words (kept unstemmed)."""
        return term in self.stops

    def _stem(self, word: str) -> str:
        stem = self._stems.get(word)
        if stem is None:
            assert self._stemfn is not None
            stem = self._stemfn(word)
            if len(self._stems) >= _STEM_CACHE:
                self._stems.clear()
            self._stems[word] = stem
        return stem

    def index_term(self, folded: str) -> str:
        """The term a folded word is indexed as (stemmed unless a stop word)."""
        if self._stemfn is None or folded in self.stops:
            return folded
        return self._stem(folded)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        no_morph: bool = False,
        **kwargs: Any,
    ) -> Iterator[Token]:
        # `removestops` is accepted and has nothing to remove: no word is dropped.
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stops = self.stops
        stemming = self._stemfn is not None and not no_morph
        if not tokenize:
            matches: Any = [_Whole(value)]
        else:
            matches = _WORDS.finditer(value)
        for index, match in enumerate(matches):
            original = match.group(0)
            # fold(), inline: this loop is where indexing spends its time.
            text = original.lower()
            if not text.isascii():
                text = text.translate(FOLD_MAP)
            # Never `stopped`: Whoosh leaves stopped tokens out of the index.
            token.stopped = False
            token.boost = 1.0
            if keeporiginal:
                token.original = original
            if positions:
                # The word's true position, so that phrases are exact.
                token.pos = start_pos + index
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            if stemming and text not in stops:
                text = self._stem(text)
            token.text = text
            yield token


class _Whole:
    """The whole value as one match, for `tokenize=False`."""

    def __init__(self, value: str) -> None:
        self._value = value

    def group(self, _index: int = 0) -> str:
        return self._value

    def start(self) -> int:
        return 0

    def end(self) -> int:
        return len(self._value)
