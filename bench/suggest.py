"""Benchmark: suggestions as readers type them, and what a new index state costs after an upload.

`/api/suggest` is asked on every keystroke, so its p95 is what a reader
feels. This replays realistic prefixes through `SearchCore.suggest`: for
documents picked at random (a seeded generator), one of their entity names
or one word of their title, cut to its first 2 to 8 characters, so that
common names and words come up as often as readers would type them. The
first call (it opens the index state) is reported apart; then p50, p95, p99
and the slowest call of a first pass over the prefixes and of a second
(every per-state cache filled), in wall and in CPU milliseconds (on a shared
machine the wall times are mostly other processes' turns).

With `--uploads N`, the index is copied to a scratch folder and N
one-article files are indexed into it one after the other, as the server's
writer indexes an upload; after each, the new index state is opened as a
worker that did not write it opens it (on the next request), timed part by
part: the searcher and facet arrays, the entity names, the filter values, the
speller (CPU milliseconds), and then the first suggestions on that state
(wall). Reported: the median of each part over the uploads, and the resident
memory after each upload.

The last line is one JSON object.

    .venv/bin/python bench/suggest.py --index /tmp/i100k [--prefixes 500] [--uploads 10]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from indexer.archive.request import FILTER_PARAMS
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.states import IndexState
from indexer.embedded.search.suggest import clean_prefix
from indexer.ingest.article import ENTITY_TYPES

SEED = 17


def timed(work: Callable[[], Any]) -> float:
    """Wall milliseconds of a call (what a reader waits)."""
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def cpu(work: Callable[[], Any]) -> float:
    """CPU milliseconds of a call: steadier than wall time on a shared machine, and what
    a worker under load pays."""
    started = time.process_time()
    work()
    return (time.process_time() - started) * 1000


def prefixes(core: SearchCore, count: int, rng: random.Random) -> list[str]:
    """Prefixes of entity names and title words of randomly picked articles (half each)."""
    with core._using() as state:
        live = np.flatnonzero(state.all_docs)
        tables = state.facets.tables
        found: list[str] = []
        while len(found) < count:
            docnum = int(rng.choice(live))
            if len(found) % 2:
                kind = rng.choice(ENTITY_TYPES)
                table = tables[kind]
                ids = table.values[table.offsets[docnum] : table.offsets[docnum + 1]]
                words = [table.names[i] for i in ids.tolist()]
            else:
                title = state.searcher.stored_fields(docnum).get("title") or ""
                words = [w.strip(".,:;!?\"'()") for w in title.split()]
            words = [w for w in words if len(w) >= 2]
            if not words:
                continue
            text = rng.choice(words)
            prefix = clean_prefix(text[: rng.randint(2, 8)])
            if len(prefix) >= 2:
                found.append(prefix)
    return found


def percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)

    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": round(ordered[-1], 2),
    }


def replay(core: SearchCore, typed: list[str]) -> dict[str, Any]:
    """Each prefix suggested twice over: a first pass, then every cache filled. Wall
    times, and CPU times (on a shared machine, wall times are mostly other processes')."""
    result: dict[str, Any] = {}
    for name in ("first_pass", "second_pass"):
        wall, used = [], []
        for prefix in typed:
            started, cpu_started = time.perf_counter(), time.process_time()
            core.suggest(prefix)
            wall.append((time.perf_counter() - started) * 1000)
            used.append((time.process_time() - cpu_started) * 1000)
        result[name] = percentiles(wall)
        result[f"{name}_cpu"] = percentiles(used)
    return result


def _filter_values(state: IndexState) -> None:
    for name in FILTER_PARAMS:
        state.known_values(name)


def one_article(n: int) -> str:
    return json.dumps(
        {
            "id": f"bench-suggest-upload-{n}",
            "title": f"Minister Jane Doe{n} visits Vienna trade fair",
            "body": [f"The minister met Acme Holdings {n} in Vienna to talk about trade."],
            "published": "2026-12-04T02:00:00Z",
            "section": "Business",
            "language": "en",
        }
    )


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return round(pages * resource.getpagesize() / 2**20, 1)


def uploads(index: Path, count: int, typed: list[str]) -> dict[str, Any]:
    """Index one-article files one by one into a copy; time each new state's parts."""
    scratch = Path(tempfile.mkdtemp(prefix="bench-suggest-"))
    try:
        root = scratch / "index"
        shutil.copytree(index, root, symlinks=True)
        corpus = scratch / "corpus"
        corpus.mkdir()
        location = IndexLocation(root)
        core = SearchCore(LiveIndex(location))
        core.warm()
        states = core._states
        parts: dict[str, list[float]] = {}
        memory = []
        for n in range(count):
            path = corpus / f"upload-{n}.jsonl"
            path.write_text(one_article(n) + "\n")
            update_index(location, corpus, [path])
            # Opened as a worker that did not write the upload opens it: on a request.
            timings = {"open": cpu(lambda: states.release(states.acquire()))}
            state = states.acquire()
            try:
                timings["names"] = cpu(state.entity_names)
                timings["filter_values"] = cpu(partial(_filter_values, state))
                timings["speller"] = cpu(state.spelling)
            finally:
                states.release(state)
            timings["warm"] = cpu(core.warm)
            timings["state"] = sum(
                timings[k] for k in ("open", "names", "filter_values", "speller")
            )
            replayed = replay(core, typed[:100])
            timings["suggest_first_pass_p95"] = replayed["first_pass"]["p95"]
            timings["suggest_first_pass_cpu_p95"] = replayed["first_pass_cpu"]["p95"]
            for key, value in timings.items():
                parts.setdefault(key, []).append(value)
            memory.append(rss_mb())
            print(
                f"upload {n + 1}: "
                + ", ".join(f"{key} {value:.1f} ms" for key, value in timings.items())
                + f"; RSS {memory[-1]} MB",
                flush=True,
            )
        core.close()
        return {
            "median_ms": {key: round(statistics.median(v), 1) for key, v in parts.items()},
            "rss_mb": memory,
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="an index folder (read only)")
    parser.add_argument("--prefixes", type=int, default=500)
    parser.add_argument("--uploads", type=int, default=0, help="one-article uploads to time")
    args = parser.parse_args()
    rng = random.Random(SEED)
    started = time.perf_counter()
    core = SearchCore(LiveIndex(IndexLocation(args.index)))
    first_prefix = "mi"
    first_ms = timed(lambda: core.suggest(first_prefix))
    open_first_ms = (time.perf_counter() - started) * 1000
    typed = prefixes(core, args.prefixes, rng)
    result: dict[str, Any] = {
        "index": str(args.index),
        "prefixes": len(typed),
        "first_call_ms": round(first_ms, 1),
        "open_and_first_call_ms": round(open_first_ms, 1),
        **replay(core, typed),
    }
    print(
        f"first call {first_ms:.1f} ms (with opening the index {open_first_ms:.1f} ms); "
        f"first pass {result['first_pass']} (CPU {result['first_pass_cpu']}); "
        f"second pass {result['second_pass']} (CPU {result['second_pass_cpu']})",
        flush=True,
    )
    core.close()
    if args.uploads:
        result["uploads"] = uploads(args.index, args.uploads, typed)
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
