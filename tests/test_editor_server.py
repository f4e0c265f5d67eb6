"""The editor under load on a real server: concurrent uploads and searches, a reindex mid-search."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from conftest import synthetic_article
from editor_server import AUTH, Server, corpus_ids, indexed_ids
from waiting import HANG, wait_until

from indexer.build import update_index
from indexer.importers import ImportSummary
from indexer.store import IndexLocation

UPLOADERS, PER_UPLOADER, SEARCHERS = 8, 50, 8
QUERIES = ["vienna", "osce talks", "nuclear -trade", '"security conference"', "", "ukr*"]


def run_threads(targets: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture
def small_site(corpus: Path, tmp_path: Path) -> Path:
    update_index(IndexLocation(tmp_path / "index"), corpus)
    return tmp_path


def test_concurrent_uploads_and_searches_all_succeed(small_site: Path) -> None:
    errors: list[str] = []
    answered: dict[str, str] = {}
    searches = [0]
    uploading = threading.Event()
    uploading.set()

    def uploader(n: int) -> Callable[[], None]:
        def run() -> None:
            with httpx2.Client(base_url=server.url, timeout=HANG) as client:
                for i in range(PER_UPLOADER):
                    data = synthetic_article(n * 1000 + i, prefix=f"c{n}")
                    try:
                        response = client.post("/api/articles", json=data, headers=AUTH)
                        [outcome] = response.json()["articles"]
                        answered[outcome["id"]] = outcome["status"]
                        if response.status_code != 200:
                            errors.append(f"upload {response.status_code}: {response.text}")
                    except Exception as exc:  # any failure is what this test looks for
                        errors.append(f"upload: {exc!r}")

        return run

    def searcher(n: int) -> None:
        with httpx2.Client(base_url=server.url, timeout=HANG) as client:
            while uploading.is_set():
                q = QUERIES[(n + searches[0]) % len(QUERIES)]
                try:
                    response = client.get("/api/search", params={"q": q, "section": "Economy"})
                    if response.status_code != 200 or "total" not in response.json():
                        errors.append(f"search {response.status_code}: {response.text[:200]}")
                except Exception as exc:
                    errors.append(f"search: {exc!r}")
                searches[0] += 1

    def uploaders() -> None:
        run_threads([uploader(n) for n in range(UPLOADERS)])
        uploading.clear()

    with Server(small_site / "index", small_site / "corpus", small_site / "server.log") as server:
        started = time.monotonic()
        run_threads([uploaders, *[lambda n=n: searcher(n) for n in range(SEARCHERS)]])
        seconds = time.monotonic() - started
        with httpx2.Client(base_url=server.url) as client:
            assert client.get("/api/search").json()["total"] == 5 + UPLOADERS * PER_UPLOADER
    print(f"\n{len(answered)} uploads and {searches[0]} searches in {seconds:.1f} s")
    assert errors == []
    assert len(answered) == UPLOADERS * PER_UPLOADER
    assert set(answered.values()) == {"created"}
    assert len(list((small_site / "corpus" / "uploads").iterdir())) == UPLOADERS * PER_UPLOADER
    in_corpus, corpus_errors = corpus_ids(small_site / "corpus")
    assert corpus_errors == []
    assert set(answered) <= in_corpus
    assert set(answered) <= indexed_ids(small_site / "index")
    assert searches[0] > SEARCHERS


# -- a full reindex while searches run --------------------------------------------

READERS = 4


@pytest.fixture(scope="module")
def reuters_site(
    tmp_path_factory: pytest.TempPathFactory, reuters_import: ImportSummary
) -> Iterator[Path]:
    """The whole Reuters import, its last file held back to arrive during the test."""
    root = tmp_path_factory.mktemp("reuters-editor")
    files = sorted(reuters_import.files)
    corpus = root / "corpus"
    corpus.mkdir()
    for path in files[:-1]:
        shutil.copy(path, corpus / path.name)
    update_index(IndexLocation(root / "index"), corpus)
    # The last file goes into the corpus once the server runs: the rebuild's index is bigger.
    shutil.copy(files[-1], root / "late.jsonl")
    yield root


def test_a_reindex_under_searches_shows_the_old_or_the_new_index_whole(reuters_site: Path) -> None:
    queries = ["oil", "", "trade deficit", "bank OR banks", '"interest rates"']

    def totals(client: httpx2.Client) -> dict[str, int]:
        return {q: client.get("/api/search", params={"q": q}).json()["total"] for q in queries}

    seen: list[tuple[str, int]] = []
    errors: list[str] = []
    rebuilding = threading.Event()
    rebuilding.set()
    finished = threading.Event()
    # Per searcher: searches sent after the job had ended and answered (on the new index).
    searched_after = [0] * READERS

    def searcher(n: int) -> None:
        with httpx2.Client(base_url=server.url, timeout=HANG) as client:
            i = n
            while rebuilding.is_set():
                q = queries[i % len(queries)]
                i += 1
                late = finished.is_set()
                try:
                    response = client.get("/api/search", params={"q": q, "per_page": "5"})
                    if response.status_code != 200:
                        errors.append(f"{response.status_code}: {response.text[:200]}")
                        continue
                    seen.append((q, response.json()["total"]))
                    searched_after[n] += late
                except Exception as exc:
                    errors.append(repr(exc))

    def job_ended() -> bool:
        nonlocal job
        job = client.get(f"/api/jobs/{job['id']}", headers=AUTH).json()
        progress.append(job["done"])
        return job["state"] in ("done", "failed")

    server = Server(reuters_site / "index", reuters_site / "corpus", reuters_site / "log")
    with server, httpx2.Client(base_url=server.url, timeout=HANG) as client:
        before = totals(client)
        shutil.copy(reuters_site / "late.jsonl", reuters_site / "corpus" / "late.jsonl")
        threads = [threading.Thread(target=searcher, args=(n,)) for n in range(READERS)]
        for thread in threads:
            thread.start()
        job = client.post("/api/reindex", headers=AUTH).json()
        progress: list[int] = []
        # The job's end, however long a loaded machine takes (a fixed 300 s was outlived).
        wait_until(job_ended, "the end of the reindex job", interval=0.2)
        finished.set()
        # Then every searcher has searched the new index too (or the searches fail).
        wait_until(
            lambda: all(searched_after) or errors, "a search of each searcher after the reindex"
        )
        rebuilding.clear()
        for thread in threads:
            thread.join()
        after = totals(client)
    late = len((reuters_site / "late.jsonl").read_text(encoding="utf-8").splitlines())
    assert job["state"] == "done", job
    assert job["total"] == len(list((reuters_site / "corpus").glob("*.jsonl")))
    assert job["done"] == job["total"]
    assert after[""] == before[""] + late == 21_577
    assert errors == []
    assert len(seen) > 20
    wrong = [(q, n) for q, n in seen if n not in (before[q], after[q])]
    assert wrong == []
    print(f"\n{len(seen)} searches during the reindex; progress seen: {sorted(set(progress))}")
