"""`vindex backend check`: which backend, whether it answers, its version, index and count."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from indexer.cli import main


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_the_embedded_backend_answers_with_its_index_and_count(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = str(tmp_path / "index")
    assert main(["index", "--index", index, "--corpus", str(corpus)]) == 0
    capsys.readouterr()
    assert main(["backend", "check", "--index", index, "--corpus", str(corpus)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["backend:  embedded", "answers:  yes", "version:  Whoosh 2.7.4"]
    assert lines[3].startswith(f"index:    {index} (")
    assert lines[4] == "articles: 5"


def test_an_embedded_archive_never_built_says_so(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["backend", "check", "--index", str(tmp_path / "none"), "--corpus", str(corpus)])
    assert status == 1
    err = capsys.readouterr().err
    assert "answers:  no" in err and "error:    no index" in err


def test_an_unreachable_cluster_is_a_clear_error_without_a_traceback(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VINDEX_BACKEND", "opensearch")
    monkeypatch.setenv("VINDEX_OPENSEARCH_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("VINDEX_OPENSEARCH_INDEX", "news")
    assert main(["backend", "check", "--corpus", str(corpus)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[:3] == ["backend:  opensearch", "answers:  no", "alias:    news"]
    assert lines[3].startswith("error:    the search cluster cannot be reached: ")
    assert "Traceback" not in captured.err


def test_a_cluster_without_an_address_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VINDEX_BACKEND", "opensearch")
    monkeypatch.delenv("VINDEX_OPENSEARCH_URL", raising=False)
    assert main(["backend", "check"]) == 2
    assert "VINDEX_OPENSEARCH_URL" in capsys.readouterr().err
