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

from indexer.build import update_index
from indexer.importers import import_corpus
from indexer.store import IndexLocation

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
        size = 0
        for run in range(1, args.runs + 1):
            location = IndexLocation(Path(tmp) / f"index-{run}")
            report = update_index(location, corpus, rebuild=True)
            if report.errors:
                print(f"  {len(report.errors)} errors, first: {report.errors[0]}", file=sys.stderr)
            size = location.size_bytes()
            rates.append(report.articles_per_s)
            print(
                f"run {run}: {report.indexed} articles in {report.seconds:.1f} s, "
                f"{report.articles_per_s:.0f} articles/s"
            )
        result = {
            "dataset": args.dataset,
            "n": summary.written,
            "runs": args.runs,
            "build_articles_per_s": round(statistics.median(rates), 1),
            "index_bytes": size,
        }
        print(
            f"median {result['build_articles_per_s']:.0f} articles/s; index {size / 1048576:.1f} MB"
        )
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
