"""Parameters an API endpoint does not know: a warning, or a 400 when it looks like a typo.

The search request ignores parameters it does not know (`SearchRequest.from_params`),
which keeps links with tracking parameters working. But a misspelt filter
(`setcion=Politics`) is then dropped without a word, and the client gets every
article as if it had asked for them. So each read endpoint checks its
parameters' names against those it knows: a name one or two edits from a
known one (`setcion`, `organisation`, `per-page`, `form`) is a 400 naming the
parameter meant; any other is ignored and named in the answer's `warnings`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from rapidfuzz.distance import OSA

from indexer.archive.request import FILTER_PARAMS
from webapp.errors import BadParameter

SEARCH_PARAMS = ("q", *FILTER_PARAMS, "from", "to", "sort", "page", "per_page")
# Parameters of the pages' links that the JSON twin of a page may carry along.
PAGE_PARAMS = ("more",)


def _edits_allowed(known: str) -> int:
    # Short names are close to many words: "to" is one edit from "go" and "tv" already.
    return 1 if len(known) <= 5 else 2


def _normal(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def near_miss(name: str, known: Iterable[str]) -> str | None:
    """The known parameter `name` is probably a misspelling of, or None."""
    typed = _normal(name)
    if len(typed) < 2:
        return None
    best: tuple[int, str] | None = None
    for candidate in known:
        distance = OSA.distance(typed, candidate)
        if distance <= _edits_allowed(candidate) and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def check(names: Iterable[str], known: Collection[str]) -> list[str]:
    """Warnings for the unknown parameters; BadParameter for one that looks like a typo."""
    warnings = []
    for name in dict.fromkeys(names):
        if name in known:
            continue
        meant = near_miss(name, known)
        if meant is not None:
            raise BadParameter(
                name, f"unknown parameter; did you mean {meant!r}? (it would change the result)"
            )
        warnings.append(f"{name}: unknown parameter, ignored")
    return warnings
