"""Text analysis for the index: one fused analyzer per language group.

Whoosh builds analyzers as chains of generators (tokenizer, lowercase, stop
words, stemmer, accent folding), and every token passes through each layer.
Indexing spends most of its time there, so `NewsAnalyzer` does the same steps
in one loop, with a plain dictionary as the stemmer's cache. It produces
exactly the tokens of the equivalent Whoosh chain (a test compares them on real
news text), honours the same call options (positions, character offsets, kept
stop words, `no_morph` for spelling words), and pickles into the index schema
like any Whoosh analyzer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from whoosh.analysis import STOP_WORDS, Analyzer, Token
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

# Whoosh's default RegexTokenizer expression.
_WORDS = re.compile(r"\w+(\.?\w+)*", re.UNICODE)
# Whoosh's StopFilter drops words shorter than this too.
_MIN_SIZE = 2
# Distinct words whose stems are remembered; a news archive's vocabulary fits.
_STEM_CACHE = 500_000


class NewsAnalyzer(Analyzer):  # type: ignore[misc]
    """Tokenise, lowercase, drop stop words and stem (for `en`/`de`), fold accents."""

    def __init__(self, language: str | None = None) -> None:
        self.language = language
        self._setup()

    def _setup(self) -> None:
        # Like Whoosh's StopFilter(lang=...): its default list plus the language's.
        self._stops: frozenset[str] = (
            STOP_WORDS | frozenset(stopwords_for_language(self.language))
            if self.language
            else frozenset()
        )
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

    def _stem(self, word: str) -> str:
        stem = self._stems.get(word)
        if stem is None:
            assert self._stemfn is not None
            stem = self._stemfn(word)
            if len(self._stems) >= _STEM_CACHE:
                self._stems.clear()
            self._stems[word] = stem
        return stem

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
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stops = self._stops
        filtering = bool(stops)
        stemming = self._stemfn is not None and not no_morph
        if not tokenize:
            matches: Any = [_Whole(value)]
        else:
            matches = _WORDS.finditer(value)
        position: int | None = None
        for index, match in enumerate(matches):
            original = match.group(0)
            text = original.lower()
            stopped = filtering and (len(text) < _MIN_SIZE or text in stops)
            if stopped and removestops:
                continue
            token.stopped = stopped
            token.boost = 1.0
            if keeporiginal:
                token.original = original
            if positions:
                if stopped or not filtering:
                    token.pos = start_pos + index
                else:
                    # Whoosh's StopFilter renumbers the words it keeps.
                    position = start_pos + index if position is None else position + 1
                    token.pos = position
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            if stemming and not stopped:
                text = self._stem(text)
            # Folding maps only non-ASCII letters: skip the costly translate otherwise.
            token.text = text if text.isascii() else text.translate(accent_map)
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
