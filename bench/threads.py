"""Benchmark: one search core searched by 1, 2 and 8 threads at once (a worker's thread pool).

A server worker answers requests in threads over one `SearchCore`. It used to
hold one lock around every read of an index state, so its threads queued;
now reads overlap, and what keeps them apart is the GIL: numpy releases it
for large array work, Python code does not. This replays bench/search.py's
query set (words, phrases, OR/NOT, prefixes, filters, dates, sorts, pages)
and a few suggestions over a built index, read only, after one warm-up pass
(caches filled; the first state opened), with each thread in its own
shuffled order, and reports per thread count: queries/s, p50/p95/p99 latency
of a query, CPU seconds per query, and the speed-up over one thread.

On a shared machine other processes take cores at random: the thread counts
are measured in turn `--repeat` times and each count's fastest run is
reported (the one least disturbed), with the spread of queries/s. A control
says how many cores the machine gave meanwhile: numpy sorts (no GIL held) in
1 and 2 threads, measured before and after; 2 threads of Vindex can be as
much faster than 1 as the control's 2 threads are, at most.

    .venv/bin/python bench/threads.py --index /tmp/i100k [--threads 1 2 8] [--rounds 3]
        [--repeat 3] [--turns N]

Measured at 100,000 articles (issue 17, `--rounds 2 --repeat 2`, in moments
when the control ran 1.5-1.9x): main (one lock) 1/2/8 threads 252/246/239
queries/s, p95 8.0/13.8/73.4 ms; now (2 turns) 266/291/260 queries/s, p95
7.8/12.3/40.3 ms, CPU 3.8/4.6/4.9 ms a query; with 8 turns, 8 threads 207
queries/s, p95 69 ms, 6.3 ms of CPU a query. About half of a query holds the
GIL (py-spy --gil): highlighting and building hits nearly all of theirs,
facet counting a quarter.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

# The sibling module (bench/ is the script's folder, so it is on sys.path).
from search import QUERIES

from indexer.archive.request import SearchRequest
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore

# Prefixes a reader types into the search box (`/api/suggest`).
SUGGEST = ("oi", "go", "pres", "ban", "ja", "ger", "tr", "co")
SEED = 17


def workload(core: SearchCore) -> list[Callable[[], object]]:
    """One call per query of the set and per suggestion prefix."""
    calls: list[Callable[[], object]] = [
        functools.partial(core.search, SearchRequest.from_params(params)) for params in QUERIES
    ]
    calls.extend(functools.partial(core.suggest, prefix) for prefix in SUGGEST)
    return calls


def control(threads: int, sorts: int = 8) -> float:
    """Sorts per second of a million floats in `threads` threads: work that holds no GIL."""
    values = np.random.default_rng(SEED).random(1_000_000)

    def sort() -> None:
        for _ in range(sorts):
            np.sort(values)

    pool = [threading.Thread(target=sort) for _ in range(threads)]
    began = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return threads * sorts / (time.perf_counter() - began)


def control_ratio() -> float:
    """How much faster 2 threads sort than 1 on this machine now (2.0: two free cores)."""
    return round(control(2) / control(1), 2)


def run(calls: list[Callable[[], object]], threads: int, rounds: int) -> dict[str, Any]:
    """Every call `rounds` times in each of `threads` threads, started together."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    start = threading.Barrier(threads + 1)

    def worker(number: int) -> None:
        order = list(range(len(calls))) * rounds
        random.Random(SEED + number).shuffle(order)
        mine = latencies[number]
        start.wait()
        for index in order:
            began = time.perf_counter()
            calls[index]()
            mine.append(time.perf_counter() - began)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    cpu = time.process_time()
    start.wait()
    began = time.perf_counter()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - began
    cpu = time.process_time() - cpu
    every = sorted(ms * 1000 for mine in latencies for ms in mine)
    count = len(every)
    return {
        "threads": threads,
        "queries": count,
        "seconds": round(wall, 2),
        "qps": round(count / wall, 1),
        "p50_ms": round(statistics.median(every), 2),
        "p95_ms": round(every[int(0.95 * (count - 1))], 2),
        "p99_ms": round(every[int(0.99 * (count - 1))], 2),
        "max_ms": round(every[-1], 2),
        "cpu_ms_per_query": round(cpu * 1000 / count, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="a built index (read only)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 8])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the set per thread")
    parser.add_argument("--repeat", type=int, default=3, help="runs per count; the best is shown")
    parser.add_argument(
        "--turns", type=int, help="requests searching at once (default: the core's, one per core)"
    )
    args = parser.parse_args()
    core = SearchCore(LiveIndex(IndexLocation(args.index)), concurrency=args.turns)
    print(f"turns: {core._states.concurrency} requests search at once", flush=True)
    try:
        calls = workload(core)
        began = time.perf_counter()
        core.warm()
        for call in calls:
            call()
        print(f"warm-up: {len(calls)} calls, {time.perf_counter() - began:.1f} s", flush=True)
        before = control_ratio()
        runs: dict[int, list[dict[str, Any]]] = {threads: [] for threads in args.threads}
        for _ in range(args.repeat):
            for threads in args.threads:
                runs[threads].append(run(calls, threads, args.rounds))
        results = []
        for measured in runs.values():
            best = max(measured, key=lambda r: r["qps"])
            best["qps_all"] = [r["qps"] for r in measured]
            results.append(best)
        after = control_ratio()
    finally:
        core.close()
    print(f"control (numpy sorts, no GIL held), 2 threads vs 1: {before} before, {after} after")
    single = next((r for r in results if r["threads"] == 1), None)
    print(
        f"{'threads':>7} {'queries/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'cpu ms/q':>9} {'vs 1':>6}  queries/s of every run"
    )
    for r in results:
        ratio = r["qps"] / single["qps"] if single else float("nan")
        r["speedup"] = round(ratio, 2)
        print(
            f"{r['threads']:>7} {r['qps']:>10.1f} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} "
            f"{r['p99_ms']:>8.2f} {r['max_ms']:>8.1f} {r['cpu_ms_per_query']:>9.2f} {ratio:>6.2f}"
            f"  {r['qps_all']}"
        )
    summary = {
        "index": str(args.index),
        "turns": core._states.concurrency,
        "control": [before, after],
        "results": results,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
