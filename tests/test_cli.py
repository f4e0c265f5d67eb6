"""The `vindex` command line, run as a real process."""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SHARED, cli_command, run_cli
from waiting import wait_exit, wait_until

# Every test runs vindex in a child process (a second of start-up each).
pytestmark = pytest.mark.slow

run = run_cli


def test_parse_prints_json_lines_for_the_seed() -> None:
    done = run("parse", str(SHARED / "examples" / "seed-article.txt"))
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    article = json.loads(line)
    assert article["title"] == "Security Review Conference Convened by OSCE Chairpersonship"
    assert article["section"] == "Organizations > International Organizations"
    assert article["published"] == "2023-07-04T23:31:00+02:00"
    assert article["source"] == "Vindobona"


def test_parse_names_each_bad_file_and_prints_the_good(corpus: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "No body", "published": "2024-01-01"}', encoding="utf-8")
    done = run("parse", str(corpus / "2024" / "osce.json"), str(bad))
    assert done.returncode == 1
    assert json.loads(done.stdout)["id"] == "osce-conference"
    assert done.stderr.splitlines() == [
        f"error: {bad}: field 'body': an article needs a body or a lead; both are empty"
    ]


def run_limited(*args: str) -> subprocess.CompletedProcess[str]:
    """`vindex ARGS` with 1 GB of memory and a minute to finish: backstops, not measures.

    Reading /dev/zero to its end would take the shared machine's memory, and
    opening a FIFO waits for a writer that never comes.
    """

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return run_cli(*args, timeout=60, preexec_fn=limit)


@pytest.mark.parametrize("command", ["parse", "index"])
def test_only_regular_files_are_read(command: str, corpus: Path, tmp_path: Path) -> None:
    """Issue 13: `vindex parse` on a FIFO hung, and on /dev/zero read until MemoryError."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    index = ["--index", str(tmp_path / "index"), "--corpus", str(corpus)]
    for path in (str(fifo), "/dev/zero"):
        done = run_limited(command, *index, path)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        reason = "not a regular file (a pipe, device or socket): only files are read"
        assert f"error: {path}: {reason}" in done.stderr


def test_a_file_over_the_size_limit_is_refused(corpus: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    big.write_bytes(b" " * (1024 * 1024 + 1))
    done = run_cli(
        "parse", "--corpus", str(corpus), str(big), env={**os.environ, "VINDEX_MAX_FILE_MB": "1"}
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"error: {big}: file too large (1.0 MB; the limit is 1 MB): split it into smaller files"
    ]


def test_stats_and_search_json(corpus: Path, tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    assert run("index", "--index", index, "--corpus", str(corpus)).returncode == 0
    stats = json.loads(run("stats", "--json", "--index", index).stdout)
    assert stats["articles"] == 5
    assert set(stats) >= {"articles", "sections", "languages", "years", "index_bytes", "built"}
    assert stats["languages"] == {"en": 5}
    result = json.loads(run("search", "review conference", "--json", "--index", index).stdout)
    assert result["total"] == 1
    assert result["hits"][0]["title"] == "Security Review Conference in Vienna"
    assert set(result) >= {"total", "page", "per_page", "pages", "took_ms", "query", "hits"}
    missing = run("stats", "--index", str(tmp_path / "none"))
    assert missing.returncode == 2
    assert "no index" in missing.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_answers_on_localhost(corpus: Path, tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    assert run("index", "--index", index, "--corpus", str(corpus)).returncode == 0
    port = free_port()
    server = subprocess.Popen(
        # --corpus too: the default is the live corpus/, whose files (an editor's uploads
        # among them) the server's start-up reconciliation would index into this one.
        [*cli_command("serve", "--index", index, "--corpus", str(corpus)), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def health() -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
                found: dict[str, Any] = json.loads(answer.read())
                return found
        except OSError:
            return None  # not listening yet

    try:
        healthz = wait_until(health, "the server's first answer", process=server, interval=0.2)
        assert healthz["articles"] == 5
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/search?q=review") as answer:
            assert b"Security <mark>Review</mark> Conference in Vienna" in answer.read()
    finally:
        server.terminate()
        wait_exit(server, "the server's exit on SIGTERM")
