"""Benchmark: how fast the index builds from a research corpus.

Imports the dataset (Reuters-21578 by default) from ../shared/corpora into a
temporary corpus, rebuilds the index from it `--runs` times and prints each
run, then the median articles/s and the index size. The last line is JSON.

    .venv/bin/python bench/index.py [--dataset reuters|bbc|gnad] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.ingest.importers import import_corpus

ROOT = Path(__file__).resolve().parents[1]
DATASETS = {
    "reuters": "reuters21578",
    "bbc": "bbc-news",
    "gnad": "10kgnad",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="reuters")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument(
        "--compare-entities",
        action="store_true",
        help="also time each run without entity extraction, to show what it costs",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vindex-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        started = time.perf_counter()
        summary = import_corpus(args.dataset, args.corpora / DATASETS[args.dataset], corpus)
        print(
            f"import {args.dataset}: {summary.written} articles in "
            f"{time.perf_counter() - started:.1f} s (dropped {sum(summary.dropped.values())})"
        )
        rates = []
        bare_rates = []
        size = 0
        for run in range(1, args.runs + 1):
            variants = [True, False] if args.compare_entities else [True]
            for entities in variants:
                location = IndexLocation(Path(tmp) / f"index-{run}-{entities}")
                report = update_index(location, corpus, rebuild=True, entities=entities)
                if report.errors:
                    first = report.errors[0]
                    print(f"  {len(report.errors)} errors, first: {first}", file=sys.stderr)
                (rates if entities else bare_rates).append(report.articles_per_s)
                if entities:
                    size = location.size_bytes()
                label = "" if entities else " (no entity extraction)"
                print(
                    f"run {run}{label}: {report.indexed} articles in {report.seconds:.1f} s, "
                    f"{report.articles_per_s:.0f} articles/s"
                )
        result = {
            "dataset": args.dataset,
            "n": summary.written,
            "runs": args.runs,
            "build_articles_per_s": round(statistics.median(rates), 1),
            "index_bytes": size,
        }
        if bare_rates:
            bare = statistics.median(bare_rates)
            result["build_articles_per_s_without_entities"] = round(bare, 1)
            # Extra time for extraction, as a share of the time without it.
            result["entity_overhead"] = round(bare / result["build_articles_per_s"] - 1, 3)
        print(
            f"median {result['build_articles_per_s']:.0f} articles/s; index {size / 1048576:.1f} MB"
        )
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
