"""Benchmark: the cost of "did you mean" on queries that find nothing (issue 14 #7).

A search that finds fewer than three articles asks the search core for a
spelling correction of its words. This replays misspelt queries against an
existing index: the most frequent title words of the archive (five letters or
more), each given one typo by a seeded generator (a letter dropped, doubled,
replaced, or two neighbours swapped), alone and followed by a common word;
only queries the index finds nothing for are kept. It reports the time to open
the index state's speller (the warm-up a new state pays once), then the median
and p95 per query of `SearchCore.did_you_mean` on the first call of each query
and on a repeated call, and how many typos came back as the word they were
made from. One JSON line ends the output.

    .venv/bin/vindex import reuters ../shared/corpora/reuters21578/reuters21578.tar.gz --out /tmp/r
    .venv/bin/vindex index --index /tmp/ix --corpus /tmp/r
    .venv/bin/python bench/spelling.py --index /tmp/ix [--queries 300] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import sys
import time
from pathlib import Path

from indexer.archive.request import SearchRequest
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore

SEED = 14
# The field whose most frequent words the typos are made from: unstemmed words.
SOURCE_FIELD = "spell_title_en"
COMMON_WORDS = ("prices", "bank", "trade", "market", "oil", "rates")


def typo(word: str, rng: random.Random) -> str:
    """The word with one slip of the keyboard."""
    i = rng.randrange(len(word))
    kind = rng.choice(("drop", "double", "replace", "swap"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "replace":
        return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1 :]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def queries(core: SearchCore, count: int) -> list[tuple[str, str]]:
    """(misspelt query, the word it was made from) pairs that find nothing."""
    with core.live.get().searcher() as searcher:
        frequent = searcher.reader().most_frequent_terms(SOURCE_FIELD, number=count * 3)
    words = sorted(
        {text.decode() if isinstance(text, bytes) else text for _, text in frequent}, key=str
    )
    words = [w for w in words if len(w) >= 5 and w.isalpha()]
    rng = random.Random(SEED)
    found: list[tuple[str, str]] = []
    for word in words:
        q = typo(word, rng)
        if rng.random() < 0.5:
            q = f"{q} {rng.choice(COMMON_WORDS)}"
        if core.search(SearchRequest(q=q, per_page=1)).total == 0:
            found.append((q, word))
        if len(found) == count:
            break
    return found


def timed(core: SearchCore, pairs: list[tuple[str, str]]) -> tuple[list[float], int]:
    """Milliseconds of each query's did-you-mean, and how many gave back the original word."""
    times = []
    right = 0
    for q, word in pairs:
        started = time.perf_counter()
        suggestion = core.did_you_mean(q)
        times.append((time.perf_counter() - started) * 1000)
        right += suggestion is not None and suggestion.lower().split()[0] == word
    return times, right


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--index", type=Path, required=True, help="an index built by vindex")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3, help="fresh search cores, medians kept")
    args = parser.parse_args()
    location = IndexLocation(args.index)
    core = SearchCore(LiveIndex(location))
    try:
        pairs = queries(core, args.queries)
    finally:
        core.close()
    print(f"{len(pairs)} misspelt queries that find nothing, e.g. {pairs[:3]}")
    warm, first, repeated = [], [], []
    right = 0
    for _ in range(args.runs):
        # A fresh core: a new index state, nothing cached but what the OS keeps.
        core = SearchCore(LiveIndex(location))
        try:
            started = time.perf_counter()
            core.warm()
            warm.append((time.perf_counter() - started) * 1000)
            times, right = timed(core, pairs)
            first.append(times)
            repeated.append(timed(core, pairs)[0])
        finally:
            core.close()
    result = {
        "queries": len(pairs),
        "warm_ms": round(statistics.median(warm), 1),
        "first_p50_ms": round(statistics.median(statistics.median(t) for t in first), 3),
        "first_p95_ms": round(statistics.median(p95(t) for t in first), 3),
        "repeated_p50_ms": round(statistics.median(statistics.median(t) for t in repeated), 3),
        "repeated_p95_ms": round(statistics.median(p95(t) for t in repeated), 3),
        "original_word_back": right,
    }
    print(
        f"warm-up (opening the state, speller included) {result['warm_ms']} ms; did you mean:"
        f" first call p50 {result['first_p50_ms']} ms, p95 {result['first_p95_ms']} ms;"
        f" repeated p50 {result['repeated_p50_ms']} ms, p95 {result['repeated_p95_ms']} ms;"
        f" {right} of {len(pairs)} typos corrected to their word"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
