"""Building and updating the index: incremental by files, rebuilds, ids, errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import run_cli, search, synthetic_article, write_json, write_jsonl

from indexer.embedded.index.build import update_index
from indexer.embedded.index.filesigs import FILES
from indexer.embedded.index.schema import SCHEMA_VERSION
from indexer.embedded.index.store import IndexLocation
from indexer.embedded.search.stats import index_stats


def ids_in(location: IndexLocation) -> set[str]:
    ix = location.open()
    try:
        with ix.searcher() as searcher:
            return {fields["id"] for fields in searcher.all_stored_fields()}
    finally:
        ix.close()


def test_first_build_indexes_every_article(corpus: Path, tmp_path: Path) -> None:
    location = IndexLocation(tmp_path / "index")
    report = update_index(location, corpus)
    assert report.rebuilt
    assert (report.files_read, report.indexed, report.failed) == (3, 5, 0)
    assert ids_in(location) == {"t-0", "t-1", "t-2", "t-100", "osce-conference"}
    stats = index_stats(location)
    assert stats.articles == 5
    assert stats.sections["Organizations"] == 4
    assert stats.sections["Organizations > OSCE"] == 2
    assert stats.years == {"2019": 1, "2020": 1, "2021": 2, "2024": 1}
    assert stats.built is not None


def test_unchanged_files_are_skipped(corpus: Path, tmp_path: Path) -> None:
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    report = update_index(location, corpus)
    assert not report.rebuilt
    assert (report.files_read, report.files_unchanged, report.indexed) == (0, 3, 0)


def test_new_changed_and_deleted_files(corpus: Path, tmp_path: Path) -> None:
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    generation = location.current()
    write_json(corpus / "new.json", synthetic_article(7))
    # Changed: one article edited, one dropped from the file.
    edited = synthetic_article(0)
    edited["title"] = "Danube shipping resumes"
    write_jsonl(corpus / "batch.jsonl", [edited, synthetic_article(1)])
    os.utime(corpus / "batch.jsonl", ns=(1, 1))  # a different mtime, whatever the clock
    (corpus / "2023" / "single.json").unlink()

    report = update_index(location, corpus)

    assert location.current() == generation, "an update writes in place, no new generation"
    # The edited and the new article are indexed; t-1, the same in the changed
    # file, is kept as it was indexed.
    assert (report.files_read, report.indexed, report.removed) == (2, 2, 2)
    assert report.articles_unchanged == 1
    assert ids_in(location) == {"t-0", "t-1", "t-7", "osce-conference"}
    assert search(location, "danube shipping").hits[0].id == "t-0"


def test_update_of_named_files_leaves_others_alone(corpus: Path, tmp_path: Path) -> None:
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus / "batch.jsonl")
    assert ids_in(location) == {"t-0", "t-1", "t-2"}
    update_index(location, corpus, [corpus / "2024"])
    assert ids_in(location) == {"t-0", "t-1", "t-2", "osce-conference"}


def test_duplicate_id_in_another_file_is_refused(corpus: Path, tmp_path: Path) -> None:
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    copy = synthetic_article(100)
    copy["title"] = "An impostor"
    write_json(corpus / "zz-copy.json", copy)
    report = update_index(location, corpus)
    assert [str(e) for e in report.errors] == [
        f"{corpus / 'zz-copy.json'}: duplicate id 't-100': already used in 2023/single.json"
    ]
    ix = location.open()
    with ix.searcher() as searcher:
        assert searcher.document(id="t-100")["title"] != "An impostor"
    ix.close()


def test_an_update_of_named_files_looks_up_what_concerns_them(corpus: Path, tmp_path: Path) -> None:
    """Named files (an upload, a removal) are checked against the index id by id."""
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    before = ids_in(location)
    # An id another file holds is refused; the file's other article goes in.
    copy = synthetic_article(100)
    copy["title"] = "An impostor"
    write_jsonl(corpus / "zz-batch.jsonl", [copy, synthetic_article(900)])
    report = update_index(location, corpus, [corpus / "zz-batch.jsonl"])
    assert [str(e) for e in report.errors] == [
        f"{corpus / 'zz-batch.jsonl'}: duplicate id 't-100': already used in 2023/single.json"
    ]
    assert (report.indexed, report.removed, report.files_read) == (1, 0, 1)
    assert ids_in(location) == before | {"t-900"}
    # The same file again, unchanged: skipped; then changed: its ids are its own.
    assert update_index(location, corpus, [corpus / "zz-batch.jsonl"]).files_unchanged == 1
    write_jsonl(corpus / "zz-batch.jsonl", [synthetic_article(900), synthetic_article(901)])
    report = update_index(location, corpus, [corpus / "zz-batch.jsonl"])
    assert (report.indexed, report.articles_unchanged, report.removed) == (1, 1, 0)
    assert not report.errors
    # Removed: its articles leave, nothing else does.
    (corpus / "zz-batch.jsonl").unlink()
    report = update_index(location, corpus, [], removed=[corpus / "zz-batch.jsonl"])
    assert report.removed == 2
    assert ids_in(location) == before


def test_rebuild_swaps_in_a_new_generation_and_keeps_the_previous_while_it_is_read(
    corpus: Path, tmp_path: Path
) -> None:
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    first = location.current()
    # A reader that opened the index just before the swap.
    reader = location.open()
    write_json(corpus / "new.json", synthetic_article(8))
    report = update_index(location, corpus, rebuild=True)
    assert report.rebuilt and report.indexed == 6
    assert location.current() != first
    # The previous generation stays for the reader that still holds it.
    assert first is not None and first.exists()
    assert reader.doc_count() == 5
    reader.close()
    update_index(location, corpus, rebuild=True)
    assert not first.exists(), "older generations are cleaned up"
    assert location.generations() == [location.current()]


def test_bad_files_are_named_and_the_rest_indexed(corpus: Path, tmp_path: Path) -> None:
    (corpus / "broken.json").write_text('{"title": "x",', encoding="utf-8")
    (corpus / "empty.json").write_text("", encoding="utf-8")
    write_json(corpus / "nodate.json", {"title": "No date", "body": "Text."})
    location = IndexLocation(tmp_path / "index")
    report = update_index(location, corpus)
    assert report.indexed == 5
    assert sorted(str(e) for e in report.errors) == [
        f"{corpus / 'broken.json'}: line 1: invalid JSON: Expecting property name enclosed "
        "in double quotes (column 15)",
        f"{corpus / 'empty.json'}: empty file",
        f"{corpus / 'nodate.json'}: field 'published': required and missing",
    ]
    info = json.loads((location.require_current() / "build.json").read_text())
    assert info["last_run"]["failed"] == 3
    # A failed file is tried again on the next run (and fails again, loudly),
    # after a rebuild and after an update alike.
    assert update_index(location, corpus).failed == 3
    assert update_index(location, corpus).failed == 3


def test_schema_change_forces_a_rebuild(corpus: Path, tmp_path: Path) -> None:
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    generation = location.require_current()
    info = location.info(generation)
    info["schema"] = -1
    location.write_info(generation, info)
    assert update_index(location, corpus).rebuilt


def test_a_plain_vindex_index_rebuilds_an_index_of_the_previous_schema(
    corpus: Path, tmp_path: Path
) -> None:
    # What `make run` does on a machine whose index an older version built.
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    old = location.require_current()
    info = location.info(old)
    info["schema"] = SCHEMA_VERSION - 1
    location.write_info(old, info)
    done = run_cli("index", "--index", str(location.root), "--corpus", str(corpus))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rebuilt:"), done.stdout
    assert location.require_current() != old
    assert location.info()["schema"] == SCHEMA_VERSION
    # The new schema's index: stop words are searchable.
    assert search(location, "the conference").total == 1


def test_a_forced_rebuild_for_named_files_keeps_the_whole_corpus(
    corpus: Path, tmp_path: Path
) -> None:
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    everything = ids_in(location)
    generation = location.require_current()
    info = location.info(generation)
    info["schema"] = -1
    location.write_info(generation, info)
    # An edit of one file, but the index needs a rebuild: all of it is rebuilt.
    report = update_index(location, corpus, [corpus / "2024" / "osce.json"])
    assert report.rebuilt
    assert ids_in(location) == everything
    # So is an explicit rebuild of named files.
    assert update_index(location, corpus, [corpus / "batch.jsonl"], rebuild=True).rebuilt
    assert ids_in(location) == everything


def test_parallel_rebuild_gives_the_same_index(corpus: Path, tmp_path: Path) -> None:
    serial = IndexLocation(tmp_path / "serial")
    parallel = IndexLocation(tmp_path / "parallel")
    update_index(serial, corpus, workers=1)
    report = update_index(parallel, corpus, workers=2)
    assert (report.files_read, report.indexed, report.failed) == (3, 5, 0)
    assert ids_in(parallel) == ids_in(serial)
    for name in ("articles", "sections", "languages", "years"):
        assert getattr(index_stats(parallel), name) == getattr(index_stats(serial), name)
    ix = parallel.open()
    with ix.reader() as reader:
        assert len(reader.leaf_readers()) == 2, "one segment per worker, not merged"
    assert search(parallel, "review conference").hits[0].id == "osce-conference"
    ix.close()
    # Later updates work on the multi-segment index like on any other.
    write_json(corpus / "new.json", synthetic_article(9))
    assert update_index(parallel, corpus).indexed == 1
    assert len(ids_in(parallel)) == 6


def test_parallel_rebuild_keeps_an_id_for_the_first_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "a.jsonl", [synthetic_article(i) for i in range(50)])
    clash = synthetic_article(7)
    clash["title"] = "The second holder"
    write_jsonl(corpus / "b.jsonl", [clash, synthetic_article(60)])
    location = IndexLocation(tmp_path / "index")
    report = update_index(location, corpus, workers=2)
    assert [str(e) for e in report.errors] == [
        f"{corpus / 'b.jsonl'}: duplicate id 't-7': already used in a.jsonl"
    ]
    assert report.indexed == 51
    ix = location.open()
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 51
        assert searcher.document(id="t-7")["file"] == "a.jsonl"
    ix.close()


def test_a_changed_file_reindexes_only_its_changed_articles(tmp_path: Path) -> None:
    """One article of a 40-article file edited: that one is indexed again, the rest kept."""
    corpus = tmp_path / "corpus"
    original = [synthetic_article(n) for n in range(40)]
    write_jsonl(corpus / "wire.jsonl", original)
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    edited = [dict(a) for a in original]
    edited[7]["title"] = "Danube shipping resumes"
    write_jsonl(corpus / "wire.jsonl", edited)
    report = update_index(location, corpus)
    assert (report.indexed, report.articles_unchanged, report.removed) == (1, 39, 0)
    assert search(location, "danube shipping").hits[0].id == "t-7"
    assert update_index(location, corpus).files_unchanged == 1
    # Written back as it first was (the same bytes): its first version is indexed again,
    # although the 39 kept articles still carry that version's file signature.
    write_jsonl(corpus / "wire.jsonl", original)
    report = update_index(location, corpus)
    assert (report.files_read, report.indexed, report.articles_unchanged) == (1, 1, 39)
    assert search(location, "danube shipping").total == 0
    assert ids_in(location) == {a["id"] for a in original}


def test_without_its_table_of_file_signatures_an_update_reads_every_file_again(
    corpus: Path, tmp_path: Path
) -> None:
    """The table is written after the commit: lost (or behind), files are read and
    compared article by article, and nothing is indexed twice."""
    location = IndexLocation(tmp_path / "index")
    first = update_index(location, corpus)
    (location.require_current() / FILES).unlink()
    report = update_index(location, corpus)
    assert report.files_read == first.files_read
    assert (report.indexed, report.articles_unchanged) == (0, first.indexed)
    assert update_index(location, corpus).files_read == 0
    assert len(ids_in(location)) == first.indexed
