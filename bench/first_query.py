"""Benchmark: opening an index and its first faceted query, each run in a fresh process.

After a rebuild or a server start the first search opens the index state:
its searcher and the per-segment arrays the search core counts facets and
ranks from (`indexer.embedded.index.facet_arrays`: stored beside each
segment at build time, else derived from the columns). Each run is a new
Python process that imports the search core (not timed), then times opening
the index with its search core, the first search (a faceted one: every
search counts all facets), a second search of other words, then the first
suggestion (`--typed`: the state's entity names are made) and the first
"did you mean" (`--misspelt`: its speller is made). Reported: per
run wall and CPU milliseconds, then the median of the runs and a digest of
the first search's answer (hits, facets, counts), the same for every run
and for every index of the same corpus.

The last line is one JSON object.

    .venv/bin/python bench/first_query.py INDEX [--runs 3] [--q "oil prices"] [--then "bank rates"]
        [--typed mi] [--misspelt bnak] [--code FOLDER]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

# Run in the fresh process: the imports are done before the clock starts.
_RUN = """
import hashlib, json, sys, time
from pathlib import Path
from indexer.archive.request import SearchRequest
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore

def timed(work):
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000

def search(q):
    return core.search(SearchRequest.from_params({"q": q}))

core, open_ms, open_cpu = timed(lambda: SearchCore(LiveIndex(IndexLocation(Path(sys.argv[1])))))
first, first_ms, first_cpu = timed(lambda: search(sys.argv[2]))
_, second_ms, _ = timed(lambda: search(sys.argv[3]))
suggested, suggest_ms, _ = timed(lambda: core.suggest(sys.argv[4]))
corrected, correct_ms, _ = timed(lambda: core.did_you_mean(sys.argv[5]))
answer = first.to_dict()
answer.pop("took_ms", None)
answer.pop("version", None)
digest = hashlib.sha256(json.dumps(answer, sort_keys=True).encode()).hexdigest()[:16]
print(json.dumps({
    "open_ms": open_ms, "first_ms": first_ms, "open_first_ms": open_ms + first_ms,
    "open_first_cpu_ms": open_cpu + first_cpu, "second_ms": second_ms,
    "suggest_ms": suggest_ms, "did_you_mean_ms": correct_ms,
    "total": first.total, "answer": digest,
}))
"""


def run_once(
    index: Path, q: str, then: str, code: Path, typed: str = "mi", misspelt: str = "bnak"
) -> dict[str, Any]:
    # `python -c` puts its working folder first on the path: `code`'s indexer is imported.
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(index), q, then, typed, misspelt],
        capture_output=True,
        text=True,
        check=True,
        cwd=code,
    )
    measured: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="an index folder (holding `current`)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--q", default="oil prices", help="the first search's words")
    parser.add_argument("--then", default="bank rates", help="the second search's words")
    parser.add_argument("--typed", default="mi", help="the first suggestion's prefix")
    parser.add_argument("--misspelt", default="bnak", help="the first correction's word")
    parser.add_argument(
        "--code",
        type=Path,
        default=Path(__file__).resolve().parents[1],
        help="a folder holding the `indexer` to time (default: this checkout's), "
        "e.g. an older commit's from `git archive`",
    )
    args = parser.parse_args()
    runs = []
    for number in range(args.runs):
        measured = run_once(args.index, args.q, args.then, args.code, args.typed, args.misspelt)
        runs.append(measured)
        print(
            f"run {number + 1}: open {measured['open_ms']:.0f} ms, first query "
            f"{measured['first_ms']:.0f} ms, together {measured['open_first_ms']:.0f} ms "
            f"({measured['open_first_cpu_ms']:.0f} ms CPU); second query "
            f"{measured['second_ms']:.0f} ms; {measured['total']} found; then the first "
            f"suggestion {measured['suggest_ms']:.0f} ms, the first correction "
            f"{measured['did_you_mean_ms']:.0f} ms",
            flush=True,
        )
    keys = (
        "open_ms",
        "first_ms",
        "open_first_ms",
        "open_first_cpu_ms",
        "second_ms",
        "suggest_ms",
        "did_you_mean_ms",
    )
    median = {key: round(statistics.median(r[key] for r in runs), 1) for key in keys}
    # The first answer (hits, facets, counts; not its time or the generation's
    # name), digested: runs, and indexes of the same corpus, compare by it.
    answers = sorted({r["answer"] for r in runs})
    print(
        json.dumps(
            {"index": str(args.index), "runs": args.runs, "median": median, "answers": answers}
        )
    )


if __name__ == "__main__":
    main()
