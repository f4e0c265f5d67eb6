"""A memo of a function of one word: its answers kept in a dict, up to a bound.

The extractor asks the same questions of every word it reads (is it a title?
does it start a name?), and a corpus repeats its vocabulary. Looking an answer
up through the dict itself (`map(memo.__getitem__, words)`) costs about half
of a call through `functools.lru_cache`; the memo is emptied when it reaches
its bound, so that a long build's rare words do not pile up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Distinct words kept: a news vocabulary's common words, in a few MB.
MEMO_WORDS = 1 << 17


class Memo(dict[str, T]):
    """`memo[word]` is `compute(word)`, computed once while the memo holds it."""

    def __init__(self, compute: Callable[[str], T], bound: int = MEMO_WORDS) -> None:
        super().__init__()
        self.compute = compute
        self.bound = bound

    def __missing__(self, word: str) -> T:
        if len(self) >= self.bound:
            self.clear()
        value = self[word] = self.compute(word)
        return value
