"""bench/index.py end to end on a tiny archive: every engine builds, the editor's waits are timed.

The benchmark runs for an hour at a million articles; this runs it on 300
(recombined from 40 articles written here) so that a change to the CLI, the
server or bench/search.py's generator that breaks it shows before the long
run does. tantivy is a `bench` extra: without it the run goes on without it.
"""

from __future__ import annotations

import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORDS = [
    "vienna",
    "talks",
    "energy",
    "agency",
    "nuclear",
    "summit",
    "trade",
    "minister",
    "report",
    "security",
    "danube",
    "conference",
    "oil",
    "prices",
    "bank",
    "rates",
    "coffee",
    "cocoa",
    "grain",
    "exports",
]
SECTIONS = ("Politics", "Economy > Trade", "Economy > Energy")

pytestmark = pytest.mark.slow  # the CLI and a server in child processes


def base_article(n: int) -> dict[str, Any]:
    rng = random.Random(n)

    def sentence() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "."

    return {
        "id": f"base-{n}",
        "title": f"{sentence()} {n}",
        "body": [sentence() for _ in range(rng.randint(2, 5))],
        "section": SECTIONS[n % len(SECTIONS)],
        "published": f"2024-0{1 + n % 9}-1{n % 10}T08:00:00+00:00",
        "language": "en",
        "entities": {"place": ["Vienna"]} if n % 2 else {},
    }


def test_a_tiny_run_reports_every_engine_and_the_updates(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    lines = (json.dumps(base_article(n)) for n in range(40))
    (base / "base.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    done = subprocess.run(
        [
            *(sys.executable, "bench/index.py", "--n", "300", "--runs", "1", "--uploads", "2"),
            *("--base", str(base), "--keep", str(tmp_path / "kept")),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    (entry,) = result["sizes"]
    assert entry["n"] == 300
    engines = entry["engines"]
    expected = {"vindex", "fts5"} | ({"tantivy"} if importlib.util.find_spec("tantivy") else set())
    assert set(engines) == expected
    for figures in engines.values():
        assert figures["articles_per_s"] > 0
        assert figures["index_bytes"] > 0
    assert set(entry["ratios"]) == expected - {"vindex"}
    updates = entry["updates"]
    # One file of 300 articles: read again once changed, not when only its time changed.
    assert updates["changed_file"].startswith("updated: read 1 files")
    # Only the rewritten article is indexed again; the file's others are kept.
    assert "indexed 1 articles" in updates["changed_file"]
    assert updates["copied_file"].startswith("updated: read 0 files")
    assert updates["upload_first_ms"] > 0
    # The corpus was kept, whole, and the update steps left it as generated.
    kept = tmp_path / "kept" / "c300"
    text = (kept / "bench-0000.jsonl").read_text(encoding="utf-8")
    assert len(text.splitlines()) == 300
    assert "(corrected)" not in text
