"""A served worker readies itself before it takes connections, and tunes Python's collector.

Each check runs in a child process: freezing objects out of the garbage
collector is for a process's whole life, not for the test runner's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from api_app import demo_site
from conftest import ROOT
from waiting import HANG


def run(script: str, *args: str) -> tuple[Any, str]:
    """The JSON a Python script prints as its last line, and all it wrote (the log)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout + done.stderr


def test_frozen_objects_are_left_out_of_collections_and_still_freed() -> None:
    answer, _ = run(
        """
        import gc, json, weakref
        from indexer.system.collector import YOUNG, freeze_long_lived, tune_collector

        class Kept:
            pass

        kept = Kept()
        gone = weakref.ref(kept)
        before = any(o is kept for o in gc.get_objects())
        tune_collector()
        frozen = freeze_long_lived()
        after = any(o is kept for o in gc.get_objects())
        del kept  # its last reference: freed at once, frozen or not
        print(json.dumps({
            "before": before, "after": after, "frozen": frozen, "freed": gone() is None,
            "threshold": gc.get_threshold(), "young": YOUNG,
        }))
        """
    )
    assert answer["before"] and not answer["after"]
    assert answer["frozen"] > 1000  # the modules imported, at least
    assert answer["freed"]
    assert answer["threshold"] == [answer["young"], 10, 10]


def test_a_worker_opens_the_index_before_it_answers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    site = demo_site(tmp_path_factory)
    answer, log = run(
        """
        import gc, json, logging, sys
        from pathlib import Path
        from starlette.testclient import TestClient
        from indexer.settings import Settings
        from webapp.app import create_app

        logging.basicConfig(level=logging.INFO)
        site = Path(sys.argv[1])
        app = create_app(Settings(index=site / "index", corpus=site / "corpus"), worker=True)
        with TestClient(app) as client:
            # Opened by the lifespan, before the first request: health reads no index.
            opened = app.state.backend._served() is not None
            status = client.get("/api/search?q=osce").status_code
            articles = client.get("/healthz").json()["articles"]
        print(json.dumps({
            "opened": opened, "status": status, "frozen": gc.get_freeze_count(),
            "articles": articles,
        }))
        """,
        str(site),
    )
    assert (answer["opened"], answer["status"]) == (True, 200)
    assert answer["frozen"] > 10_000
    assert f"ready: {answer['articles']} articles open for searching" in log


def test_a_worker_without_an_index_starts_and_says_why(tmp_path: Path) -> None:
    answer, log = run(
        """
        import json, logging, sys
        from pathlib import Path
        from indexer.embedded.backend import EmbeddedBackend
        from webapp.app import start_worker

        logging.basicConfig(level=logging.INFO)
        root = Path(sys.argv[1])
        backend = EmbeddedBackend(root / "index", root / "corpus")
        start_worker(backend)
        print(json.dumps({"status": backend.health().status}))
        """,
        str(tmp_path),
    )
    assert answer == {"status": "no index"}
    assert "the index was not opened at start-up: no index in" in log
    assert "ready: no index open for searching" in log
