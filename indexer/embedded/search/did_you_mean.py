"""Did you mean: a query that finds little, with its misspelt words replaced.

Each word of the query that no text field of the index has (analysed as each
language group would) is replaced by the speller's closest well-attested
word (`indexer.embedded.search.spelling`), written as the archive writes it
when it is an entity's name, else in the reader's case. Operators,
punctuation and spacing stay as typed. The answers are kept per index state:
a search that finds little asks again on every page.

May import `indexer.embedded.index`, the speller and the index states.
"""

from __future__ import annotations

import re
from typing import Any

from indexer.embedded.index.schema import (
    FALLBACK,
    PROSE_FIELDS,
    TEXT_LANGUAGES,
    analyzer_for,
    text_field,
)
from indexer.embedded.search.states import IndexState

# "Did you mean" is offered when a query finds fewer articles than this.
FEW_RESULTS = 3

_WORDS = re.compile(r"\w+|\W+")
_OPERATORS = ("AND", "OR", "NOT")


def did_you_mean(state: IndexState, q: str) -> str | None:
    """The query with misspelt words replaced by the closest words in the index (None: none)."""
    changed = False
    words = []
    for match in _WORDS.finditer(q):
        word = match.group()
        if not word[0].isalnum() or word.upper() in _OPERATORS:
            words.append(word)
            continue
        better = state.corrections.get(word, lambda w: _correction(state, w))
        if better is None:
            words.append(word)
        else:
            words.append(better)
            changed = True
    return "".join(words) if changed else None


def _correction(state: IndexState, word: str) -> str | None:
    """The replacement of one word of a query (None: the index has it, or nothing close)."""
    # The lexicon answers from memory what the reader would read from disk.
    if _known(state.lexicon, word):
        return None
    better = state.spelling().correct(word)
    if better is None:
        return None
    cased = state.entity_names().cased(better)
    if cased is not None:
        return cased  # as the archive writes the name
    return better[:1].upper() + better[1:] if word[:1].isupper() else better


def _known(reader: Any, word: str) -> bool:
    """Whether any text field has the word (analysed as each language would)."""
    for group in (*TEXT_LANGUAGES, FALLBACK):
        tokens = [t.text for t in analyzer_for(group)(word)]
        if not tokens:
            return True  # No letter or digit in it: nothing to correct.
        for name in PROSE_FIELDS:
            if reader.doc_frequency(text_field(name, group), tokens[0]):
                return True
    return False
