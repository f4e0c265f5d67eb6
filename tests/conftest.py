"""Shared test fixtures: real corpus files on disk and real indexes built from them."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_app import demo_index
from demo_corpus import copy_demo_corpus
from demo_site import build_demo_site
from waiting import HANG, hang

from indexer.archive.request import SearchRequest
from indexer.editing.jobs import Job
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore, SearchResult
from indexer.embedded.writer import Writer
from indexer.ingest.importers import ImportSummary, import_corpus
from indexer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"

_WORDS = [
    "vienna",
    "osce",
    "iaea",
    "nuclear",
    "energy",
    "talks",
    "minister",
    "conference",
    "security",
    "ukraine",
    "austria",
    "europe",
    "trade",
    "summit",
    "report",
    "agency",
    "director",
    "meeting",
    "safeguards",
    "drugs",
    "crime",
    "migration",
    "climate",
    "danube",
    "hofburg",
    "embassy",
    "ambassador",
    "delegation",
    "agreement",
    "cooperation",
]


# Fixtures whose every user is slow (see the `slow` marker in pyproject.toml): the
# Reuters import (21,578 stories) and the 6,000 articles of a rebuild that takes seconds.
SLOW_FIXTURES = ("reuters_import", "big_files")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` every test that uses a slow fixture, so no module has to remember it."""
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in SLOW_FIXTURES):
            item.add_marker(pytest.mark.slow)


def synthetic_article(n: int, prefix: str = "t", words: int = 60) -> dict[str, Any]:
    """A deterministic article for build and locking tests (content does not matter there)."""
    rng = random.Random(n)
    return {
        "id": f"{prefix}-{n}",
        "title": " ".join(rng.choices(_WORDS, k=6)).capitalize(),
        "body": [" ".join(rng.choices(_WORDS, k=words)) + "." for _ in range(3)],
        "published": f"{2019 + n % 7}-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00+01:00",
        "section": ["Organizations > OSCE", "Organizations > United Nations", "Economy"][n % 3],
        "language": "en",
        "entities": {"place": ["Vienna"]},
    }


def write_jsonl(path: Path, articles: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path


def write_json(path: Path, article: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(article), encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A small corpus of three files, five articles."""
    root = tmp_path / "corpus"
    write_jsonl(root / "batch.jsonl", [synthetic_article(i) for i in range(3)])
    write_json(root / "2023" / "single.json", synthetic_article(100))
    write_json(
        root / "2024" / "osce.json",
        {
            "id": "osce-conference",
            "title": "Security Review Conference in Vienna",
            "lead": "The OSCE met at the Hofburg.",
            "body": "Ministers discussed elections.\n\nThe conference ended on Friday.",
            "published": "2024-07-04 23:31",
            "section": "Organizations > OSCE",
            "language": "en",
            "entities": {"organization": ["OSCE"], "place": ["Vienna"]},
        },
    )
    return root


@pytest.fixture
def writer(site: Path) -> Iterator[Writer]:
    """The server's writer over the `site` fixture's index and corpus, started."""
    started = Writer(IndexLocation(site / "index"), site / "corpus")
    started.start()
    yield started
    started.stop()


def startup_check(location: IndexLocation, corpus: Path) -> Job:
    """A server's start-up reconciliation by a real writer, once it has run."""
    writer = Writer(location, corpus)
    writer.start()
    try:
        job = writer.reconcile("startup")
        # One queue, taken in order: the answer to a write queued after the job comes after it.
        writer.delete("nobody").result(HANG)
    finally:
        writer.stop()
    return job


@pytest.fixture
def site(corpus: Path, tmp_path: Path) -> Path:
    """A site folder: the `corpus` fixture's articles in corpus/, indexed in index/."""
    update_index(IndexLocation(tmp_path / "index"), corpus)
    return tmp_path


@pytest.fixture(scope="module")
def big_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Enough articles (6,000 in 24 files, 11 MB) for a parallel rebuild of many seconds."""
    root = tmp_path_factory.mktemp("big")
    return [
        write_jsonl(
            root / f"part-{f:02d}.jsonl",
            [synthetic_article(f * 250 + i, words=70) for i in range(250)],
        )
        for f in range(24)
    ]


@pytest.fixture(scope="session")
def demo_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo articles of corpus/ (not the editor's uploads), shared: read only."""
    return copy_demo_corpus(tmp_path_factory.mktemp("demo") / "corpus")


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchCore]:
    """A search core over the demo archive's index, both made once for the session: every
    module searches the same warm core (its caches are its own business), none writes."""
    yield from core_over(IndexLocation(demo_index(tmp_path_factory)))


@pytest.fixture(scope="session")
def pages_site(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The demo archive plus the hostile articles (demo_site.py), indexed once for the
    session: the pages' site, for the TestClient's tests and the browser's. Read only."""
    return build_demo_site(tmp_path_factory.mktemp("pages-site"))


@pytest.fixture(scope="session")
def reuters_import(tmp_path_factory: pytest.TempPathFactory) -> ImportSummary:
    """Reuters-21578 imported once for the session (three modules read it): read only."""
    source = CORPORA / "reuters21578"
    if not source.exists():
        pytest.skip(f"no Reuters-21578 at {source}")
    return import_corpus("reuters", source, tmp_path_factory.mktemp("reuters-import"))


def core_over(location: IndexLocation) -> Iterator[SearchCore]:
    """A search core over the index at `location`, for a fixture to yield from; closed after."""
    core = SearchCore(LiveIndex(location))
    try:
        yield core
    finally:
        core.close()


def search(location: IndexLocation, q: str = "", **params: str) -> SearchResult:
    """One search through the real search core, as the pages and the CLI do it."""
    core = SearchCore(LiveIndex(location))
    try:
        return core.search(SearchRequest.from_params({"q": q, **params}))
    finally:
        core.close()


def cli_command(*args: str) -> list[str]:
    """The command line of `vindex ARGS` in this interpreter."""
    return [sys.executable, "-m", "webapp.cli", *args]


def run_cli(*args: str, timeout: float = HANG, **options: Any) -> subprocess.CompletedProcess[str]:
    """Run `vindex ARGS` to the end; its exit status and output, as text.

    `timeout` is a backstop (a hang fails the test); `options` go to `subprocess.run`.
    """
    try:
        return subprocess.run(
            cli_command(*args),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            **options,
        )
    except subprocess.TimeoutExpired:
        hang(f"vindex {' '.join(args)} to end", timeout)


def write_many_words_corpus(root: Path, prefix: str = "ab", count: int = 3000) -> Path:
    """A corpus of 30 articles with `count` made-up words that all begin with `prefix`:
    `prefix*` stands for more indexed words than one search may look up."""
    rng = random.Random(count)
    words = sorted({prefix + "".join(rng.choices("klmnopqrstuvwxyz", k=6)) for _ in range(count)})
    per_article = -(-len(words) // 30)
    articles = [
        {
            "id": f"words-{n}",
            "title": f"Word list {n}",
            "body": [" ".join(words[n * per_article : (n + 1) * per_article]) + "."],
            "published": "2024-01-01T10:00:00+01:00",
            "section": "Words",
            "language": "en",
        }
        for n in range(30)
    ]
    return write_jsonl(root / "words.jsonl", articles)
