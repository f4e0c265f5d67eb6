"""A build's progress in articles, with articles/s and time left: in the terminal and in jobs.

The arithmetic (`BuildProgress`) is driven by explicit times; the bar by a real
`vindex index --rebuild`; the job by a real reindex through the real app.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import waiting
from api_app import editor_client
from conftest import run_cli, synthetic_article, write_jsonl
from waiting import HANG, hang

from indexer.archive.builds import BuildProgress, ProgressFigures, duration, finished
from indexer.editing.jobs import Job, JobProgress, JobStore
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# Articles of the `corpus` fixture.
CORPUS_ARTICLES = 5


def _more_files(corpus: Path, files: int, per_file: int) -> int:
    """Add files of `per_file` articles to the `corpus` fixture's; the articles it then holds."""
    for f in range(files):
        articles = [synthetic_article(1000 + f * per_file + i, prefix="p") for i in range(per_file)]
        write_jsonl(corpus / "more" / f"part-{f:02d}.jsonl", articles)
    return CORPUS_ARTICLES + files * per_file


def test_a_reindex_job_reports_articles_with_a_rate_and_time_left(site: Path) -> None:
    """The job said "52 of 52 files, about 0 s left" while it still ran."""
    articles = _more_files(site / "corpus", files=8, per_file=60)
    with editor_client(site, TOKEN) as client:
        started = client.post("/api/reindex", headers=AUTH)
        assert started.status_code == 202
        job_id = started.json()["id"]
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + HANG
        while True:
            record = client.get(f"/api/jobs/{job_id}", headers=AUTH).json()
            if not seen or record != seen[-1]:
                seen.append(record)
            if record["state"] in ("done", "failed"):
                break
            if time.monotonic() > deadline:
                hang(f"the end of job {job_id}")
            time.sleep(0.005)
    final = seen[-1]
    assert final["state"] == "done", final
    running = [r for r in seen if r["state"] == "running" and r["done"] > 0]
    assert running, seen
    for record in running:
        # Articles, not files: never more than the corpus holds, and a total to match.
        assert 0 < record["done"] <= record["total"] <= articles * 2, record
        assert record["articles_per_s"] > 0, record
        assert record["eta_seconds"] is None or record["eta_seconds"] > 0, record
        assert "articles" in record["progress"] and " 0 s left" not in record["progress"]
    assert final["done"] == final["total"] == articles
    assert final["eta_seconds"] is None and final["articles_per_s"] > 0
    assert final["progress"].startswith(f"{articles:,} articles in ")
    # What the server's other worker processes read: the same record.
    saved = JobStore(site / "index").load_job(job_id)
    assert saved is not None and saved.to_dict() == final


def test_the_figures_follow_articles_and_bytes_at_given_times() -> None:
    seen: list[ProgressFigures] = []
    # 4 files, 1,000 bytes; the build starts at t=100.
    progress = BuildProgress(4, 1000, seen.append, start=100.0)
    assert progress.figures() == ProgressFigures(0, 0, False, 0.0, None)
    # A quarter of the bytes in 2 s gave 30 articles: about 120 in all, 6 s left.
    first = progress.advance(30, 250, now=102.0)
    assert first == ProgressFigures(30, 120, False, 15.0, 6.0)
    assert first.describe() == "30 of about 120 articles, 15 articles/s, about 6 s left"
    # Half of them in 5 s: the estimate improves to 100 (50 articles from 500 bytes).
    second = progress.advance(20, 250, now=105.0)
    assert second == ProgressFigures(50, 100, False, 10.0, 5.0)
    # All bytes read: the total is the count, no time is left to guess.
    third = progress.advance(48, 500, now=110.0)
    assert third == ProgressFigures(98, 98, True, 9.8, None)
    assert third.describe() == "98 of 98 articles, 10 articles/s, writing the index"
    assert progress.close(now=111.0) == ProgressFigures(98, 98, True, 98 / 11, None)
    assert seen == [first, second, third, ProgressFigures(98, 98, True, 98 / 11, None)]


def test_the_time_left_includes_writing_the_index_as_the_last_build_took() -> None:
    """A 10,000-article reindex said "about 1 s left" at 4.2 s and ended at 14.4 s:
    the 8.7 s after its input was read (segments written, the new index opened) were
    in no estimate."""
    # The last build took 2 s after reading, per second of reading.
    progress = BuildProgress(4, 1000, start=100.0, finishing=2.0)
    # A quarter in 2 s: 6 s of reading left, and writing after 8 s of reading takes 16 s.
    assert progress.advance(30, 250, now=102.0) == ProgressFigures(30, 120, False, 15.0, 22.0)
    # All read at 8 s: 16 s of writing left.
    last = progress.advance(90, 750, now=108.0)
    assert last == ProgressFigures(120, 120, True, 15.0, 16.0)
    assert last.describe() == "120 of 120 articles, 15 articles/s, writing the index"
    # Closed once the parallel parts have written their segments; done at 20 s: 12 s
    # after 8 s of reading, for the next build.
    assert progress.close(now=115.0).seconds_left == 9.0
    assert progress.finishing_of(120.0) == 1.5


def test_a_job_counts_its_time_left_down_while_the_index_is_written() -> None:
    job = Job("reindex-1", "reindex", state="running")
    progress = JobProgress(job, lambda j: None)
    progress.record(
        120,
        120,
        exact=True,
        articles_per_s=15.0,
        seconds_left=16.0,
        progress="120 of 120 articles, 15 articles/s, writing the index",
    )
    assert job.expected_end is not None
    job.expected_end = time.time() + 65.0  # as if a minute had passed since
    record = job.to_dict()
    assert 64.0 < record["eta_seconds"] <= 65.0
    assert record["progress"] == (
        "120 of 120 articles, 15 articles/s, writing the index, about 1 min left"
    )
    # Past the expected end the time left is not known, not "1 s" for ever.
    job.expected_end = time.time() - 3.0
    assert job.to_dict()["eta_seconds"] is None
    assert job.to_dict()["progress"].endswith("writing the index")


