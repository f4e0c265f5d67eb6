"""Logging: the events a real write makes, the JSON lines format, and a bad format setting."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import cli_command, synthetic_article
from waiting import HANG

from indexer.editing.uploads import parse_file
from indexer.editing.writes import NewFile, Outcome
from indexer.embedded.index.store import IndexLocation
from indexer.embedded.writer import Writer
from indexer.settings import Settings, SettingsError
from indexer.system.logs import LOGGERS, configure_logging
from webapp.serving import log_config


@pytest.fixture
def restore_loggers() -> Iterator[None]:
    """Put the loggers back as they were: configuring logging changes them process-wide."""
    names = (*LOGGERS, "uvicorn", "uvicorn.error", "uvicorn.access", "asyncio")
    loggers = [logging.getLogger(name) for name in names]
    saved = [(lg.handlers[:], lg.level, lg.propagate, lg.disabled) for lg in loggers]
    yield
    for logger, (handlers, level, propagate, disabled) in zip(loggers, saved, strict=True):
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate, logger.disabled = propagate, disabled


def records_of(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == name]


def test_a_write_job_logs_queued_started_and_finished_with_counts(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="indexer")
    writer = Writer(IndexLocation(site / "index"), site / "corpus")
    writer.start()
    try:
        article = synthetic_article(5, "log")
        upload = NewFile("log.json", json.dumps(article).encode(), [Outcome("new", "log-5")])
        writer.upload([upload]).result(HANG)
        writer.delete("t-100").result(HANG)
    finally:
        writer.stop()
    events = [
        (r.getMessage().split(" ")[2], r.kind, r.levelname)  # type: ignore[attr-defined]
        for r in records_of(caplog, "indexer.embedded.writer")
        if r.getMessage().startswith("job ")
    ]
    assert events == [
        ("queued", "upload", "DEBUG"),
        ("started", "upload", "DEBUG"),
        ("finished", "upload", "INFO"),
        ("queued", "delete", "DEBUG"),
        ("started", "delete", "DEBUG"),
        ("finished", "delete", "INFO"),
    ]
    finished = [r for r in records_of(caplog, "indexer.embedded.writer") if "finished" in r.msg]
    upload_done, delete_done = finished
    assert upload_done.counts == {"created": 1}  # type: ignore[attr-defined]
    assert upload_done.ids == ["log-5"]  # type: ignore[attr-defined]
    assert upload_done.ms > 0  # type: ignore[attr-defined]
    assert upload_done.getMessage().endswith(" ms: created 1")
    assert delete_done.counts == {"deleted": 1}  # type: ignore[attr-defined]
    [trashed] = records_of(caplog, "indexer.editing.trash")
    assert trashed.getMessage() == "trashed 2023/single.json (t-100): deleted by an editor"
    builds = records_of(caplog, "indexer.embedded.index.build")
    assert [(r.kind, r.indexed, r.removed) for r in builds] == [  # type: ignore[attr-defined]
        ("update", 1, 0),
        ("update", 0, 1),
    ]
    assert builds[0].getMessage().startswith("index updated: read 1 files (0 unchanged), ")


def test_a_failed_write_is_logged_as_an_error(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    (site / "corpus" / "uploads").write_text("a file where the folder should be")
    writer = Writer(IndexLocation(site / "index"), site / "corpus")
    writer.start()
    try:
        upload = NewFile("x.json", json.dumps(synthetic_article(1, "x")).encode(), [])
        writer.upload([upload]).exception(HANG)
    finally:
        writer.stop()
    [failed] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failed.name == "indexer.embedded.writer"
    assert failed.getMessage().startswith("job upload-")
    assert " failed: FileExistsError: " in failed.getMessage()
    assert failed.error.startswith("FileExistsError: ")  # type: ignore[attr-defined]


def test_an_upload_is_logged_with_its_counts_and_reasons_never_its_content(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="indexer")
    secret = "Only-In-The-Body"
    good = {**synthetic_article(1), "body": secret}
    data = (json.dumps(good) + "\n" + json.dumps({"id": "bad", "title": "No body"}) + "\n").encode()
    parse_file("mixed.jsonl", data, 1 << 20)
    [record] = records_of(caplog, "indexer.editing.uploads")
    assert record.levelname == "WARNING"
    assert record.getMessage().startswith("upload mixed.jsonl: 1 articles accepted, 1 refused (")
    assert (record.accepted, record.refused) == (1, 1)  # type: ignore[attr-defined]
    assert record.reasons == [  # type: ignore[attr-defined]
        "mixed.jsonl: line 2: field 'body': an article needs a body or a lead; both are empty"
    ]
    assert secret not in record.getMessage() and secret not in str(record.__dict__)


def test_json_format_writes_one_parseable_object_per_line_with_the_fields(
    restore_loggers: None,
) -> None:
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    log = logging.getLogger("indexer.test")
    log.info("job %s finished", "j-1", extra={"job": "j-1", "ms": 12.5, "counts": {"created": 2}})
    try:
        raise ValueError("two\nlines")
    except ValueError:
        log.exception("it broke")
    first, second = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert set(first) == {"time", "level", "logger", "message", "job", "ms", "counts"}
    assert first["level"] == "INFO" and first["logger"] == "indexer.test"
    assert first["message"] == "job j-1 finished"
    assert (first["job"], first["ms"], first["counts"]) == ("j-1", 12.5, {"created": 2})
    assert first["time"].endswith("+00:00")
    assert second["message"] == "it broke"
    assert second["exception"].endswith("ValueError: two\nlines")


def test_configured_twice_it_writes_each_record_once(restore_loggers: None) -> None:
    stream = io.StringIO()
    configure_logging("text", stream=stream)
    configure_logging("text", stream=stream)
    logging.getLogger("webapp.test").warning("once")
    [line] = stream.getvalue().splitlines()
    assert line.endswith(" WARNING webapp.test: once")


def test_uvicorn_logs_in_json_when_json_is_asked_for(
    restore_loggers: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # What uvicorn does with the `log_config` of `vindex serve`, in each worker.
    logging.config.dictConfig(log_config("json"))
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/search", "1.1", 200
    )
    logging.getLogger("indexer.embedded.writer").info("writer started", extra={"pid": 42})
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in (captured.err + captured.out).splitlines()]
    [access] = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert (access["method"], access["path"], access["status"]) == ("GET", "/search", 200)
    assert {(line["logger"], line["message"]) for line in lines} == {
        ("uvicorn.error", "Started server process [42]"),
        ("uvicorn.access", '127.0.0.1:5 - "GET /search HTTP/1.1" 200'),
        ("indexer.embedded.writer", "writer started"),
    }


BAD_FORMAT = "VINDEX_LOG_FORMAT: expected text or json, got 'xml'"


def test_a_bad_log_format_is_a_clear_error() -> None:
    with pytest.raises(
        SettingsError, match=r"^VINDEX_LOG_FORMAT: expected text or json, got 'xml'$"
    ):
        Settings.from_env({"VINDEX_LOG_FORMAT": "xml"})
    assert Settings.from_env({"VINDEX_LOG_FORMAT": "JSON"}).log_format == "json"
    done = subprocess.run(
        cli_command("stats", "--index", "/nonexistent"),
        capture_output=True,
        text=True,
        check=False,
        timeout=HANG,
        env={**os.environ, "VINDEX_LOG_FORMAT": "xml"},
    )
    assert done.returncode == 2
    assert done.stderr == f"vindex: {BAD_FORMAT}\n"
