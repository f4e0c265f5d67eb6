"""Pruning a parsed query against one index: drop what cannot match.

The parser spreads every word over nine fields (title, lead and body in three
language groups), most of them empty: an English archive has no German-field
postings at all. Removing the terms an index does not have, once per index
state and query text (the search core keeps the pruned tree), spares the
array engine (`indexer.embedded.search.engine`) a posting list lookup per
absent term per segment, and the lexicon (`indexer.embedded.search.lexicon`)
their costing; it changes no result: an absent term matches no document.
"""

from __future__ import annotations

from typing import Any

from whoosh.query import (
    And,
    AndMaybe,
    AndNot,
    DisjunctionMax,
    Every,
    Not,
    Or,
    Phrase,
    Query,
    Term,
)
from whoosh.query.qcore import _NullQuery


class _All:
    """Marks a part that matches every document (`NOT` of something absent)."""


ALL = _All()


def prune(query: Query, reader: Any) -> Query | None:
    """The query without parts that match nothing here; None when nothing can match.

    `reader` answers `doc_frequency(fieldname, text)`: a Whoosh reader, or the
    state's `Postings`, which answers it from the words in memory.
    """
    pruned = _prune(query, reader)
    if pruned is ALL:
        return Every()
    assert pruned is None or isinstance(pruned, Query)
    return pruned


def _prune(query: Query, reader: Any) -> Query | _All | None:
    if isinstance(query, _NullQuery):
        return None
    if isinstance(query, Term):
        return query if reader.doc_frequency(query.fieldname, query.text) else None
    if isinstance(query, Phrase):
        words = query.words
        return query if all(reader.doc_frequency(query.fieldname, w) for w in words) else None
    if isinstance(query, Not):
        inner = _prune(query.query, reader)
        if inner is None:
            return ALL
        if inner is ALL:
            return None
        return Not(inner, boost=query.boost)
    if isinstance(query, AndNot):
        positive = _prune(query.a, reader)
        if positive is None:
            return None
        negative = _prune(query.b, reader)
        if negative is None:
            return positive
        if negative is ALL:
            return None
        if positive is ALL:
            return Not(negative)
        return AndNot(positive, negative)
    if isinstance(query, AndMaybe):
        required = _prune(query.a, reader)
        if required is None or required is ALL:
            return required
        optional = _prune(query.b, reader)
        if optional is None or optional is ALL:
            return required
        return AndMaybe(required, optional)
    if isinstance(query, And):
        kept = []
        for child in query.subqueries:
            part = _prune(child, reader)
            if part is None:
                return None
            if part is not ALL:
                kept.append(part)
        if not kept:
            return ALL
        return kept[0] if len(kept) == 1 else And(kept, boost=query.boost)
    if isinstance(query, Or | DisjunctionMax):
        kept = []
        for child in query.subqueries:
            part = _prune(child, reader)
            if part is ALL:
                return ALL
            if part is not None:
                kept.append(part)
        if not kept:
            return None
        if len(kept) == 1 and query.boost == 1.0:
            return kept[0]
        if isinstance(query, DisjunctionMax):
            return DisjunctionMax(kept, boost=query.boost, tiebreak=query.tiebreak)
        return Or(kept, boost=query.boost)
    # Prefixes, wildcards, fuzzy terms and ranges expand against the index anyway.
    return query
