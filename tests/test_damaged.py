"""A damaged index: every reader says so, names the file and how to repair it; a rebuild repairs it.

Before, a truncated or overwritten segment made every page, the API and
/healthz answer 500 "Something went wrong", and `vindex stats`, `search` and
`index` end in an EOFError or UnpicklingError traceback naming no file.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import run_cli
from starlette.testclient import TestClient

from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.settings import Settings
from webapp.app import create_app


def truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 3)


def overwrite(path: Path) -> None:
    path.write_bytes(random.Random(13).randbytes(path.stat().st_size))


# (which file, what is done to it)
DAMAGE: dict[str, tuple[str, Callable[[Path], None]]] = {
    "truncated segment": ("*.seg", truncate),
    "overwritten segment": ("*.seg", overwrite),
    "overwritten table of contents": ("_MAIN_*.toc", overwrite),
}


@pytest.fixture(params=sorted(DAMAGE))
def damaged(request: pytest.FixtureRequest, corpus: Path, tmp_path: Path) -> Path:
    """An index of the corpus with one file of its current generation damaged; that file."""
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    pattern, damage = DAMAGE[request.param]
    current = location.current()
    assert current is not None
    victim = next(current.glob(pattern))
    damage(victim)
    return victim


@pytest.fixture
def client(damaged: Path, corpus: Path, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(index=tmp_path / "index", corpus=corpus))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_pages_and_the_api_answer_503_saying_how_to_repair(
    client: TestClient, damaged: Path
) -> None:
    for path in ("/", "/search?q=vienna", "/articles/t-1", "/entities/place/Vienna"):
        page = client.get(path)
        assert page.status_code == 503, path
        assert page.headers["content-type"].startswith("text/html"), path
        assert "The index is damaged" in page.text, path
        assert f"its file {damaged.name} cannot be read" in page.text, path
        assert "vindex index --rebuild" in page.text, path
        assert "Something went wrong" not in page.text, path
    for path in ("/api/search?q=vienna", "/api/articles/t-1", "/api/suggest?q=vi"):
        answer = client.get(path)
        assert answer.status_code == 503, path
        error = answer.json()["error"]
        assert error["status"] == 503
        assert error["message"].startswith(f"The index is damaged: its file {damaged.name} ")
        assert "vindex index --rebuild" in error["message"]


def test_healthz_says_the_index_is_damaged(client: TestClient, damaged: Path) -> None:
    health = client.get("/healthz")
    assert health.status_code == 503
    body = health.json()
    assert body["status"] == "damaged"
    assert body["generation"] == damaged.parent.name
    assert damaged.name in body["message"] and "vindex index --rebuild" in body["message"]


@pytest.mark.slow  # vindex in child processes
def test_the_cli_names_the_file_and_a_rebuild_repairs_it(
    damaged: Path, corpus: Path, tmp_path: Path
) -> None:
    where = ("--index", str(tmp_path / "index"), "--corpus", str(corpus))
    for command in (("stats",), ("search", "vienna"), ("entities",)):
        done = run_cli(*command, *where)
        assert done.returncode == 1, command
        assert "Traceback" not in done.stderr, command
        assert done.stderr.startswith(f"vindex: the index is damaged: {damaged} cannot be read ")
        assert done.stderr.rstrip().endswith("rebuild it with `vindex index --rebuild`")
    rebuilt = run_cli("index", "--rebuild", *where)
    assert rebuilt.returncode == 0, rebuilt.stderr
    stats = run_cli("stats", *where)
    assert stats.returncode == 0, stats.stderr
    assert "articles: 5" in stats.stdout


def test_a_plain_index_rebuilds_a_damaged_index_by_itself(
    damaged: Path, corpus: Path, tmp_path: Path
) -> None:
    where = ("--index", str(tmp_path / "index"), "--corpus", str(corpus))
    done = run_cli("index", *where)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert f"vindex: the index is damaged: {damaged} cannot be read" in done.stderr
    assert done.stderr.rstrip().endswith(": rebuilt it")
    assert done.stdout.startswith("rebuilt: read 3 files")
    location = IndexLocation(tmp_path / "index")
    assert location.generations() == [location.current()]
    assert run_cli("stats", *where).returncode == 0
