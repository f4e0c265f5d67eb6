"""The archive's state in the cluster: the index the alias names, its count, its version, its age.

Load balancers ask `health` every few seconds and every API answer carries
an ETag from `version`, so both cost at most one request: `GET
/<alias>/_stats/docs,indexing` names the index behind the alias (the keys
of `indices`), its article count, and its count of index and delete
operations, which moves with every write (the version). The backend keeps
that answer a moment (`State`).

When the archive last changed is written where a reader of the alias finds
it in one request: the index mapping's `_meta` (`vindex.updated`), set by
every write of this backend (a build, an upload, a removal) after its
documents, and read with `GET /<alias>/_mapping` filtered to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# The stats of the alias's index: its documents and its write operations.
METRICS = "docs,indexing"
# `filter_path` of the mapping answer: the `_meta` of each index only.
META_PATH = "*.mappings._meta"


@dataclass(frozen=True, slots=True)
class State:
    """The index behind the alias, how many articles it holds, and its version."""

    index: str
    articles: int
    version: str


def parse_state(answer: dict[str, Any]) -> State | None:
    """The state of `GET /<alias>/_stats/docs,indexing` (None when the alias names no index).

    While a rebuild swaps the alias it may name two versions for an instant:
    the newest is the one being served.
    """
    indexes = answer.get("indices") or {}
    if not indexes:
        return None
    index = sorted(indexes)[-1]
    primaries = indexes[index]["primaries"]
    indexing = primaries["indexing"]
    return State(
        index,
        int(primaries["docs"]["count"]),
        f"{index}.{indexing['index_total']}.{indexing['delete_total']}",
    )


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def meta_body(updated: str) -> dict[str, Any]:
    """The `PUT /<index>/_mapping` body recording when the archive changed.

    `_meta` is replaced whole by a mapping update; it holds only this.
    """
    return {"_meta": {"vindex": {"updated": updated}}}


def parse_updated(answer: dict[str, Any]) -> str | None:
    """When the archive last changed, from `GET /<alias>/_mapping` filtered to `_meta`
    (None for an index no write of this backend has marked)."""
    found = [
        str(meta["vindex"]["updated"])
        for mapping in answer.values()
        if isinstance(meta := mapping.get("mappings", {}).get("_meta"), dict)
        and isinstance(meta.get("vindex"), dict)
        and meta["vindex"].get("updated")
    ]
    # ISO 8601 in UTC to the second: the latest sorts last.
    return max(found) if found else None
