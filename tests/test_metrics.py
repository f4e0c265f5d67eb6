"""/metrics: the Prometheus text format, in one process and summed over two workers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from conftest import synthetic_article
from editor_server import AUTH, TOKEN, Server
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient
from waiting import wait_until

from indexer.embedded.backend import STARTUP_JOB
from indexer.settings import Settings
from webapp import metrics_folder
from webapp.app import create_app

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    """Every sample of a scrape by name and labels (parsed by prometheus-client's own parser)."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def client(site: Path) -> Iterator[TestClient]:
    settings = Settings(index=site / "index", corpus=site / "corpus", editor_token=TOKEN)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        backend = app.state.backend
        wait_until(lambda: backend.job(STARTUP_JOB).state == "done", "the start-up check")
        yield client


def test_metrics_count_requests_by_route_searches_uploads_and_the_archive(
    client: TestClient,
) -> None:
    # The counters are the process's: other tests' requests are in them too.
    before = samples(client.get("/metrics").text)
    client.get("/api/search", params={"q": "vienna"})
    client.get("/search", params={"q": "vienna"})
    client.get("/articles/osce-conference")
    client.get("/articles/no-such-article")
    upload = [synthetic_article(500), {"id": "no-title"}]
    assert client.post("/api/articles", json=upload, headers=AUTH).status_code == 200
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == CONTENT_TYPE_LATEST
    after = samples(answer.text)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("vindex_searches_total", via="api") == 1
    assert grew("vindex_searches_total", via="page") == 1
    # By the route's template, not the path: one series for all articles.
    route = {"route": "/articles/{id}", "method": "GET"}
    assert grew("vindex_http_requests_total", status="200", **route) == 1
    assert grew("vindex_http_requests_total", status="404", **route) == 1
    assert grew("vindex_http_request_duration_seconds_count", route="/articles/{id}") == 2
    assert grew("vindex_editor_articles_total", outcome="created") == 1
    assert grew("vindex_editor_articles_total", outcome="rejected") == 1
    # What the archive holds, read at the scrape: five articles and the one uploaded.
    assert value(after, "vindex_articles") == 6
    assert value(after, "vindex_index_up") == 1
    assert value(after, "vindex_index_bytes") > 0
    assert 0 <= time.time() - value(after, "vindex_index_updated_timestamp_seconds") < 3600
    assert value(after, "vindex_jobs", state="done") >= 1
    generations = [k for k in after if k[0] == "vindex_index_generation_info"]
    assert len(generations) == 1 and dict(generations[0][1])["generation"].startswith("gen-")


@pytest.mark.slow
@pytest.mark.parametrize("workers", [2, 1])
def test_metrics_under_two_workers_sum_both(site: Path, tmp_path: Path, workers: int) -> None:
    # The run's metrics folder is made in TMPDIR: here, where the test can watch it.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    server = Server(
        site / "index",
        site / "corpus",
        tmp_path / "server.log",
        workers=workers,
        env={"TMPDIR": str(temporary)},
    )
    searches = 40
    with server:
        for n in range(searches):
            # A connection each, so that the kernel hands them to either worker.
            with httpx2.Client(base_url=server.url, timeout=60) as one:
                assert one.get("/api/search", params={"q": f"vienna {n}"}).status_code == 200
        (folder,) = temporary.glob("vindex-metrics-*")
        pids = {int(m.group(1)) for p in folder.iterdir() if (m := PID.fullmatch(p.name))}
        # Each worker counted requests (each keeps files of its own).
        assert len(pids) == workers, sorted(p.name for p in folder.iterdir())
        seen = []
        for _ in range(10):
            with httpx2.Client(base_url=server.url, timeout=60) as one:
                found = samples(one.get("/metrics").text)
            # Whichever worker answers, it sums both workers' counts.
            seen.append(value(found, "vindex_searches_total", via="api"))
            assert value(found, "vindex_articles") == 5
        assert seen == [searches] * 10
    # The run's folder goes with it, after a SIGTERM too (uvicorn raises it again at the end).
    assert list(temporary.iterdir()) == []
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR") is None


# prometheus-client's files: counter_<pid>.db, histogram_<pid>.db.
PID = re.compile(r"[a-z]+_(\d+)\.db")


def test_the_folders_of_ended_runs_are_swept(tmp_path: Path) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = tmp_path / f"vindex-metrics-{ended.stdout.strip()}-abc"
    alive = tmp_path / f"vindex-metrics-{os.getpid()}-def"
    other = tmp_path / "vindex-metrics-notapid"
    for folder in (dead, alive, other):
        folder.mkdir()
        (folder / "counter_1.db").write_bytes(b"")
    assert metrics_folder.sweep(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name])
