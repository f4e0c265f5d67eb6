"""Stored documents decoded once per segment, shared by the index states that hold them.

Whoosh unpickles a document's stored fields from a compressed column on every
read; `documents.StoredDocuments` keeps them by (segment, document), so a
document shown again, or shown again after an upload made a new state, is not
decoded again. Proven by identity (the same fields object) and by equality
with Whoosh's own read over a state of several segments.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_app import copy_of_site, demo_site, json_upload
from waiting import HANG

from indexer.archive.request import SearchRequest
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.documents import DocumentCache
from indexer.embedded.search.states import IndexState
from indexer.embedded.writer import Writer


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_site(tmp_path_factory) / "index"


@pytest.fixture
def site(demo_index: Path, tmp_path: Path) -> Iterator[tuple[SearchCore, Writer]]:
    root = copy_of_site(demo_index.parent, tmp_path / "site")
    location = IndexLocation(root / "index")
    core = SearchCore(LiveIndex(location))
    writer = Writer(location, root / "corpus")
    writer.start()
    yield core, writer
    writer.stop()
    core.close()


def _upload(writer: Writer, n: int) -> None:
    article = {
        "id": f"doc-upload-{n}",
        "title": f"Qwzx blorft {n}",
        "body": "Zqxian plinths were frobnicated.",
        "published": "1901-01-01 10:00",
        "language": "en",
    }
    writer.upload([json_upload(article)]).result(HANG)


def _state(core: SearchCore) -> IndexState:
    core.search(SearchRequest())
    state = core._state
    assert state is not None
    return state


def test_every_document_of_several_segments_is_whooshs_own(
    site: tuple[SearchCore, Writer],
) -> None:
    core, writer = site
    for n in range(2):
        _upload(writer, n)  # each upload adds a segment
    state = _state(core)
    assert len(state.searcher.reader().leaf_readers()) >= 3
    for docnum in range(state.searcher.doc_count_all()):
        assert state.stored(docnum) == state.searcher.stored_fields(docnum)


def test_a_document_is_decoded_once_and_again_found_after_an_upload(
    site: tuple[SearchCore, Writer],
) -> None:
    core, writer = site
    before = _state(core)
    first = before.stored(0)
    assert before.stored(0) is first  # kept, not decoded again
    _upload(writer, 9)
    after = _state(core)
    assert after is not before
    # The old segment's document, in the new state: the same decoded fields.
    assert after.stored(0) is first
    shown = core.search(SearchRequest.from_params({"q": ["qwzx"]}))
    assert [hit.id for hit in shown.hits] == ["doc-upload-9"]


def test_the_cache_keeps_the_most_recent_and_forgets_gone_segments() -> None:
    cache = DocumentCache(size=2)
    segment_a, segment_b = ("a", 10), ("b", 5)
    for number in range(3):
        cache.put((segment_a, number), {"id": str(number)})
    assert cache.get((segment_a, 0)) is None  # the least recently used went
    assert cache.get((segment_a, 2)) == {"id": "2"}
    cache.put((segment_b, 0), {"id": "b0"})
    assert len(cache) == 2
    cache.keep_only({segment_b})
    assert len(cache) == 1 and cache.get((segment_b, 0)) == {"id": "b0"}
