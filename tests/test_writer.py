"""The writer on its own: a real index and real corpus files, without the web app.

Adds, replacements, removals and a reindex go through the writer's queue and
thread as the server's do; what the index holds afterwards is read back from
the index (`load_owners`), what the corpus holds from its files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import synthetic_article
from waiting import HANG

from indexer.editing.trash import entries
from indexer.editing.writes import NewFile, Outcome, WriteFailed
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.embedded.owners import load_owners
from indexer.embedded.writer import Writer

FORMATS = Path(__file__).parent / "fixtures" / "formats"


def new_file(name: str, *articles: dict[str, object]) -> NewFile:
    lines = "".join(json.dumps(a) + "\n" for a in articles)
    return NewFile(name, lines.encode(), [Outcome("pending", str(a["id"])) for a in articles])


def indexed(site: Path) -> dict[str, str]:
    """{article id: file} as the index holds them."""
    return load_owners(IndexLocation(site / "index")).holder


def test_an_upload_is_written_into_uploads_and_indexed(writer: Writer, site: Path) -> None:
    outcomes = writer.upload([new_file("new.jsonl", synthetic_article(7, "new"))]).result(HANG)
    assert [o.to_dict() for o in outcomes] == [
        {"status": "created", "id": "new-7", "file": "uploads/new.jsonl"}
    ]
    assert (site / "corpus" / "uploads" / "new.jsonl").is_file()
    assert indexed(site)["new-7"] == "uploads/new.jsonl"
    assert writer.recent_writes[0]["id"] == "new-7"


def test_a_replacement_takes_the_id_out_of_the_file_that_held_it(
    writer: Writer, site: Path
) -> None:
    changed = {**synthetic_article(1), "title": "Replaced"}
    outcomes = writer.upload([new_file("t-1.json", changed)]).result(HANG)
    assert [(o.status, o.file) for o in outcomes] == [("updated", "uploads/t-1.json")]
    # The JSONL file that held t-1 with two others is rewritten without it.
    kept = (site / "corpus" / "batch.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in kept] == ["t-0", "t-2"]
    held = indexed(site)
    assert held["t-1"] == "uploads/t-1.json"
    assert held["t-0"] == held["t-2"] == "batch.jsonl"
    [entry] = entries(site / "corpus")
    assert entry.ids == ("t-1",) and entry.reason == "replaced by an upload"


def test_a_delete_of_a_whole_file_trashes_it(writer: Writer, site: Path) -> None:
    outcome = writer.delete("t-100").result(HANG)
    assert outcome.to_dict() == {"status": "deleted", "id": "t-100", "file": "2023/single.json"}
    assert not (site / "corpus" / "2023" / "single.json").exists()
    assert "t-100" not in indexed(site)
    [entry] = entries(site / "corpus")
    assert (entry.ids, entry.original) == (("t-100",), "2023/single.json")


def test_a_delete_of_an_unknown_id_is_missing_and_changes_nothing(
    writer: Writer, site: Path
) -> None:
    before = IndexLocation(site / "index").state_key()
    outcome = writer.delete("nobody").result(HANG)
    assert outcome.to_dict() == {
        "status": "missing",
        "id": "nobody",
        "reasons": ["no article with the id nobody"],
    }
    assert IndexLocation(site / "index").state_key() == before


def test_a_reindex_builds_a_new_generation_and_reports_it(writer: Writer, site: Path) -> None:
    location = IndexLocation(site / "index")
    before = location.current()
    job = writer.reindex()
    # One queue, taken in order: the answer to a write queued after the job comes after it.
    writer.delete("nobody").result(HANG)
    assert writer.job(job.id) is job
    # Articles, not files: the corpus's 5 articles in 3 files.
    assert (job.state, job.done, job.total, job.failed) == ("done", 5, 5, 0)
    assert job.exact and job.progress.startswith("5 articles in ")
    assert job.message.startswith("rebuilt: read 3 files")
    assert location.current() != before
    assert len(indexed(site)) == 5


def test_a_failed_write_is_reported_and_the_next_one_goes_through(
    writer: Writer, site: Path
) -> None:
    # A file where the uploads folder should be: the write cannot be made.
    blocker = site / "corpus" / "uploads"
    blocker.write_text("not a folder")
    future = writer.upload([new_file("x.jsonl", synthetic_article(8, "x"))])
    with pytest.raises(WriteFailed, match=r"^FileExistsError: .*uploads'$"):
        future.result(HANG)
    job = writer.jobs[next(reversed(writer.jobs))]
    assert (job.kind, job.state) == ("upload", "failed")
    assert writer.recent_errors[0].endswith(f" upload failed: {job.message}")
    # The index's write lock was let go: the next write takes it and is done.
    blocker.unlink()
    outcomes = writer.upload([new_file("y.jsonl", synthetic_article(9, "y"))]).result(HANG)
    assert [o.status for o in outcomes] == ["created"]
    assert indexed(site)["y-9"] == "uploads/y.jsonl"


def test_a_delete_from_a_json_list_rewrites_the_list_without_it(writer: Writer, site: Path) -> None:
    corpus = site / "corpus"
    pair = [synthetic_article(30, "list"), synthetic_article(31, "list")]
    (corpus / "pair.json").write_text(json.dumps(pair), encoding="utf-8")
    update_index(IndexLocation(site / "index"), corpus)
    outcome = writer.delete("list-30").result(HANG)
    assert (outcome.status, outcome.file) == ("deleted", "pair.json")
    assert [a["id"] for a in json.loads((corpus / "pair.json").read_text())] == ["list-31"]
    held = indexed(site)
    assert "list-30" not in held and held["list-31"] == "pair.json"
    [entry] = entries(corpus)
    assert json.loads(entry.file.read_text())["id"] == "list-30"


def test_one_article_of_a_feed_cannot_be_taken_out_of_it(writer: Writer, site: Path) -> None:
    corpus = site / "corpus"
    shutil.copy(FORMATS / "feed.rss", corpus / "feed.rss")
    update_index(IndexLocation(site / "index"), corpus)
    outcome = writer.delete("osce-security-review-2023").result(HANG)
    assert outcome.to_dict() == {
        "status": "rejected",
        "id": "osce-security-review-2023",
        "file": "feed.rss",
        "reasons": [
            "feed.rss holds osce-security-review-2023 with other articles in a format that "
            "cannot be rewritten here; edit or remove that file"
        ],
    }
    assert (corpus / "feed.rss").read_bytes() == (FORMATS / "feed.rss").read_bytes()
    assert indexed(site)["osce-security-review-2023"] == "feed.rss"
