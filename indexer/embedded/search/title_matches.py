"""Title matches: what `suggest.title_query` matches, scored as the engine scores it.

A suggestion's typed words each begin a title word in any language's title
field. The engine (`engine.evaluate`) answers that query by scoring every
word a prefix expands to on its own: a short prefix ("s", "ba") stands for
thousands of words, and a new index state (one per upload) scores them all
again, tens of microseconds each. Here the words of one prefix in one field
are scored together: their postings (the engine's, cached across states)
are joined into one pair of arrays and Whoosh's BM25F formula is applied to
all of them at once, with each word's idf repeated over its postings. The
sums are taken in the engine's order (word after word within a language
group, group after group, typed word after typed word), so the scores, and
the order of suggestions, are exactly the engine's.

`TitleMatches` belongs to one index state and keeps each (field, prefix)'s
scored postings, within a budget, for the next keystrokes.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

import numpy as np
import numpy.typing as npt
from whoosh.query import Prefix

from indexer.embedded.index.columns import Mask
from indexer.embedded.index.schema import FALLBACK, TEXT_LANGUAGES, analyzer_for, text_field
from indexer.embedded.search.engine import K1, B, Postings, Scores

# Scored postings one index state keeps for suggestions (about 16 bytes each).
CACHE_POSTINGS = 1_000_000

Sparse = tuple[npt.NDArray[np.int64], Scores]


def prefix_forms(group: str, word: str) -> list[str]:
    """The prefixes a typed word stands for in a language group's title field: the word
    folded and its stem (a whole word may be longer than its stem: "ministerial" ->
    "ministeri"), sorted; the word itself when analysis leaves nothing."""
    folded = [t.text for t in analyzer_for(FALLBACK)(word)]
    stemmed = [t.text for t in analyzer_for(group)(word)]
    forms = sorted({form for form in (*folded[:1], *stemmed[:1]) if form})
    return forms or [word]


class TitleMatches:
    """The title matches of typed words in one index state (see the module docstring)."""

    def __init__(self, postings: Postings) -> None:
        self.postings = postings
        self._scored: OrderedDict[tuple[str, str], Sparse] = OrderedDict()
        self._held = 0
        # Threads of one worker may suggest at once: the cache's order and budget
        # change together (scoring itself runs outside the lock).
        self._lock = threading.Lock()

    def match(self, prefix: str) -> tuple[Mask, Scores]:
        """The live documents whose title has a word beginning with each typed word, and
        their scores (zero elsewhere): `engine.evaluate(title_query(prefix))`."""
        size = self.postings.size
        mask = np.ones(size, dtype=np.bool_)
        scores = np.zeros(size)
        for word in prefix.split():
            word_mask = np.zeros(size, dtype=np.bool_)
            word_scores = np.zeros(size)
            for group in (*TEXT_LANGUAGES, FALLBACK):
                fieldname = text_field("title", group)
                parts = [self._prefix(fieldname, form) for form in prefix_forms(group, word)]
                ids = np.concatenate([part[0] for part in parts])
                if len(ids):
                    word_mask[ids] = True
                    word_scores += np.bincount(
                        ids, weights=np.concatenate([part[1] for part in parts]), minlength=size
                    )
            mask &= word_mask
            scores += word_scores
        mask &= self.postings.live
        return mask, np.where(mask, scores, 0.0)

    def _prefix(self, fieldname: str, form: str) -> Sparse:
        """The postings of every word the prefix stands for, in order, with their scores."""
        key = (fieldname, form)
        with self._lock:
            found = self._scored.get(key)
            if found is not None:
                self._scored.move_to_end(key)
                return found
        found = self._score(fieldname, self.postings.expand(Prefix(fieldname, form)))
        with self._lock:
            if key not in self._scored:
                self._scored[key] = found
                self._held += len(found[0])
            while self._held > CACHE_POSTINGS and len(self._scored) > 1:
                _, old = self._scored.popitem(last=False)
                self._held -= len(old[0])
        return found

    def _score(self, fieldname: str, words: tuple[str, ...]) -> Sparse:
        postings = self.postings
        lists = [postings.postings(fieldname, word) for word in words]
        lists = [found for found in lists if len(found[0])]
        if not lists:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        ids = np.concatenate([found[0] for found in lists])
        weights = np.concatenate([found[1] for found in lists])
        if not postings.searcher.schema[fieldname].scorable:
            return ids, weights
        # Whoosh's idf, per word (its document frequency counts deleted documents
        # too, as the length of its postings does), over each of its postings.
        counts = [len(found[0]) for found in lists]
        idf = np.repeat(
            np.array([math.log(postings.size / (count + 1)) + 1 for count in counts]), counts
        )
        lengths = postings.lengths(fieldname)[ids]
        average = postings.average_length(fieldname)
        scores = idf * (weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / average))
        return ids, scores
