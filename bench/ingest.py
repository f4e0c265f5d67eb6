"""Benchmark: reading a corpus and enriching its articles, before they reach the index.

Times what the build does to every article before it writes it: `read_file`
(reading, parsing, validating, dates, language) and the corpus's
`entity_enricher` (gazetteer, rules, dateline), per corpus folder, in CPU
seconds of this one process (the machine may be shared with other work).
Each folder is timed `--runs` times and the median reported, with the split
between reading and enrichment.

    .venv/bin/python bench/ingest.py /tmp/c10k /tmp/reuters [--runs 3] [--dump out.jsonl]

`--dump` writes every article as enriched (all fields and its entities), one
JSON object a line, plus a line per file error: two dumps of the same folders
are identical exactly when reading and enrichment give identical results, so
a speed-up can be checked against the outputs from before it. The last line
printed is JSON: {folder: {"articles", "read_s", "enrich_s", "articles_per_s"}}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from indexer.entities.enrich import entity_enricher
from indexer.ingest.corpus import find_files, read_file


def run_folder(folder: Path, dump: TextIO | None) -> dict[str, float]:
    """One pass over a folder: seconds spent reading and enriching, and the article count."""
    enrich = entity_enricher(folder)
    read_s = enrich_s = 0.0
    articles = 0
    for path in find_files([folder]):
        started = time.process_time()
        result = read_file(path)
        read_s += time.process_time() - started
        started = time.process_time()
        enriched = [enrich(article) for article in result.articles]
        enrich_s += time.process_time() - started
        articles += len(enriched)
        if dump is not None:
            name = path.relative_to(folder).as_posix()
            for article in enriched:
                dump.write(json.dumps({"file": name, **article.to_dict()}, ensure_ascii=False))
                dump.write("\n")
            for error in result.errors:
                dump.write(json.dumps({"file": name, "error": str(error)}, ensure_ascii=False))
                dump.write("\n")
    return {"articles": articles, "read_s": read_s, "enrich_s": enrich_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dump", type=Path, help="write every enriched article as JSON lines")
    args = parser.parse_args(argv)
    summary: dict[str, dict[str, Any]] = {}
    for folder in args.folders:
        runs = []
        for number in range(args.runs):
            if args.dump is not None and number == 0:
                with args.dump.open("a", encoding="utf-8") as dump:
                    runs.append(run_folder(folder, dump))
            else:
                runs.append(run_folder(folder, None))
        read_s = statistics.median(r["read_s"] for r in runs)
        enrich_s = statistics.median(r["enrich_s"] for r in runs)
        articles = int(runs[0]["articles"])
        total = statistics.median(r["read_s"] + r["enrich_s"] for r in runs)
        summary[str(folder)] = {
            "articles": articles,
            "read_s": round(read_s, 3),
            "enrich_s": round(enrich_s, 3),
            "read_us_per_article": round(1e6 * read_s / max(articles, 1), 1),
            "enrich_us_per_article": round(1e6 * enrich_s / max(articles, 1), 1),
            "articles_per_s": round(articles / total) if total else 0,
        }
        print(
            f"{folder}: {articles} articles, read {read_s:.2f} s, enrich {enrich_s:.2f} s "
            f"(median of {args.runs}), {summary[str(folder)]['articles_per_s']} articles/s",
            file=sys.stderr,
        )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
