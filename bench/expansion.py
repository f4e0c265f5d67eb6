"""Benchmark: what fuzzy words and prefixes cost a search (issue 13, item 12).

Opens a built index (the Reuters import by default: `vindex import reuters`,
then `vindex index --corpus DIR --index IDX`), warms the search core, and
times through `SearchCore.search` (hits with highlights, all facets):

- single fuzzy words `word~2`, each a word no earlier query used (nothing
  cached), for the cost of one fresh fuzzy term;
- one query of 30 fresh fuzzy words;
- 30 two-letter prefixes ORed (`ab* OR ac* OR ...`).

A query refused for its expansion budget is reported with its time and the
error's message. The last line is JSON.

    .venv/bin/python bench/expansion.py --index IDX [--single 5] [--skip-long]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from indexer.archive.request import RequestError, SearchRequest
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore

SEED = 13
# The query of 30 two-letter prefixes.
THIRTY_PREFIXES = (
    "ab* OR ac* OR ad* OR af* OR ag* OR al* OR am* OR an* OR ap* OR ar* OR as* OR at* OR au* "
    "OR ba* OR be* OR bi* OR bo* OR br* OR bu* OR ca* OR ce* OR ch* OR cl* OR co* OR cr* OR cu* "
    "OR da* OR de* OR di* OR do*"
)


def _words(core: SearchCore, count: int) -> list[str]:
    """Distinct real words of the archive's English bodies (5 to 9 letters), shuffled."""
    with core._using() as state:
        reader = state.searcher.reader()
        words = sorted(
            {
                text
                for text in (
                    t.decode("utf-8") if isinstance(t, bytes) else t
                    for t in reader.lexicon("body_en")
                )
                if text.isalpha() and text.isascii() and 5 <= len(text) <= 9
            }
        )
    rng = random.Random(SEED)
    return rng.sample(words, count)


def _timed(core: SearchCore, q: str) -> dict[str, Any]:
    """Wall-clock and CPU seconds of one search (CPU time is steadier on a shared machine)."""
    started, cpu = time.perf_counter(), time.process_time()
    outcome: dict[str, Any]
    try:
        outcome = {"total": core.search(SearchRequest.from_params({"q": q})).total}
    except RequestError as exc:
        outcome = {"refused": exc.message}
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - cpu, 3),
    } | outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--single", type=int, default=5, help="single fuzzy words to time")
    parser.add_argument(
        "--skip-long", action="store_true", help="leave out the 30 fuzzy words query"
    )
    args = parser.parse_args()
    core = SearchCore(LiveIndex(IndexLocation(args.index)))
    try:
        started = time.perf_counter()
        core.warm()
        core.search(SearchRequest.from_params({"q": "cocoa"}))
        warm = time.perf_counter() - started
        print(f"warm-up (open, facet arrays, word lists): {warm:.2f} s")
        words = _words(core, args.single + 30)
        report: dict[str, Any] = {"warm_seconds": round(warm, 3), "single": []}
        for word in words[: args.single]:
            timing = _timed(core, f"{word}~2") | {"q": f"{word}~2"}
            print(f"{timing['q']:>14}: {timing}")
            report["single"].append(timing)
        for kind in ("seconds", "cpu_seconds"):
            report[f"single_median_{kind}"] = statistics.median(t[kind] for t in report["single"])
        print(
            f"one fresh fuzzy word: median {report['single_median_seconds']:.3f} s"
            f" ({report['single_median_cpu_seconds']:.3f} s CPU)"
        )
        if not args.skip_long:
            q = " ".join(f"{word}~2" for word in words[args.single :])
            report["fuzzy_30"] = _timed(core, q)
            print(f"30 fresh fuzzy words: {report['fuzzy_30']}")
        report["prefix_30"] = _timed(core, THIRTY_PREFIXES)
        print(f"30 two-letter prefixes ORed: {report['prefix_30']}")
        report["cheap"] = _timed(core, "cocoa")
        print(f"cheap search (cocoa) after them: {report['cheap']}")
    finally:
        core.close()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
