"""File signatures: a corpus file is indexed again when its bytes change, not its times."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conftest import search, startup_check, synthetic_article, write_jsonl

from indexer.embedded.index.build import update_index
from indexer.embedded.index.signatures import file_signature, quick_signature, unchanged
from indexer.embedded.index.store import IndexLocation


def _later(path: Path, seconds: int = 100) -> None:
    """A new modification time, the bytes untouched (as a copy or a restore leaves them)."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 1_000_000_000))


def test_a_signature_is_size_time_and_hash(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"id": "a"}')
    size, mtime, digest = file_signature(path, 1 << 20).split("-")
    assert (size, mtime) == tuple(quick_signature(path).split("-"))
    assert len(digest) == 32
    assert unchanged(path, file_signature(path, 1 << 20))


def test_only_regular_files_within_the_limit_are_hashed(tmp_path: Path) -> None:
    """Hashing a pipe would wait for a writer; /dev/zero would never end."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    assert file_signature(fifo, 1 << 20) == quick_signature(fifo)
    assert file_signature(Path("/dev/zero"), 1 << 20) == quick_signature(Path("/dev/zero"))
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 100)
    assert file_signature(big, 99) == quick_signature(big)


def test_new_times_same_bytes_are_unchanged_other_bytes_are_not(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"id": "a"}')
    recorded = file_signature(path, 1 << 20)
    _later(path)
    assert unchanged(path, recorded)
    path.write_text('{"id": "b"}')  # the same size, other bytes
    _later(path, 200)
    assert not unchanged(path, recorded)
    assert not unchanged(path, None)
    assert not unchanged(tmp_path / "gone.json", recorded)


def test_a_signature_without_a_hash_compares_times(tmp_path: Path) -> None:
    """Indexes built before hashes were kept: as then, a new time means a change."""
    path = tmp_path / "a.json"
    path.write_text('{"id": "a"}')
    old_style = quick_signature(path)
    assert unchanged(path, old_style)
    _later(path)
    assert not unchanged(path, old_style)


def _corpus(root: Path) -> Path:
    corpus = root / "corpus"
    for n in range(3):
        articles = [synthetic_article(10 * n + i) for i in range(10)]
        write_jsonl(corpus / f"part-{n}.jsonl", articles)
    return corpus


def test_a_copied_corpus_is_not_indexed_again(tmp_path: Path) -> None:
    """A copy or a restore gives every file a new time: an update read them all again."""
    corpus = _corpus(tmp_path)
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    copy = tmp_path / "copy"
    shutil.copytree(corpus, copy)  # shutil.copy2 keeps the times: make them new
    for path in copy.iterdir():
        _later(path)
    shutil.rmtree(corpus)
    copy.rename(corpus)
    report = update_index(location, corpus)
    assert (report.files_read, report.files_unchanged, report.indexed) == (0, 3, 0)
    assert search(location).total == 30


def test_a_file_of_the_same_size_with_other_bytes_is_indexed_again(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    path = corpus / "part-1.jsonl"
    text = path.read_text()
    first = synthetic_article(10)["title"]
    changed = "Q" + first[1:]
    path.write_text(text.replace(first, changed, 1))
    report = update_index(location, corpus)
    assert (report.files_read, report.files_unchanged) == (1, 2)
    assert search(location, changed.split()[0]).total >= 1


def test_the_servers_start_up_check_takes_a_copied_corpus_as_in_step(tmp_path: Path) -> None:
    """A server started on a copied archive reindexed it for minutes before answering."""
    corpus = _corpus(tmp_path)
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    built = location.info()
    for path in corpus.iterdir():
        _later(path)
    job = startup_check(location, corpus)
    assert job.state == "done", job.message
    assert job.message.startswith("updated: read 0 files"), job.message
    assert location.info().get("last_run") == built.get("last_run")