def test_a_reindex_learns_how_long_writing_its_index_takes(site: Path) -> None:
    _more_files(site / "corpus", files=4, per_file=40)
    store = JobStore(site / "index")
    assert store.finishing() is None
    with editor_client(site, TOKEN) as client:
        for _ in range(2):
            job_id = client.post("/api/reindex", headers=AUTH).json()["id"]
            final = waiting.wait_for_job(client, job_id, AUTH)
            assert final["state"] == "done", final
            ratio = store.finishing()
            assert ratio is not None and ratio >= 0
        # The hidden timing file is no job.
        assert store.states() == {"done": 3}


def test_closing_early_makes_the_count_exact() -> None:
    """A build that fails or stops: what it read is what it has."""
    progress = BuildProgress(3, 900, start=0.0)
    progress.advance(10, 300, now=1.0)
    assert progress.close(now=2.0) == ProgressFigures(10, 10, True, 5.0, None)


def test_bytes_past_the_total_never_make_a_negative_time_left() -> None:
    """A file appended to while the build runs gives more bytes than were counted."""
    progress = BuildProgress(1, 100, start=0.0)
    assert progress.advance(7, 150, now=1.0) == ProgressFigures(7, 7, True, 7.0, None)


def test_files_without_articles_estimate_none() -> None:
    progress = BuildProgress(2, 200, start=0.0)
    figures = progress.advance(0, 100, now=1.0)
    assert figures == ProgressFigures(0, 0, False, 0.0, 1.0)
    assert figures.describe() == "0 of about 0 articles, about 1 s left"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.0, "1 s"),
        (0.4, "1 s"),
        (1.6, "2 s"),
        (59.4, "59 s"),
        (59.6, "1 min"),
        (90.0, "2 min"),
        (3599.0, "1 h 0 min"),
        (3900.0, "1 h 5 min"),
    ],
)
def test_durations_read_as_people_say_them(seconds: float, words: str) -> None:
    assert duration(seconds) == words


def test_a_finished_build_says_how_many_how_long_and_how_fast() -> None:
    assert finished(100_000, 68.0) == "100,000 articles in 1 min, 1,471 articles/s"
    assert finished(0, 0.0) == "0 articles in 1 s, 0 articles/s"


def test_vindex_index_counts_articles_and_its_summary_stays(corpus: Path, tmp_path: Path) -> None:
    """The bar counted files ("0/22" for 12 s, then "22/22" for 31 s on Reuters)."""
    articles = _more_files(corpus, files=3, per_file=20)
    index = ["--index", str(tmp_path / "index"), "--corpus", str(corpus)]
    result = run_cli("index", "--rebuild", "--progress", *index)
    assert result.returncode == 0, result.stderr
    # Text mode reads tqdm's "\r" as line ends: one line a state of the bar.
    states = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    assert re.fullmatch(
        rf"100%\|█+\| {articles} of {articles} articles, [0-9,]+ articles/s, writing the index",
        states[-1],
    ), states
    assert all("file" not in state for state in states)
    # Each file's articles are shown as they come (tqdm's own throttling hid the
    # last ones while the index was written): 6 files, 6 counts.
    counts = [int(m[1].replace(",", "")) for s in states if (m := re.search(r"\| ([\d,]+) of", s))]
    assert len(set(counts)) == 6 and counts == sorted(counts), states
    # The bar is cleared (leave=False); the summary is printed after it, on stdout.
    assert result.stdout.startswith(f"rebuilt: read 6 files (0 unchanged), indexed {articles} ")
    # Without a terminal, and without --progress, no bar.
    quiet = run_cli("index", "--rebuild", *index)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout.startswith(f"rebuilt: read 6 files (0 unchanged), indexed {articles} ")


def test_an_update_counts_the_articles_of_the_changed_files(corpus: Path, tmp_path: Path) -> None:
    _more_files(corpus, files=3, per_file=20)
    index = ["--index", str(tmp_path / "index"), "--corpus", str(corpus)]
    assert run_cli("index", *index).returncode == 0
    write_jsonl(
        corpus / "more" / "part-01.jsonl", [synthetic_article(n) for n in range(5000, 5030)]
    )
    result = run_cli("index", "--progress", *index)
    assert result.returncode == 0, result.stderr
    states = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    assert re.fullmatch(
        r"100%\|█+\| 30 of 30 articles, [0-9,]+ articles/s, writing the index", states[-1]
    ), states
    assert result.stdout.startswith("updated: read 1 files (5 unchanged), indexed 30 articles, ")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_build_reports_every_article_and_byte_it_read(
    corpus: Path, tmp_path: Path, workers: int
) -> None:
    """In one process and from worker processes alike; the last figures are exact."""
    articles = _more_files(corpus, files=3, per_file=20)
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    made: list[tuple[int, int]] = []
    seen: list[ProgressFigures] = []

    def progress(count: int, total_bytes: int) -> BuildProgress:
        made.append((count, total_bytes))
        return BuildProgress(count, total_bytes, seen.append)

    location = IndexLocation(tmp_path / "index")
    report = update_index(location, corpus, workers=workers, progress=progress)
    assert report.indexed == articles
    assert made == [(len(files), sum(p.stat().st_size for p in files))]
    # One call a file, then the close.
    assert len(seen) == len(files) + 1
    assert [f.articles for f in seen] == sorted(f.articles for f in seen)
    assert seen[-1].articles == seen[-1].total == articles and seen[-1].exact
