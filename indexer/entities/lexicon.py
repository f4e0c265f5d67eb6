"""The archives' lexicon: how news archives use each capitalised word.

A word a reader knows is a name is written capitalised mid-sentence and
seldom in lower case (``Yukos``); a word that is also written in lower case
is a common word that started a sentence or a title (``Officials``). German
capitalises every noun, so there the cue is another one: a common noun
follows an article (``die Regierung``) far more often than a name does. The
lexicon holds, per language and capitalised word seen mid-sentence at least
twice in the archives it was built from (BBC News, 10kGNAD, Reuters-21578: see
`scripts/train_entities.py --lexicon`), three small classes:

- ``l``: how often the word is written in lower case against capitalised
  mid-sentence (0 never, 1 under a tenth, 2 under half, 3 more);
- ``d``: how often it follows an article (0 never, 1 under a fifth, 2 under
  half, 3 more);
- ``f``: how often it is seen capitalised mid-sentence (1 under 5, 2 under
  50, 3 more).

The span model reads them as features of a candidate's words
(`indexer.entities.spans`). Shipped as `indexer/data/word_use.json.gz`.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from indexer.entities.tokens import tokenise

LEXICON_PATH = Path(__file__).resolve().parents[1] / "data" / "word_use.json.gz"
# fmt: off
ARTICLES = frozenset([
    "the", "a", "an",
    "der", "die", "das", "dem", "den", "des", "ein", "eine", "einem", "einen", "einer", "eines",
])
# fmt: on
_MIN_SEEN = 2


@cache
def word_use() -> dict[str, str]:
    """Language and capitalised word ("de:Standard") -> its classes ("l0d1f2"); empty
    when the lexicon is not shipped."""
    if not LEXICON_PATH.is_file():
        return {}
    with gzip.open(LEXICON_PATH, "rt", encoding="utf-8") as handle:
        found: dict[str, str] = json.load(handle)
    return found


def _quantise(value: float, bounds: tuple[float, ...]) -> int:
    return sum(value >= bound for bound in bounds)


def build(texts: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The lexicon of these texts and their languages ("en", "de"): see the module
    docstring. A word is counted per language: German "Standard" is a noun, English
    "standard" an adjective."""
    capital: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    after_article: Counter[str] = Counter()
    for text, language in texts:
        tokens = tokenise(text)
        words, sentence_starts = tokens.words, tokens.sentence_starts
        for i, word in enumerate(words):
            if word.islower():
                lower[f"{language}:{word}"] += 1
            elif word[0].isupper() and not sentence_starts[i]:
                keyed = f"{language}:{word}"
                capital[keyed] += 1
                if i and words[i - 1].lower() in ARTICLES:
                    after_article[keyed] += 1
    lexicon = {}
    for word, seen in capital.items():
        if seen < _MIN_SEEN:
            continue
        lowered = lower[word.lower()]
        l_class = 0 if not lowered else 1 + _quantise(lowered / (lowered + seen), (0.1, 0.5))
        d_ratio = after_article[word] / seen
        d_class = 0 if not after_article[word] else 1 + _quantise(d_ratio, (0.2, 0.5))
        f_class = 1 + _quantise(seen, (5, 50))
        lexicon[word] = f"l{l_class}d{d_class}f{f_class}"
    return lexicon


def save(lexicon: dict[str, str], path: Path = LEXICON_PATH) -> None:
    # mtime=0: the same lexicon gives the same bytes (the enrichment signature hashes them).
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(json.dumps(lexicon, ensure_ascii=False, sort_keys=True).encode())
