"""A cluster build's progress: live figures in the reindex job, as the embedded writer reports them.

The accounting is the same for both backends (`indexer.archive.builds`:
`job_progress`, `record_done`, `record_failed`); here it is driven by the
cluster's ingest (`write_corpus`) over real corpus files, its batches taken
by a plain function in place of the bulk API (what the cluster answers is
tested in tests/test_opensearch_bulk.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from indexer.archive.builds import BuildReport, job_progress, record_done, record_failed
from indexer.editing.jobs import Job
from indexer.ingest.article import Article
from indexer.opensearch.bulk import Action, BulkOutcome
from indexer.opensearch.ingest import write_corpus


def corpus(folder: Path, sizes: list[int]) -> Path:
    """JSON Lines files of `sizes` articles each."""
    folder.mkdir()
    number = 0
    for index, size in enumerate(sizes):
        lines = []
        for _ in range(size):
            number += 1
            record = {
                "id": f"a{number}",
                "title": f"Article {number}",
                "published": "2024-12-05T10:00:00+01:00",
                "body": ["Words of the article, long enough to weigh its bytes."],
            }
            lines.append(json.dumps(record))
        (folder / f"part-{index}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def unchanged(article: Article) -> Article:
    return article


def test_a_reindex_job_shows_live_figures_then_the_exact_count(tmp_path: Path) -> None:
    folder = corpus(tmp_path / "corpus", [4, 4, 4])
    job = Job("reindex-1", "reindex", state="running")
    seen: list[dict[str, Any]] = []

    def send(batch: list[Action]) -> BulkOutcome:
        # What the job says while the cluster takes each batch.
        seen.append(job.to_dict())
        return BulkOutcome(written=len(batch))

    report = BuildReport()
    write_corpus(
        [folder],
        folder,
        "vindex-1",
        unchanged,
        send,
        max_file_bytes=1_000_000,
        progress=job_progress(job, lambda _job: None),
        report=report,
    )
    # One batch of all twelve: sent once every file is read (all figures exact then).
    assert [(s["done"], s["total"], s["exact"]) for s in seen] == [(12, 12, True)]
    assert job.progress.startswith("12 of 12 articles")
    assert report.indexed == 12 and report.files_read == 3
    report.seconds = 2.0
    record_done(job, report)
    assert (job.state, job.done, job.total, job.exact, job.seconds_left) == (
        "done",
        12,
        12,
        True,
        None,
    )
    assert job.progress == "12 articles in 2 s, 6 articles/s"


def test_figures_are_estimated_from_the_bytes_read_while_files_remain(tmp_path: Path) -> None:
    folder = corpus(tmp_path / "corpus", [3, 3, 3, 3])
    job = Job("reindex-2", "reindex", state="running")
    saved: list[tuple[int, int, bool]] = []
    factory = job_progress(job, lambda j: saved.append((j.done, j.total, j.exact)))
    files = sorted(folder.iterdir())
    sizes = [p.stat().st_size for p in files]
    progress = factory(len(files), sum(sizes))
    progress.advance(3, sizes[0])
    # A quarter of the bytes gave three articles: about twelve in all.
    assert (job.done, job.total, job.exact) == (3, 12, False)
    assert job.progress.startswith("3 of about 12 articles")
    for size in sizes[1:]:
        progress.advance(3, size)
    progress.close()
    assert (job.done, job.total, job.exact) == (12, 12, True)
    # Saved at once when made, at the first figures and when all is read.
    assert saved[0] == (0, 0, False) and saved[1] == (3, 12, False) and saved[-1] == (12, 12, True)


def test_a_failed_build_says_how_far_it_got() -> None:
    job = Job("reindex-3", "reindex", state="running", done=5000, seconds_left=3.0)
    record_failed(job, "ArchiveDamaged: the search cluster cannot be reached")
    assert (job.state, job.seconds_left) == ("failed", None)
    assert job.progress == "5,000 articles read before it failed"
    assert job.message == "ArchiveDamaged: the search cluster cannot be reached"
