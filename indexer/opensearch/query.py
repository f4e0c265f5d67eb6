"""A `SearchRequest` as the query DSL: the words as a bool tree, the filters beside it.

`q` is read by `indexer.archive.query_tree` (the same syntax the embedded
backend reads) and every node becomes a clause, never a raw query string:

- a word: `multi_match` over the language fields of title, lead and body
  (or of the field it names), weighted as the embedded index weighs them,
  `most_fields` so that a word in the title and the body scores for both,
  and `operator: and` for a word the analyzer splits ("Meinl-Reisinger");
  `word~N` adds `fuzziness` N with the first letter fixed (`prefix_length` 1);
- a phrase: `multi_match` of type `phrase`, its `slop`;
- a pattern: `prefix` (`osc*`) or `wildcard` (`wor*d`) clauses per field,
  folded as the index folds words (patterns are not analysed);
- AND, OR, NOT: `bool` `must`, `should` (at least one), `must_not`.

The filters (section, entities, language, source, dates) are `terms` and
`range` clauses on the folded keyword sub-fields. A search puts the words in
`query` and the filters in `post_filter`, so that each facet's aggregation
can see the words under the other facets' filters (`aggregations.py`).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from indexer.archive.query_tree import (
    All,
    AnyOf,
    Node,
    Not,
    Nothing,
    Pattern,
    Phrase,
    Word,
    parse_query,
)
from indexer.archive.request import FILTER_FIELDS, SearchRequest
from indexer.opensearch.template import (
    FIELD_BOOSTS,
    GROUPS,
    PROSE_FIELDS,
    search_fields,
    text_field,
)

Clause = dict[str, Any]
MATCH_ALL: Clause = {"match_all": {}}
MATCH_NONE: Clause = {"match_none": {}}
# The restriction of the dates: the year facet is counted without it.
DATES = "dates"


def fold_pattern(text: str) -> str:
    """A pattern as the analyzers would have indexed its letters: lowercase, no accents."""
    text = text.lower().replace("ß", "ss").replace("æ", "ae").replace("œ", "oe")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fields(field: str | None) -> list[str]:
    return search_fields((field,) if field else PROSE_FIELDS)


def node_clause(node: Node) -> Clause:
    """One node of the query tree as a clause of the DSL."""
    if isinstance(node, Word):
        match: dict[str, Any] = {
            "query": node.text,
            "fields": _fields(node.field),
            "type": "most_fields",
            "operator": "and",
        }
        if node.edits:
            match["fuzziness"] = node.edits
            match["prefix_length"] = 1
        return {"multi_match": match}
    if isinstance(node, Phrase):
        phrase: dict[str, Any] = {
            "query": node.text,
            "fields": _fields(node.field),
            "type": "phrase",
        }
        if node.slop:
            phrase["slop"] = node.slop
        return {"multi_match": phrase}
    if isinstance(node, Pattern):
        return _pattern(node)
    if isinstance(node, All):
        must = [node_clause(part) for part in node.parts if not isinstance(part, Not)]
        must_not = [node_clause(part.part) for part in node.parts if isinstance(part, Not)]
        bool_: dict[str, Any] = {}
        if must:
            bool_["must"] = must
        if must_not:
            bool_["must_not"] = must_not
        return {"bool": bool_}
    if isinstance(node, AnyOf):
        return {
            "bool": {
                "should": [node_clause(part) for part in node.parts],
                "minimum_should_match": 1,
            }
        }
    if isinstance(node, Not):
        return {"bool": {"must_not": [node_clause(node.part)]}}
    assert isinstance(node, Nothing)
    return MATCH_NONE


def _pattern(node: Pattern) -> Clause:
    names = (node.field,) if node.field else PROSE_FIELDS
    text = fold_pattern(node.text)
    clauses = []
    for group in GROUPS:
        for name in names:
            field = text_field(name, group)
            boost = FIELD_BOOSTS[name]
            if node.is_prefix:
                clauses.append({"prefix": {field: {"value": text[:-1], "boost": boost}}})
            else:
                clauses.append({"wildcard": {field: {"value": text, "boost": boost}}})
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def text_query(q: str) -> tuple[Clause, str | None]:
    """The clause of `q` and the notice for the reader (`match_all` for no words)."""
    tree, notice = parse_query(q)
    if tree is None:
        return MATCH_ALL, notice
    return node_clause(tree), notice


def keyword_field(name: str) -> str:
    """The folded sub-field a filter matches: `person` -> `person.folded`."""
    return f"{FILTER_FIELDS[name]}.folded"


def _utc(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds") + "Z"


def date_clause(request: SearchRequest) -> Clause | None:
    """from/to as a range of `published`: Vienna days, as naive UTC bounds (inclusive)."""
    start, end = request.published_range()
    if start is None and end is None:
        return None
    bounds: dict[str, Any] = {}
    if start is not None:
        bounds["gte"] = _utc(start)
    if end is not None:
        bounds["lte"] = _utc(end)
    return {"range": {"published": bounds}}


def restrictions(request: SearchRequest) -> dict[str, Clause]:
    """Each restriction of the request by name (a filter's name, or DATES) as a clause.

    A filter's values are ORed (`terms`); the filters and the dates are ANDed.
    """
    clauses: dict[str, Clause] = {
        name: {"terms": {keyword_field(name): list(values)}} for name, values in request.filters
    }
    if (dates := date_clause(request)) is not None:
        clauses[DATES] = dates
    return clauses


def combined(clauses: dict[str, Clause], exclude: str | None = None) -> Clause:
    """The restrictions ANDed, but for `exclude` (`match_all` when none is left)."""
    kept = [clause for name, clause in clauses.items() if name != exclude]
    if not kept:
        return MATCH_ALL
    return {"bool": {"filter": kept}}


SORTS: dict[str, list[Any]] = {
    # Ties broken by the newest, then by id, so that pages never overlap.
    "relevance": ["_score", {"published": "desc"}, {"id": "asc"}],
    "newest": [{"published": "desc"}, {"id": "asc"}],
    "oldest": [{"published": "asc"}, {"id": "asc"}],
}
