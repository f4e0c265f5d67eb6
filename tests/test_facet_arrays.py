"""Facet arrays and word lists stored beside their segments: the same answers, a safe fallback.

A build stores each segment's facet arrays and word lists in its generation
folder; the search core loads them instead of deriving them from the
columns and the term dictionary. Built from the demo corpus, and through
the server's writer on a small site.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from api_app import demo_index
from conftest import core_over, startup_check, synthetic_article
from waiting import HANG
from whoosh.index import TOC
from whoosh.query import Prefix

from indexer.archive.request import SearchRequest
from indexer.editing.writes import NewFile, Outcome
from indexer.embedded.index import facet_arrays, word_lists
from indexer.embedded.index.build import update_index
from indexer.embedded.index.columns import live_documents
from indexer.embedded.index.facet_arrays import (
    SUFFIX,
    SegmentArrays,
    derive,
    encode,
    file_name,
    load,
    segment_arrays,
)
from indexer.embedded.index.store import MAIN, IndexLocation, open_generation
from indexer.embedded.search.facets import KINDS, FacetData, _merged_order
from indexer.embedded.search.lexicon import Lexicon
from indexer.embedded.writer import Writer
from indexer.system.files import TEMPORARY_PREFIX, TEMPORARY_SUFFIX

REQUESTS = [
    {"q": ""},
    {"q": "vienna"},
    {"q": "energy", "sort": "newest"},
    {"q": "", "section": "Politics"},
    {"q": "minister", "year": "2024"},
    # Prefixes and fuzzy words expand over the word lists; a misspelling is corrected.
    {"q": "minis* OR ener*"},
    {"q": "energi~1"},
    {"q": "viena nuclar"},
]


@pytest.fixture
def demo_copy(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> IndexLocation:
    """A copy of the demo archive's index, which the test may change."""
    shutil.copytree(demo_index(tmp_path_factory), tmp_path / "index", symlinks=True)
    return IndexLocation(tmp_path / "index")


def stored_files(generation: Path, suffix: str = SUFFIX) -> set[str]:
    return {path.name for path in generation.iterdir() if path.name.endswith(suffix)}


def listed_segments(generation: Path) -> dict[str, int]:
    """{segment id: documents} of the generation's latest table of contents."""
    ix = open_generation(generation)
    try:
        with ix.reader() as reader:
            return {
                leaf.segment().segment_id(): leaf.doc_count_all()
                for leaf, _ in reader.leaf_readers()
            }
    finally:
        ix.close()


def assert_same(stored: SegmentArrays, derived: SegmentArrays) -> None:
    assert stored.timestamps.tolist() == derived.timestamps.tolist()
    assert stored.newest_first.tolist() == derived.newest_first.tolist()
    assert list(stored.tables) == list(derived.tables) == list(KINDS)
    for name, table in stored.tables.items():
        other = derived.tables[name]
        assert table.names == other.names, name
        assert table.offsets.tolist() == other.offsets.tolist(), name
        assert table.values.tolist() == other.values.tolist(), name
        assert table.values.dtype == np.int32


def all_counts(facets: FacetData, live: Any) -> dict[str, list[tuple[str, int]]]:
    return {name: [(v.value, v.count) for v in facets.counts(name, live)[0]] for name in KINDS}


def answers(location: IndexLocation) -> list[dict[str, Any]]:
    """What the search core answers to some requests, without the timings."""
    got = []
    for core in core_over(location):
        for params in REQUESTS:
            result = core.search(SearchRequest.from_params(params)).to_dict()
            result.pop("took_ms", None)
            got.append(result)
    return got


