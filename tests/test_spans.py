"""A request's span: its reads share one search turn and one index state.

A page reads the core two to four times; each read took its own turn (and
queued behind every other request again) and took the current state under
the core's lock. In a span (`SearchCore.span`, `Backend.serving`) the first
read takes both and the span keeps them to its end. Proven with events, not
timing: with one turn, a second thread's search waits exactly while the span
holds it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_app import copy_of_site, demo_site, json_upload
from waiting import HANG, wait_until

from indexer.archive.errors import ArchiveMissing
from indexer.archive.request import SearchRequest
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore
from indexer.embedded.writer import Writer

EVERYTHING = SearchRequest()


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_site(tmp_path_factory) / "index"


@pytest.fixture
def site(demo_index: Path, tmp_path: Path) -> Iterator[tuple[SearchCore, Writer]]:
    """A copy of the demo site, a core with one turn, and its writer."""
    root = copy_of_site(demo_index.parent, tmp_path / "site")
    location = IndexLocation(root / "index")
    core = SearchCore(LiveIndex(location), concurrency=1)
    writer = Writer(location, root / "corpus")
    writer.start()
    yield core, writer
    writer.stop()
    core.close()


def _upload(writer: Writer) -> None:
    article = {
        "id": "span-upload",
        "title": "Qwzx blorft",
        "body": "Zqxian plinths were frobnicated.",
        "published": "1901-01-01 10:00",
        "language": "en",
    }
    writer.upload([json_upload(article)]).result(HANG)


def test_a_span_reads_one_state_and_the_next_read_the_new_one(
    site: tuple[SearchCore, Writer],
) -> None:
    core, writer = site
    before = core.search(EVERYTHING).total
    with core.span():
        assert core.search(EVERYTHING).total == before
        held = core._state
        _upload(writer)  # committed while the span reads
        # One state for the whole span: the upload is not half-seen within it.
        assert core.search(EVERYTHING).total == before
        assert core.suggest("qwzx") == []
        assert core.related(core.search(EVERYTHING).hits[0].id) is not None
    # The next read is in the new state, and the span's state was closed when it ended.
    assert core.search(EVERYTHING).total == before + 1
    assert held is not None and held.retired and held.users == 0
    assert held.searcher.is_closed
    current = core._state
    assert current is not None and current.users == 0


def test_a_span_keeps_its_turn_from_its_first_read_to_its_end(
    site: tuple[SearchCore, Writer],
) -> None:
    core, _ = site
    turns = core._states._turns
    in_span = threading.Event()
    end_span = threading.Event()
    read = threading.Event()

    def page() -> None:
        with core.span():
            in_span.set()
            read.wait(HANG)
            core.search(EVERYTHING)
            core.search(SearchRequest.from_params({"q": ["vienna"]}))
            in_span.clear()
            end_span.wait(HANG)

    thread = threading.Thread(target=page)
    thread.start()
    # A span that has not read yet holds no turn: another search goes ahead.
    wait_until(in_span.is_set, "the page to enter its span")
    assert core.search(EVERYTHING).total > 0
    read.set()
    wait_until(lambda: not in_span.is_set(), "the page's reads")
    # Between its reads and its end the span holds the one turn: a search waits for it.
    other: list[int] = []
    searching = threading.Thread(target=lambda: other.append(core.search(EVERYTHING).total))
    searching.start()
    wait_until(lambda: len(turns._waiting) == 1, "the other search to wait for the turn")
    assert other == []
    end_span.set()
    thread.join(HANG)
    searching.join(HANG)
    assert other and other[0] > 0


def test_a_match_set_made_in_a_span_keeps_its_state_open_after_it(
    site: tuple[SearchCore, Writer],
) -> None:
    core, writer = site
    with core.span():
        matched = core.match(EVERYTHING)
        state = core._state
    assert state is not None and state.users == 1
    _upload(writer)
    core.search(EVERYTHING)  # a new state; the old one waits for its match set
    assert state.retired and not state.searcher.is_closed
    del matched
    gc.collect()
    assert state.users == 0 and state.searcher.is_closed


def test_a_failed_read_in_a_span_gives_its_turn_back(tmp_path: Path) -> None:
    core = SearchCore(LiveIndex(IndexLocation(tmp_path / "none")), concurrency=1)
    try:
        for _ in range(2):  # the second would wait for ever on a turn kept
            with pytest.raises(ArchiveMissing), core.span():
                core.search(EVERYTHING)
    finally:
        core.close()
