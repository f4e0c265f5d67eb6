"""Several threads of one worker search one index state at once, with the answers of one at a time.

The search core held one lock around every read of an index state (Whoosh's
readers moved one shared file position); reads now overlap. Proven here
without timing: a search paused in the middle of reading stored fields, and
another thread's searches finishing meanwhile (against the lock, they waited
for it). Speed is measured by `bench/threads.py`, not asserted.
"""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from api_app import copy_of_site, demo_site, json_upload
from conftest import synthetic_article, write_json, write_jsonl
from waiting import HANG, wait_until

from indexer.archive.request import SearchRequest
from indexer.editing.writes import NewFile
from indexer.embedded.index.build import update_index
from indexer.embedded.index.shared_files import SharedFileStorage
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.states import Turns
from indexer.embedded.writer import Writer

THREADS = 8
# How long a thread that should finish while another is paused may take at
# most: a backstop (the lock made it wait for ever), not a speed.
BACKSTOP = 120.0

Call = Callable[[SearchCore], Any]


def _request(**params: str) -> SearchRequest:
    return SearchRequest.from_params(params)


def _search(scoreless: bool = False, **params: str) -> Call:
    def call(core: SearchCore) -> Any:
        found = core.search(_request(**params)).to_dict()
        del found["took_ms"]
        if scoreless:
            # An upload changes every score a little (idf counts the archive's
            # articles), never which articles match or their order by date.
            for hit in found["hits"]:
                hit.pop("score", None)
        return found

    call.__name__ = f"search {params}"
    return call


def _mix(core: SearchCore) -> dict[str, Call]:
    """Requests of every kind over the demo archive: words, phrases, prefixes,
    filters, pages, sorts, suggestions, articles, related articles, corrections."""
    everything = core.search(SearchRequest(), facet_limit=5)
    place = everything.facets["place"][0].value
    section = everything.facets["section"][0].value
    ids = [hit.id for hit in core.search(_request(q="vienna", per_page="5")).hits]
    calls: dict[str, Call] = {}
    for q in ("vienna", "osce", "nuclear energy", '"security council"', "minister OR summit"):
        calls[f"q={q}"] = _search(q=q)
        calls[f"q={q} page 2"] = _search(q=q, page="2", per_page="5")
    calls["prefix"] = _search(q="vien*")
    calls["not"] = _search(q="iaea -ukraine")
    calls["fuzzy"] = _search(q="vienna~")
    calls["place"] = _search(place=place)
    calls["section, newest"] = _search(q="the", section=section, sort="newest")
    calls["from, oldest"] = _search(**{"from": "2020", "sort": "oldest", "page": "2"})
    calls["unknown place"] = _search(place="Viena")
    calls["few, did you mean"] = _search(q="viena")
    for prefix in ("vi", "os", "mini", "un"):
        calls[f"suggest {prefix}"] = lambda c, p=prefix: c.suggest(p)
    for n, article_id in enumerate(ids[:3]):
        calls[f"article {n}"] = lambda c, a=article_id: c.article(a)
        calls[f"related {n}"] = lambda c, a=article_id: c.related(a)
    calls["highlight"] = lambda c: c.highlight_terms("vienna talks")
    calls["match"] = lambda c: int(c.match(_request(q="osce")).mask.sum())
    return calls


def _unchanged_by_uploads(core: SearchCore) -> dict[str, Call]:
    """Requests whose answers the uploads of `_upload` leave as they are: the
    uploaded articles match none of them, and their order is by date."""
    everything = core.search(SearchRequest(), facet_limit=5)
    place = everything.facets["place"][0].value
    ids = [hit.id for hit in core.search(_request(q="vienna", per_page="3")).hits]
    calls: dict[str, Call] = {}
    for q in ("vienna", "osce", '"security council"', "vien*"):
        calls[f"q={q}"] = _search(True, q=q, sort="newest")
    calls["place"] = _search(True, place=place, sort="oldest", page="2", per_page="5")
    for prefix in ("vi", "os"):
        calls[f"suggest {prefix}"] = lambda c, p=prefix: c.suggest(p)
    for n, article_id in enumerate(ids):
        calls[f"article {n}"] = lambda c, a=article_id: c.article(a)
    return calls