def test_a_build_stores_arrays_equal_to_those_derived_from_the_columns(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    location = IndexLocation(demo_index(tmp_path_factory))
    generation = location.require_current()
    segments = listed_segments(generation)
    assert stored_files(generation) == {f"{segment}{SUFFIX}" for segment in segments}
    ix = open_generation(generation)
    try:
        with ix.reader() as reader:
            for leaf, _ in reader.leaf_readers():
                stored = load(generation, leaf)
                assert stored is not None
                assert_same(stored, derive(leaf))
            live = live_documents(reader)
            assert all_counts(FacetData(reader, folder=generation), live) == all_counts(
                FacetData(reader), live
            )
    finally:
        ix.close()


def test_searches_answer_the_same_with_stored_arrays_and_without(
    demo_copy: IndexLocation,
) -> None:
    with_files = answers(demo_copy)
    generation = demo_copy.require_current()
    for name in stored_files(generation, ".npz"):
        (generation / name).unlink()
    assert answers(demo_copy) == with_files
    by_words = {params["q"]: result for params, result in zip(REQUESTS, with_files, strict=False)}
    assert by_words["vienna"]["total"] and by_words["minis* OR ener*"]["total"]
    assert by_words["energi~1"]["total"]
    assert by_words["viena nuclar"]["suggestion"] == "Vienna nuclear"


def test_a_build_stores_each_segments_word_lists_as_whoosh_reads_them(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    location = IndexLocation(demo_index(tmp_path_factory))
    generation = location.require_current()
    segments = listed_segments(generation)
    assert stored_files(generation, word_lists.SUFFIX) == {
        f"{segment}{word_lists.SUFFIX}" for segment in segments
    }
    ix = open_generation(generation)
    try:
        with ix.reader() as reader:
            fields = word_lists.stored_fields(reader.schema)
            assert "body_en" in fields and "spell_title_en" in fields
            for leaf, _ in reader.leaf_readers():
                for fieldname in fields:
                    stored = word_lists.load(generation, leaf, fieldname)
                    assert stored is not None
                    words, frequencies = word_lists.read_words(leaf, fieldname)
                    assert stored[0] == words
                    assert stored[1].tolist() == frequencies.tolist()
                # A field not stored (ids are no words to expand) is read from Whoosh.
                assert word_lists.load(generation, leaf, "id") is None
            assert any(
                word_lists.read_words(leaf, "body_en")[0] for leaf, _ in reader.leaf_readers()
            )
    finally:
        ix.close()


@pytest.mark.parametrize("spoil", ["missing", "torn", "other count"])
def test_word_lists_that_do_not_fit_are_read_from_whoosh(
    demo_copy: IndexLocation, spoil: str
) -> None:
    generation = demo_copy.require_current()
    ix = open_generation(generation)
    try:
        with ix.reader() as reader:
            for leaf, _ in reader.leaf_readers():
                path = generation / word_lists.file_name(leaf.segment())
                if spoil == "missing":
                    path.unlink()
                elif spoil == "torn":
                    path.write_bytes(path.read_bytes()[:100])
                else:
                    with np.load(path) as npz:
                        arrays = {name: npz[name] for name in npz.files}
                    arrays["meta"] = np.array([word_lists.FORMAT_VERSION, leaf.doc_count_all() + 1])
                    with open(path, "wb") as handle:
                        np.savez(handle, **arrays)
                assert word_lists.load(generation, leaf, "body_en") is None
            lexicon = Lexicon(reader, folder=generation)
            plain = Lexicon(reader)
            for prefix in ("min", "ener", "v"):
                query = Prefix("body_en", prefix)
                assert lexicon.expand(query) == plain.expand(query)
                assert lexicon.expand(query).words
    finally:
        ix.close()


def _truncated(path: Path, leaf: Any) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _overwritten(path: Path, leaf: Any) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))


def _not_a_zip(path: Path, leaf: Any) -> None:
    path.write_bytes(b"not an array file")


def _other_count(path: Path, leaf: Any) -> None:
    data = encode(derive(leaf), leaf.segment().segment_id(), leaf.doc_count_all() + 1)
    assert data is not None
    path.write_bytes(data)


def _other_version(path: Path, leaf: Any) -> None:
    with np.load(path) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["meta"] = np.array([facet_arrays.FORMAT_VERSION + 1, leaf.doc_count_all()])
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def _other_segment(path: Path, leaf: Any) -> None:
    data = encode(derive(leaf), "MAIN_someothersegment", leaf.doc_count_all())
    assert data is not None
    path.write_bytes(data)


def _missing(path: Path, leaf: Any) -> None:
    path.unlink()


@pytest.mark.parametrize(
    "spoil",
    [_missing, _truncated, _overwritten, _not_a_zip, _other_count, _other_version, _other_segment],
)
def test_a_missing_damaged_or_foreign_file_is_derived_from_the_columns_instead(
    demo_copy: IndexLocation, spoil: Any
) -> None:
    generation = demo_copy.require_current()
    ix = open_generation(generation)
    try:
        with ix.reader() as reader:
            live = live_documents(reader)
            expected = all_counts(FacetData(reader), live)
            for leaf, _ in reader.leaf_readers():
                spoil(generation / file_name(leaf.segment()), leaf)
                assert load(generation, leaf) is None
                assert_same(segment_arrays(leaf, generation), derive(leaf))
            assert all_counts(FacetData(reader, folder=generation), live) == expected
    finally:
        ix.close()


def test_each_facet_kind_reads_the_index_layers_column_of_its_name() -> None:
    assert list(KINDS) == list(facet_arrays.FACET_COLUMNS)
    assert all(kind.source is facet_arrays.FACET_COLUMNS[name] for name, kind in KINDS.items())


def test_segments_orders_merge_into_one_with_equal_times_in_document_order() -> None:
    rng = np.random.default_rng(5)
    parts = []
    for size in (7, 0, 120, 1, 40):
        # Few distinct times, 0 (no date) among them: many ties within and across segments.
        times = rng.choice([0.0, 5.0, 9.0, 1e9], size).astype(np.float64)
        parts.append(SegmentArrays(times, {}, np.argsort(-times, kind="stable")))
    merged = _merged_order(parts)
    everything = np.concatenate([p.timestamps for p in parts])
    assert merged.tolist() == np.argsort(-everything, kind="stable").tolist()
    assert _merged_order([]).tolist() == []


