"""kill -9 of the server in the middle of upload batches, again and again: nothing answered is lost.

Each round starts `vindex serve`, lets three clients upload batches of five
articles, and kills the server with SIGKILL at a different moment. The next
start reconciles corpus and index. At the end, every article whose upload was
answered `created` must be in the corpus and in the index, and no file in the
corpus may be half written.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx2
import pytest
from conftest import synthetic_article
from editor_server import AUTH, Server, corpus_ids, indexed_ids
from waiting import HANG, wait_until

from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.system.files import TEMPORARY_PREFIX

# A server in a child process, killed with kill -9 during uploads.
pytestmark = pytest.mark.slow

ROUNDS = 10
CLIENTS = 3
BATCH = 5
# Seconds after the round's first answered batch at which its server is killed.
KILL_AFTER = [0.05, 0.15, 0.3, 0.5, 0.8, 0.1, 1.2, 0.4, 0.02, 0.7]


def test_kill_9_during_uploads_loses_nothing_that_was_answered(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    update_index(IndexLocation(index), corpus)
    answered: set[str] = set()
    lock = threading.Lock()
    counter = iter(range(10**9))

    def client_loop(server: Server, stop: threading.Event) -> None:
        # Only the kill ends a request: a slow answer is still an answer.
        with httpx2.Client(base_url=server.url, timeout=HANG) as client:
            while not stop.is_set():
                with lock:
                    batch = [synthetic_article(next(counter), prefix="k") for _ in range(BATCH)]
                try:
                    response = client.post("/api/articles", json=batch, headers=AUTH)
                    outcomes = response.json()["articles"]
                except (httpx2.TransportError, ValueError):
                    return  # the server died under us: this batch was never answered
                with lock:
                    answered.update(o["id"] for o in outcomes if o["status"] == "created")

    for round_, delay in enumerate(KILL_AFTER[:ROUNDS]):
        server = Server(index, corpus, tmp_path / "server.log")
        server.start()
        # What earlier rounds were told is created survived their kill and this start.
        assert answered <= indexed_ids(index), f"round {round_}"
        stop = threading.Event()
        threads = [
            threading.Thread(target=client_loop, args=(server, stop)) for _ in range(CLIENTS)
        ]
        before = len(answered)
        for thread in threads:
            thread.start()
        # Once this round has had one batch answered (however slow the machine is:
        # fixed delays alone left whole rounds with nothing answered under load), the
        # kill comes at a different moment of the batches in flight each round.
        wait_until(
            lambda target=before + BATCH: len(answered) >= target,
            f"round {round_}'s first answered batch",
            process=server.process,
            interval=0.01,
        )
        time.sleep(delay)
        server.kill()
        stop.set()
        for thread in threads:
            thread.join()

    with Server(index, corpus, tmp_path / "server.log"):
        in_index = indexed_ids(index)
    in_corpus, errors = corpus_ids(corpus)
    assert len(answered) >= ROUNDS * BATCH, "too few uploads were answered to test anything"
    assert answered <= in_corpus
    assert answered <= in_index
    # Nothing half written: every corpus file reads whole, no temporary is left.
    assert errors == []
    assert list((corpus / "uploads").glob(f"{TEMPORARY_PREFIX}*")) == []
    # What the corpus holds, the index holds (and the other way round).
    assert in_corpus == in_index
    print(f"\n{len(answered)} answered uploads survived {ROUNDS} kills")
