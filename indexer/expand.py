"""Query expansion through the gazetteer: a name also finds the articles about it.

An article in German says "OSZE" where an English one says "OSCE"; both carry
the entity `OSCE`. So a query word that names a gazetteer entry also matches
that entity's field: `osce` finds the German articles, `Wien` the English
ones. Only safe words expand: one written exactly as an alias (`Wien`,
`OSZE`), or in any case an acronym of three or more letters (`osce` for
`OSCE`); common words that happen to be names ("us") do not.
"""

from __future__ import annotations

import re
from typing import Any

from whoosh.query import And, AndMaybe, AndNot, Not, Or, Query, Term

from indexer.article import ENTITY_TYPES
from indexer.gazetteer import Entry, Gazetteer
from indexer.schema import FALLBACK, text_field

_WORD = re.compile(r"\w+")
# The unstemmed, folded form of a query word is in the fallback language fields.
_PLAIN_FIELDS = {text_field(name, FALLBACK) for name in ("title", "lead", "body")}
# An entity match weighs like a word in the lead: found, but below title words.
_ENTITY_BOOST = 1.5


def named_entities(q: str, gazetteer: Gazetteer) -> dict[str, Entry]:
    """Folded query word -> the entity it safely names."""
    aliases = gazetteer.by_alias()
    found: dict[str, Entry] = {}
    for word in _WORD.findall(q):
        entries = aliases.get(word)
        if not entries and len(word) >= 3:
            upper = word.upper()
            candidates = aliases.get(upper, ())
            entries = tuple(e for e in candidates if upper.isalpha())
        entry = next((e for e in entries or () if e.type in ENTITY_TYPES), None)
        if entry is not None:
            found[word.lower()] = entry
    return found


def expand(query: Query, names: dict[str, Entry]) -> Query:
    """The query with each word group that names an entity also matching its field."""
    if not names:
        return query
    return _expand(query, names)


def _expand(query: Query, names: dict[str, Entry]) -> Any:
    if isinstance(query, Or) and query.subqueries:
        word = _plain_word(query)
        entry = names.get(word) if word else None
        if entry is not None:
            entity = Term(entry.type, entry.name, boost=_ENTITY_BOOST)
            return Or([*query.subqueries, entity], boost=query.boost)
        return Or([_expand(q, names) for q in query.subqueries], boost=query.boost)
    if isinstance(query, Not):
        return query  # what is excluded stays as written
    if isinstance(query, AndNot):
        return AndNot(_expand(query.a, names), query.b)
    if isinstance(query, AndMaybe):
        return AndMaybe(_expand(query.a, names), _expand(query.b, names))
    if isinstance(query, And):
        return And([_expand(q, names) for q in query.subqueries], boost=query.boost)
    return query


def _plain_word(group: Or) -> str | None:
    """The word of a per-field group of one word (`osce` in title_xx:osce OR ...)."""
    words = {
        q.text for q in group.subqueries if isinstance(q, Term) and q.fieldname in _PLAIN_FIELDS
    }
    if len(words) == 1 and all(isinstance(q, Term) for q in group.subqueries):
        word = next(iter(words))
        return word if isinstance(word, str) else None
    return None
