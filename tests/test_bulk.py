"""The bulk segment writer (indexer/embedded/index/bulk.py) writes what Whoosh's writer writes.

The same real articles (the demo corpus, entities extracted) are indexed
twice: document by document through Whoosh's own `IndexWriter`, and in bulk
through `SegmentBuilder`. The two segments must hold the same terms with the
same postings (documents, weights, encoded values, block statistics), the
same field lengths, stored fields and columns.
"""

from __future__ import annotations

from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.query import And, Or, Phrase, Query, Term
from whoosh.reading import IndexReader
from whoosh.writing import SegmentWriter

from indexer.archive.request import SearchRequest
from indexer.embedded.index.build import DocumentLoader, update_index
from indexer.embedded.index.bulk import SegmentBuilder
from indexer.embedded.index.schema import SCHEMA_VERSION, build_schema
from indexer.embedded.index.segments import commit_segments
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.engine import Postings, evaluate
from indexer.entities.enrich import entity_enricher
from indexer.ingest.corpus import find_files


def documents(corpus: Path) -> list[dict[str, Any]]:
    loader = DocumentLoader(corpus, enrich=entity_enricher(corpus))
    found = []
    for path in find_files([corpus]):
        loaded = loader.load(path)
        assert not loaded.errors
        found.extend(document for _id, document in loaded.documents)
    return found


def one_by_one(folder: Path, docs: list[dict[str, Any]]) -> Index:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    with ix.writer() as writer:
        for document in docs:
            writer.add_document(**document)
    return ix


def in_bulk(folder: Path, docs: list[dict[str, Any]]) -> Index:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    builder = SegmentBuilder(SegmentWriter(ix, _lk=False))
    for document in docs:
        builder.add(document)
    commit_segments(folder, [builder.finish()])
    return whoosh_index.open_dir(str(folder))


def postings(reader: IndexReader, fieldname: str, text: bytes) -> list[Any]:
    matcher = reader.postings(fieldname, text)
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return found


def term_stats(reader: IndexReader, fieldname: str, text: bytes) -> tuple[Any, ...]:
    info = reader.term_info(fieldname, text)
    return (
        info.weight(),
        info.doc_frequency(),
        info.min_length(),
        info.max_length(),
        info.max_weight(),
        info.min_id(),
        info.max_id(),
    )