def _one_at_a_time(index: Path, calls: dict[str, Call]) -> dict[str, Any]:
    core = SearchCore(LiveIndex(IndexLocation(index)))
    try:
        return {name: call(core) for name, call in calls.items()}
    finally:
        core.close()


def _all_at_once(
    core: SearchCore, calls: dict[str, Call], rounds: int = 3
) -> list[tuple[str, Any]]:
    """Every call `rounds` times in each of THREADS threads, each in its own order."""

    def run(seed: int) -> list[tuple[str, Any]]:
        names = list(calls) * rounds
        random.Random(seed).shuffle(names)
        return [(name, calls[name](core)) for name in names]

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(run, seed) for seed in range(THREADS)]
        return [answer for future in futures for answer in future.result(HANG)]


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_site(tmp_path_factory) / "index"


@pytest.fixture
def fresh_core(demo_index: Path) -> Iterator[SearchCore]:
    """A core of its own over the demo index: its caches are filled by the threads at once
    (all of them: as many turns as threads, whatever the machine's cores)."""
    core = SearchCore(LiveIndex(IndexLocation(demo_index)), concurrency=THREADS)
    yield core
    core.close()


def test_eight_threads_give_the_answers_of_one_at_a_time(
    demo_index: Path, fresh_core: SearchCore
) -> None:
    calls = _mix(fresh_core)
    expected = _one_at_a_time(demo_index, calls)
    answers = _all_at_once(fresh_core, calls)
    assert len(answers) == THREADS * 3 * len(calls)
    wrong = [name for name, answer in answers if answer != expected[name]]
    assert wrong == []


