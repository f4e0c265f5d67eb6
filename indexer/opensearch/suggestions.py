"""Did you mean, and completions, from the cluster's suggesters.

Did you mean: a `phrase` suggester over `spelling` (the unstemmed words of
titles and leads, as the embedded speller reads them), offering a correction
only when `collate` finds articles that match it. Completions (`/api/suggest`):
the entities whose names start with what a reader types (`prefix` on the
folded names, counted by `terms`), then titles from the `completion` field.
"""

from __future__ import annotations

from typing import Any

from indexer.archive.query_tree import All, Node, Word, parse_query
from indexer.archive.request import fold
from indexer.archive.results import Suggestion
from indexer.archive.titles import readable_title
from indexer.ingest.article import ENTITY_TYPES

SPELLING_FIELD = "spelling"
# Entity names counted per kind, of which those starting with the prefix are kept.
ENTITY_CANDIDATES = 50


def plain_words(q: str) -> str | None:
    """The words of `q` when it is only words (a correction of syntax would mislead)."""
    tree, _ = parse_query(q)
    words: list[Node] = list(tree.parts) if isinstance(tree, All) else [tree] if tree else []
    if not words or not all(isinstance(w, Word) and not w.field and not w.edits for w in words):
        return None
    return " ".join(w.text for w in words if isinstance(w, Word))


def did_you_mean_body(q: str) -> dict[str, Any] | None:
    """The `suggest` of a search for `q`, or None when `q` is not plain words."""
    words = plain_words(q)
    if words is None:
        return None
    return {
        "did_you_mean": {
            "text": words,
            "phrase": {
                "field": SPELLING_FIELD,
                "size": 1,
                "confidence": 1.0,
                "max_errors": 2,
                "direct_generator": [
                    {"field": SPELLING_FIELD, "suggest_mode": "missing", "min_word_length": 3}
                ],
                "collate": {
                    "query": {
                        "source": {
                            "match": {
                                SPELLING_FIELD: {"query": "{{suggestion}}", "operator": "and"}
                            }
                        }
                    },
                    "prune": False,
                },
            },
        }
    }


def parse_did_you_mean(suggest: dict[str, Any] | None, q: str) -> str | None:
    """The correction offered, or None (none found, or the same words)."""
    if not suggest:
        return None
    for entry in suggest.get("did_you_mean", []):
        for option in entry.get("options", []):
            text = str(option.get("text", ""))
            if text and fold(text) != fold(q):
                return _cased_as(text, q)
    return None


def _cased_as(suggested: str, q: str) -> str:
    """The correction with the reader's capitals kept ("Osmanni" -> "Osmani", not "osmani").

    The suggester answers in the folded words of the `spelling` field.
    """
    words, asked = suggested.split(), q.split()
    if len(words) != len(asked):
        return suggested
    return " ".join(
        word[:1].upper() + word[1:] if original[:1].isupper() else word
        for word, original in zip(words, asked, strict=True)
    )


def completion_body(prefix: str, limit: int) -> dict[str, Any]:
    """One search: entities whose names start with `prefix`, and titles that do."""
    return {
        "size": 0,
        "query": {
            "bool": {
                # A name is found by the start of any of its words ("Gros": Rafael Grossi).
                "should": [
                    {"wildcard": {f"{kind}.folded": {"value": pattern}}}
                    for kind in ENTITY_TYPES
                    for pattern in _word_starts(prefix)
                ],
                "minimum_should_match": 1,
            }
        },
        "aggs": {
            kind: {"terms": {"field": kind, "size": ENTITY_CANDIDATES}} for kind in ENTITY_TYPES
        },
        "suggest": {
            "titles": {
                "prefix": prefix,
                "completion": {"field": "title_suggest", "size": limit, "skip_duplicates": True},
            }
        },
        "_source": False,
    }


def _word_starts(prefix: str) -> list[str]:
    start = fold(prefix).replace("\\", "").replace("*", "").replace("?", "")
    return [f"{start}*", f"* {start}*"]


def _starts(value: str, start: str) -> bool:
    folded = fold(value)
    return folded.startswith(start) or f" {start}" in f" {folded}"


def parse_completions(answer: dict[str, Any], prefix: str, limit: int) -> list[Suggestion]:
    """Entities by articles naming them, then titles, at most `limit` in all."""
    start = fold(prefix)
    entities: list[Suggestion] = []
    for kind in ENTITY_TYPES:
        for bucket in answer.get("aggregations", {}).get(kind, {}).get("buckets", []):
            if _starts(bucket["key"], start):
                entities.append(Suggestion(bucket["key"], kind, count=bucket["doc_count"]))
    entities.sort(key=lambda s: (-(s.count or 0), s.value))
    titles: dict[str, Suggestion] = {}
    for entry in answer.get("suggest", {}).get("titles", []):
        for option in entry.get("options", []):
            # The completion is the title as written; lists show wire headlines readable.
            shown = readable_title(option["text"])
            titles.setdefault(shown, Suggestion(shown, "title", id=option.get("_id")))
    return [*entities, *titles.values()][:limit]