@pytest.fixture(scope="module")
def pair(
    demo_corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[IndexReader, IndexReader, int]:
    docs = documents(demo_corpus)
    assert len(docs) > 40
    root = tmp_path_factory.mktemp("bulk")
    whoosh_reader = one_by_one(root / "whoosh", docs).reader()
    bulk_reader = in_bulk(root / "bulk", docs).reader()
    return whoosh_reader, bulk_reader, len(docs)


def test_the_same_terms_postings_and_statistics(pair: tuple[IndexReader, IndexReader, int]) -> None:
    whoosh_reader, bulk_reader, _count = pair
    terms = list(whoosh_reader.all_terms())
    assert list(bulk_reader.all_terms()) == terms
    assert len(terms) > 5000
    spelling = {name for name, _ in terms if name.startswith("spell_")}
    assert spelling, "the titles' and leads' unstemmed words are indexed for corrections"
    for fieldname, text in terms:
        assert term_stats(bulk_reader, fieldname, text) == term_stats(
            whoosh_reader, fieldname, text
        ), (fieldname, text)
        if fieldname in spelling:
            # Whoosh writes whatever value its loop last held; nothing reads it.
            continue
        assert postings(bulk_reader, fieldname, text) == postings(whoosh_reader, fieldname, text), (
            fieldname,
            text,
        )


def test_the_same_lengths_stored_fields_and_columns(
    pair: tuple[IndexReader, IndexReader, int],
) -> None:
    whoosh_reader, bulk_reader, count = pair
    assert bulk_reader.doc_count_all() == whoosh_reader.doc_count_all() == count
    schema = whoosh_reader.schema
    for fieldname in schema.scorable_names():
        assert bulk_reader.field_length(fieldname) == whoosh_reader.field_length(fieldname)
        for docnum in range(count):
            assert bulk_reader.doc_field_length(docnum, fieldname) == (
                whoosh_reader.doc_field_length(docnum, fieldname)
            )
    for docnum in range(count):
        assert bulk_reader.stored_fields(docnum) == whoosh_reader.stored_fields(docnum)
    for fieldname in schema.names():
        if whoosh_reader.has_column(fieldname):
            assert list(bulk_reader.column_reader(fieldname, translate=False)) == list(
                whoosh_reader.column_reader(fieldname, translate=False)
            )


def test_a_segment_without_documents_is_none(tmp_path: Path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    assert SegmentBuilder(SegmentWriter(ix, _lk=False)).finish() is None


def test_segments_written_in_bulk_merge_with_whoosh_s(demo_corpus: Path, tmp_path: Path) -> None:
    """Whoosh reads every posting of a bulk segment again when it merges it."""
    docs = documents(demo_corpus)
    ix = in_bulk(tmp_path / "index", docs[:-1])
    with ix.writer() as writer:
        writer.add_document(**docs[-1])
    assert len(ix._segments()) == 2
    ix.optimize()
    assert len(ix._segments()) == 1
    with ix.searcher() as searcher:
        assert searcher.doc_count() == len(docs)
        assert list(searcher.reader().lexicon("spell_title_en"))
        assert [hit["id"] for hit in searcher.search(Term("id", docs[0]["id"]))] == [docs[0]["id"]]


# A sample of what readers ask: words, phrases, OR / NOT, prefixes, fields, filters, sorts.
QUERIES = [
    {"q": "vienna"},
    {"q": "oil prices"},
    {"q": '"prime minister"'},
    {"q": "government OR parliament"},
    {"q": "bank -central"},
    {"q": "elect*"},
    {"q": "title:talks"},
    {"q": "österreich"},
    {"q": "", "section": "World"},
    {"q": "the", "sort": "newest"},
    {"q": "minister", "per_page": "50"},
]


def results(core: SearchCore, params: dict[str, str]) -> tuple[Any, ...]:
    result = core.search(SearchRequest.from_params(params))
    hits = [(hit.id, round(hit.score, 9), hit.snippet_html) for hit in result.hits]
    facets = {name: [(v.value, v.count) for v in values] for name, values in result.facets.items()}
    return result.total, hits, facets


def test_one_file_at_a_time_and_in_bulk_search_the_same(demo_corpus: Path, tmp_path: Path) -> None:
    """Whoosh's writer (a document at a time) and the bulk build give the same answers."""
    bulk = IndexLocation(tmp_path / "bulk")
    report = update_index(bulk, demo_corpus, rebuild=True)
    assert report.rebuilt and not report.errors
    files = list(find_files([demo_corpus]))
    assert len(files) > 3
    # Every document through Whoosh's own writer, a segment per file. (Not
    # merged: Whoosh's merge sums the field lengths it stored rounded to a
    # byte, so a merged index scores a little differently, whoever wrote it.)
    step = IndexLocation(tmp_path / "step")
    generation = step.new_generation()
    loader = DocumentLoader(demo_corpus, enrich=entity_enricher(demo_corpus))
    ix = whoosh_index.open_dir(str(generation))
    for path in files:
        writer = ix.writer()
        for _id, document in loader.load(path).documents:
            writer.add_document(**document)
        writer.commit(merge=False)
    assert len(ix._segments()) == len(files)
    ix.close()
    step.publish(generation, {"schema": SCHEMA_VERSION})
    with ExitStack() as stack:
        cores = [stack.enter_context(closing(SearchCore(LiveIndex(loc)))) for loc in (bulk, step)]
        assert cores[0].search(SearchRequest()).total == report.indexed
        for params in QUERIES:
            total, hits, facets = results(cores[0], params)
            assert (total, facets) == results(cores[1], params)[::2], params
            for got, expected in zip(hits, results(cores[1], params)[1], strict=True):
                assert got == expected, params


@pytest.mark.parametrize(
    "query",
    [
        Term("body_en", "minist"),
        Or([Term("title_en", "vienna"), Term("body_en", "vienna"), Term("lead_en", "vienna")]),
        And([Term("body_en", "oil"), Term("body_en", "price")]),
        Phrase("body_en", ["prime", "minist"]),
        Phrase("body_de", ["in", "wien"]),
        Phrase("body_en", ["the", "govern"], slop=2),
        Term("person", "Rafael Mariano Grossi"),
    ],
    ids=repr,
)
def test_whoosh_s_searcher_finds_what_the_engine_finds_in_a_bulk_build(
    demo_corpus: Path, tmp_path_factory: pytest.TempPathFactory, query: Query
) -> None:
    location = IndexLocation(tmp_path_factory.getbasetemp() / "bulk-engine")
    if location.current() is None:
        update_index(location, demo_corpus, rebuild=True)
    ix = whoosh_index.open_dir(str(location.require_current()))
    with ix.searcher() as searcher:
        ids = [searcher.stored_fields(n)["id"] for n in range(searcher.doc_count_all())]
        every = np.ones(searcher.doc_count_all(), dtype=np.bool_)
        mask, scores = evaluate(query, Postings(searcher, every))
        found = {ids[n]: float(scores[n]) for n in np.flatnonzero(mask)}
        expected = {hit["id"]: hit.score for hit in searcher.search(query, limit=None)}
    ix.close()
    assert expected, "a query that finds nothing compares nothing"
    assert found == pytest.approx(expected, rel=1e-9)
