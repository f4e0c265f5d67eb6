"""The closest values to an unknown filter value: how both backends rank an archive's values.

A reader who filters by a value the archive lacks ("Mourinyo", "politik") is
offered the archive's nearest values instead of a silent zero. Values are
compared folded (case and accents off, each backend folding as its index
does): rapidfuzz's weighted ratio finds those close enough, a part included
("Mourinho" in "José Mourinho"), and the plain ratio then orders them, the
more used first among equals. Which values are compared is the backend's:
every value of the field (embedded), or the most used and those the cluster
finds alike (OpenSearch).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process

# rapidfuzz's 0-100 weighted ratio a value must reach to be offered: "Mourinho"
# for "José Mourinho" scores 90, "osce" for "José Mourinho" 67.
MIN_SCORE = 75.0
# Shorter values are compared whole: a partial match of two letters is everywhere.
_PARTIAL_FROM = 4
# Characters of an unknown value compared: the cost grows with its length, and
# the archive's names are shorter.
MAX_COMPARED = 60


def nearest(key: str, keys: Sequence[str], count: Callable[[str], int], limit: int) -> list[str]:
    """The folded `keys` nearest the folded `key`, most alike first, then most used.

    Up to four times `limit` come back: several keys may stand for one value
    (an entity's name and its aliases), which the caller names once.
    """
    key = key[:MAX_COMPARED]
    scorer = fuzz.WRatio if len(key) >= _PARTIAL_FROM else fuzz.ratio
    scored = process.extract(key, keys, scorer=scorer, score_cutoff=MIN_SCORE, limit=4 * limit)
    # The weighted ratio finds a part ("Mourinho" in "José Mourinho") but scores
    # a longer value holding it ("Politics > Europe" for "politik") as high as
    # the value itself: the plain ratio orders them, then how many articles use it.
    ranked = sorted((-round(fuzz.ratio(key, k), 6), -count(k), k) for k, _score, _ in scored)
    return [k for _, _, k in ranked]
