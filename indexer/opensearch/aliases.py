"""Versioned indexes behind an alias: a rebuild writes a new index, then swaps the alias.

Searches read the alias (`vindex`); each build writes a fresh index
(`vindex-20261204t061500`) made from the template, fills it, and then moves
the alias to it in one `_aliases` request, which the cluster applies
atomically: every search sees either the old index or the new one, never
neither, and there is no downtime. The old indexes are deleted only after
the swap has succeeded; a build that fails leaves the alias where it was (and
its half-built index is deleted).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def version_name(alias: str, now: datetime | None = None) -> str:
    """The name of a new version of the archive's index: the alias and a UTC timestamp."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{alias}-{moment.strftime('%Y%m%dt%H%M%S%f')}"


def is_version(alias: str, name: str) -> bool:
    """Whether an index name is one of the alias's versions (and no other archive's)."""
    stamp = name.removeprefix(f"{alias}-")
    return (
        stamp != name and len(stamp) == 21 and stamp[8] == "t" and stamp.replace("t", "").isdigit()
    )


def swap_actions(alias: str, new: str, old: list[str]) -> dict[str, Any]:
    """The `_aliases` body that points the alias at `new` only, in one atomic step.

    `must_exist` makes the whole request fail when another build has already
    moved the alias off an old index (two rebuilds at once): nothing changes.
    """
    actions: list[dict[str, Any]] = [{"add": {"index": new, "alias": alias}}]
    actions.extend({"remove": {"index": name, "alias": alias, "must_exist": True}} for name in old)
    return {"actions": actions}


def build_settings() -> dict[str, Any]:
    """While a new version is filled: no refreshes, no replicas (bulk writes go faster)."""
    return {"index": {"refresh_interval": "-1", "number_of_replicas": 0}}


def serve_settings(replicas: int) -> dict[str, Any]:
    """Once it is filled, before the swap: refreshed every second, its replicas made."""
    return {"index": {"refresh_interval": "1s", "number_of_replicas": replicas}}


def current_indexes(answer: dict[str, Any]) -> list[str]:
    """The indexes an alias points at, from `GET /_alias/<alias>` (a 404 is no index)."""
    return sorted(answer)