def test_the_file_is_named_so_that_whoosh_removes_it_with_its_segment() -> None:
    pattern = TOC._segment_pattern(MAIN)
    segment_id = f"{MAIN}_abc123xyz"

    class Segment:
        def segment_id(self) -> str:
            return segment_id

    for name in (file_name(Segment()), word_lists.file_name(Segment())):
        matched = pattern.match(name)
        assert matched is not None and matched.group(1) == segment_id
    assert re.fullmatch(r"[^.]+\.facets\.npz", file_name(Segment()))
    assert re.fullmatch(r"[^.]+\.words\.npz", word_lists.file_name(Segment()))


def new_file(name: str, *articles: dict[str, object]) -> NewFile:
    lines = "".join(json.dumps(a) + "\n" for a in articles)
    return NewFile(name, lines.encode(), [Outcome("pending", str(a["id"])) for a in articles])


def test_after_the_writers_commits_big_segments_have_files_and_gone_ones_none(
    writer: Writer, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The site's segments are small: every segment of two documents or more
    # counts as big here, so that Whoosh's merges of uploads make big ones.
    monkeypatch.setattr(facet_arrays, "SAVE_MIN_DOCS", 2)
    location = IndexLocation(site / "index")
    generation = location.require_current()
    [built] = listed_segments(generation)
    # A segment without its file (an index of older code) gets one with the next commit.
    (generation / f"{built}{SUFFIX}").unlink()
    (generation / f"{built}{word_lists.SUFFIX}").unlink()
    seen: set[str] = set()
    for n in range(8):
        writer.upload([new_file(f"up-{n}.jsonl", synthetic_article(n, "up"))]).result(HANG)
        segments = listed_segments(generation)
        seen |= segments.keys()
        big = {s for s, count in segments.items() if count >= 2}
        # Files of segments Whoosh merged away went with them.
        assert stored_files(generation) == {f"{s}{SUFFIX}" for s in big}
        assert stored_files(generation, word_lists.SUFFIX) == {
            f"{s}{word_lists.SUFFIX}" for s in big
        }
    # Whoosh merged the uploads' one-document segments at some commit.
    merged = {s for s, count in segments.items() if s != built and count >= 2}
    assert merged
    assert len(seen) > len(segments)
    assert not writer.recent_errors
    ix = open_generation(generation)
    try:
        with ix.reader() as reader:
            # The segments' newest-first orders merge into the order of a sort of all times.
            facets = FacetData(reader, folder=generation)
            expected = np.argsort(-facets.timestamps, kind="stable")
            assert facets.newest_first.tolist() == expected.tolist()
            for leaf, _ in reader.leaf_readers():
                if leaf.segment().segment_id() in merged:
                    stored = load(generation, leaf)
                    assert stored is not None
                    assert_same(stored, derive(leaf))
    finally:
        ix.close()


def test_a_servers_start_up_check_stores_what_an_older_index_lacks(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facet_arrays, "SAVE_MIN_DOCS", 2)
    location = IndexLocation(site / "index")
    generation = location.require_current()
    for name in stored_files(generation, ".npz"):
        (generation / name).unlink()
    job = startup_check(location, site / "corpus")
    assert job.state == "done", job.message
    # The index was in step: nothing was indexed, the files were only added.
    assert location.require_current() == generation
    [segment] = listed_segments(generation)
    assert stored_files(generation, ".npz") == {
        f"{segment}{SUFFIX}",
        f"{segment}{word_lists.SUFFIX}",
    }


def test_a_rebuild_takes_the_old_generations_files_with_it(site: Path) -> None:
    location = IndexLocation(site / "index")
    old = location.require_current()
    assert stored_files(old)
    update_index(location, site / "corpus", rebuild=True)
    new = location.require_current()
    assert new != old and not old.exists()
    assert stored_files(new) == {f"{s}{SUFFIX}" for s in listed_segments(new)}
    assert stored_files(new, word_lists.SUFFIX) == {
        f"{s}{word_lists.SUFFIX}" for s in listed_segments(new)
    }


def test_a_killed_writers_temporary_file_is_removed(site: Path) -> None:
    location = IndexLocation(site / "index")
    generation = location.require_current()
    # A process that no longer runs: the largest pid there can be, plus one.
    dead = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    leftover = generation / f"{TEMPORARY_PREFIX}{dead}-abc{TEMPORARY_SUFFIX}"
    leftover.write_bytes(b"half an array file")
    mine = generation / f"{TEMPORARY_PREFIX}{os.getppid()}-abc{TEMPORARY_SUFFIX}"
    mine.write_bytes(b"being written")
    location.clean()
    assert not leftover.exists()
    assert mine.exists()
