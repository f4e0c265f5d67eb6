"""The bulk segment writer (indexer/embedded/index/bulk.py) writes what Whoosh's writer writes.

The same real articles (the demo corpus, entities extracted) are indexed
twice: document by document through Whoosh's own `IndexWriter`, and in bulk
through `SegmentBuilder`. The two segments must hold the same terms with the
same postings (documents, weights, encoded values, block statistics), the
same field lengths, stored fields and columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.query import Term
from whoosh.reading import IndexReader
from whoosh.writing import SegmentWriter

from indexer.embedded.index.build import DocumentLoader
from indexer.embedded.index.bulk import SegmentBuilder
from indexer.embedded.index.schema import build_schema
from indexer.embedded.index.segments import commit_segments
from indexer.entities.enrich import entity_enricher
from indexer.ingest.corpus import find_files


def documents(corpus: Path) -> list[dict[str, Any]]:
    loader = DocumentLoader(corpus, enrich=entity_enricher(corpus))
    found = []
    for position, path in enumerate(find_files([corpus])):
        docs, errors = loader(position, path)
        assert not errors
        found.extend(document for _id, document in docs)
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
