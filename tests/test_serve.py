"""`vindex serve` itself, where uvicorn's behaviour matters: a real server on 127.0.0.1.

Who the client is (forwarded headers are believed only from trusted proxies),
what it refuses to start with, and how it holds up under more connections
than it will keep.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from conftest import ROOT, synthetic_article, write_jsonl
from editor_server import AUTH, Server, free_port

from indexer.build import update_index
from indexer.store import IndexLocation

WRONG = {"Authorization": "Bearer wrong-guess-0000000"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serve")
    write_jsonl(folder / "corpus" / "plain.jsonl", [synthetic_article(i) for i in range(5)])
    update_index(IndexLocation(folder / "index"), folder / "corpus")
    return folder


def fresh_index(site: Path, tmp_path: Path) -> Path:
    """A copy of the index with no throttle or session state of earlier servers."""
    index = tmp_path / "index"
    subprocess.run(["cp", "-a", str(site / "index"), str(index)], check=True)
    (index / "editor-auth.sqlite3").unlink(missing_ok=True)
    return index


def guesses(server: Server, forwarded_for: Iterator[str], count: int) -> list[int]:
    """`count` wrong tokens, each on a new connection with the next X-Forwarded-For."""
    statuses = []
    for _ in range(count):
        with httpx2.Client(base_url=server.url, timeout=30) as client:
            headers = {**WRONG, "X-Forwarded-For": next(forwarded_for)}
            statuses.append(client.get("/api/jobs/startup", headers=headers).status_code)
    return statuses


def addresses() -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"203.0.{n // 250}.{n % 250 + 1}"


def test_forwarded_for_is_not_believed_by_default(site: Path, tmp_path: Path) -> None:
    index = fresh_index(site, tmp_path)
    with Server(index, site / "corpus", tmp_path / "server.log", args=["--workers", "2"]) as server:
        statuses = guesses(server, addresses(), 30)
        # One client, whatever it claims: after the free failures it must wait,
        # in both workers.
        assert 429 in statuses, statuses
        assert statuses.index(429) <= 6, statuses
        assert set(statuses) == {401, 429}


def test_forwarded_for_from_a_trusted_proxy_names_the_client(site: Path, tmp_path: Path) -> None:
    index = fresh_index(site, tmp_path)
    env = {"VINDEX_TRUSTED_PROXIES": "127.0.0.1"}
    with Server(index, site / "corpus", tmp_path / "server.log", env=env) as server:
        # Behind the proxy, each address is its own client...
        assert guesses(server, addresses(), 12) == [401] * 12
        # ...and one address guessing again and again must wait.
        same = guesses(server, iter(["198.51.100.7"] * 12), 12)
        assert 429 in same, same
        with httpx2.Client(base_url=server.url, timeout=30) as client:
            other = {**AUTH, "X-Forwarded-For": "198.51.100.8"}
            assert client.get("/api/jobs/startup", headers=other).status_code == 200


@pytest.mark.parametrize("token", ["short", "fifteen-chars!!", " " * 20])
def test_serve_refuses_a_short_editor_token(site: Path, token: str) -> None:
    env = {**os.environ, "VINDEX_EDITOR_TOKEN": token}
    command = [sys.executable, "-m", "indexer.cli", "serve", "--index", str(site / "index")]
    command += ["--corpus", str(site / "corpus"), "--port", str(free_port())]
    # A backstop: a server that starts would never exit on its own.
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "VINDEX_EDITOR_TOKEN" in done.stderr and "16" in done.stderr
    assert "Traceback" not in done.stderr