def test_a_search_completes_while_another_is_paused_mid_read(
    demo_index: Path, fresh_core: SearchCore
) -> None:
    """One thread stops inside Whoosh's read of a stored document; another searches meanwhile."""
    request = _request(q="vienna")
    # Expected from another core: this one's first search must read its documents itself
    # (decoded documents are kept, and a kept one is not read again).
    other_core = SearchCore(LiveIndex(IndexLocation(demo_index)))
    try:
        expected = other_core.search(request).to_dict()
    finally:
        other_core.close()
    expected.pop("took_ms")
    paused = threading.Event()
    resume = threading.Event()
    reading = _code_of("stored_fields", "whoosh/codec/whoosh3.py")

    def pause_in_read(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code is reading and not paused.is_set():
            paused.set()
            resume.wait(HANG)
        return None

    def first() -> dict[str, Any]:
        sys.settrace(pause_in_read)
        try:
            return fresh_core.search(request).to_dict()
        finally:
            sys.settrace(None)

    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(first)
        assert paused.wait(BACKSTOP), "the first search never read a stored document"
        try:
            # Other searches, reading postings and stored fields of the same
            # state, finish while the first is in the middle of its read.
            other = pool.submit(
                lambda: [
                    fresh_core.search(_request(q=q)).total for q in ("osce", "vienna", "talks")
                ]
            )
            assert other.result(BACKSTOP)[1] == expected["total"]
        finally:
            resume.set()
        answer = held.result(HANG)
    answer.pop("took_ms")
    assert answer == expected


def _code_of(name: str, path_end: str) -> Any:
    """The code object of a Whoosh function, to recognise its frames."""
    from whoosh.codec import whoosh3

    code = whoosh3.W3PerDocReader.stored_fields.__code__
    assert code.co_name == name and code.co_filename.endswith(path_end)
    return code


def test_each_thread_reads_a_shared_file_at_its_own_position(tmp_path: Path) -> None:
    """Whoosh seeks, then reads: two threads interleaving that on one open file."""
    (tmp_path / "data").write_bytes(bytes(range(256)))
    shared = SharedFileStorage(str(tmp_path)).open_file("data")
    sought = threading.Event()
    moved = threading.Event()

    def first() -> bytes:
        shared.seek(10)
        sought.set()
        moved.wait(HANG)  # the other thread seeks and reads meanwhile
        return bytes(shared.read(4))

    with ThreadPoolExecutor(1) as pool:
        mine = pool.submit(first)
        sought.wait(HANG)
        shared.seek(200)
        assert shared.read(2) == bytes([200, 201])
        moved.set()
        assert mine.result(HANG) == bytes([10, 11, 12, 13])
    assert shared.read(1) == bytes([202])
    assert shared.get(5, 3) == bytes([5, 6, 7]) and shared.tell() == 203
    part = shared.subset(100, 10)
    part.seek(8)
    assert part.read(5) == bytes([108, 109]) and part.get(0, 1) == bytes([100])
    shared.close()
    # A closed file's descriptor number may name another file by now: no read.
    with pytest.raises(ValueError):
        part.get(0, 1)


def _upload(n: int) -> NewFile:
    """An article that matches none of `_unchanged_by_uploads`' requests."""
    article = {
        "id": f"zqx-{n}",
        "title": f"Qwzx blorft {n}",
        "lead": "Frobnicated zqxian plinths.",
        "body": "Zqxian plinths were frobnicated again.",
        "published": "1901-01-01 10:00",
        "section": "Zqx",
        "language": "en",
    }
    return json_upload(article)


def test_threads_answer_alike_while_uploads_commit(demo_index: Path, tmp_path: Path) -> None:
    """Each upload makes a new index state under the threads' feet; the old ones
    close when their last search is done, and every answer stays right."""
    site = copy_of_site(demo_index.parent, tmp_path / "site")
    location = IndexLocation(site / "index")
    core = SearchCore(LiveIndex(location), concurrency=THREADS)
    writer = Writer(location, site / "corpus")
    writer.start()
    try:
        calls = _unchanged_by_uploads(core)
        expected = _one_at_a_time(site / "index", calls)
        before = core.search(SearchRequest()).total
        uploading = threading.Thread(
            target=lambda: [writer.upload([_upload(n)]).result(HANG) for n in range(4)]
        )
        uploading.start()
        answers = _all_at_once(core, calls, rounds=4)
        uploading.join(HANG)
        wrong = [name for name, answer in answers if answer != expected[name]]
        assert wrong == []
        assert core.search(SearchRequest()).total == before + 4
        # Only the current state is held open: every retired one was closed.
        state = core._state
        assert state is not None and state.users == 0 and not state.retired
    finally:
        writer.stop()
        core.close()


def test_every_write_is_seen_by_the_next_search_however_soon(tmp_path: Path) -> None:
    """Which state is current is looked up fully only when the write lock file changed:
    writes back to back, and a write after the lookup came to be trusted, are each
    seen by the very next search (an answered upload is in what the worker serves)."""
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "a.jsonl", [synthetic_article(n) for n in range(3)])
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    live = LiveIndex(location)
    core = SearchCore(live)
    try:
        assert core.search(SearchRequest()).total == 3
        for n in range(4):
            write_json(corpus / f"b{n}.json", synthetic_article(10 + n, prefix="b"))
            update_index(location, corpus)
            assert core.search(SearchRequest()).total == 4 + n
        # Quiet for a while: the lock file's status alone now says nothing changed.
        wait_until(
            lambda: core.search(SearchRequest()) and live._seen is not None,
            "the write lock file's status to be trusted",
        )
        update_index(IndexLocation(tmp_path / "index"), corpus, rebuild=True)
        write_json(corpus / "c.json", synthetic_article(20, prefix="c"))
        update_index(location, corpus)
        assert core.search(SearchRequest()).total == 8
    finally:
        core.close()


def test_turns_are_taken_in_the_order_asked_and_never_more_at_once() -> None:
    """A turn let go goes to the first waiter, not to whoever asks again at once."""
    turns = Turns(2)
    order: list[str] = []
    inside = 0
    most = 0
    lock = threading.Lock()
    release = {name: threading.Event() for name in "abcd"}

    def take(name: str) -> None:
        nonlocal inside, most
        with turns:
            with lock:
                order.append(name)
                inside += 1
                most = max(most, inside)
            release[name].wait(HANG)
            with lock:
                inside -= 1

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(take, "a"), pool.submit(take, "b")]
        wait_until(lambda: len(order) == 2, "a and b to hold the two turns")
        for n, name in enumerate("cd", 1):
            futures.append(pool.submit(take, name))
            wait_until(lambda n=n: len(turns._waiting) == n, f"{name} to queue")
        release["a"].set()
        wait_until(lambda: len(order) == 3, "a's turn to go on")
        release["b"].set()
        release["c"].set()
        release["d"].set()
        for future in futures:
            future.result(HANG)
    assert order == ["a", "b", "c", "d"]
    assert most == 2
