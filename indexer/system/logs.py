"""Logging: one line per event, as plain text or as JSON lines, set up once per process.

Every module logs through its own `logging.getLogger(__name__)` and says
what happened in the message; the event's fields (a job's id and counts, a
build's generation and milliseconds) go in `extra=`. `configure_logging`
sends the records of Vindex's packages to stderr in one of two formats:

- `text` (the default): `2026-12-03 19:00:00,123 INFO indexer.embedded.writer: job ... finished`,
  for a person reading a terminal or a log file;
- `json` (`VINDEX_LOG_FORMAT=json`): one JSON object per line with `time`,
  `level`, `logger` and `message`, then the event's fields, for a log
  collector; a traceback goes into `exception` instead of onto lines of its own.

`vindex serve` hands the same formatters to uvicorn (`logging_config`), so
its access and error logs follow the format too.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

FORMATS = ("text", "json")
# The loggers of this project: the records of other libraries keep their own levels.
LOGGERS = ("indexer", "webapp", "vindex")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName", "color_message"}
)


class LogFormatError(ValueError):
    """A log format other than those of `FORMATS`."""


def check_format(value: str) -> str:
    """The format, checked (`text` or `json`), for settings read from the environment."""
    value = value.strip().lower()
    if value not in FORMATS:
        raise LogFormatError(f"VINDEX_LOG_FORMAT: expected text or json, got {value!r}")
    return value


class JsonFormatter(logging.Formatter):
    """A record as one JSON object on one line: time, level, logger, message, then its fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update(self.fields(record))
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The event's own fields: what came in through `extra=`."""
        return {
            key: value
            for key, value in record.__dict__.items()
            if key not in _STANDARD and not key.startswith("_")
        }


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if check_format(log_format) == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(
    log_format: str = "text", level: int = logging.INFO, stream: TextIO | None = None
) -> None:
    """Send this project's log records to `stream` (stderr) in the format; once per process.

    Called again (a test, `vindex serve` after the command line), it replaces
    the handler it installed before rather than adding a second one.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(log_format))
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "_vindex", False)]:
            logger.removeHandler(old)
        handler._vindex = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(level)
        # Written here, once: a root handler of an embedding application would
        # write each a second time, in its own format.
        logger.propagate = False


def logging_config(log_format: str, base: dict[str, Any]) -> dict[str, Any]:
    """A `logging.config.dictConfig` dictionary (uvicorn's `base`) that logs in the format.

    uvicorn applies it in every worker process it starts, so the project's
    loggers are configured there too: at INFO, to stderr, in the format.
    """
    json_lines = check_format(log_format) == "json"
    config = dict(base)
    formatters = dict(config.get("formatters", {}))
    if json_lines:
        # uvicorn's access and error records too.
        formatters = {name: {"()": f"{__name__}.JsonFormatter"} for name in formatters}
    formatters["vindex"] = (
        {"()": f"{__name__}.JsonFormatter"} if json_lines else {"format": TEXT_FORMAT}
    )
    handlers = dict(config.get("handlers", {}))
    handlers["vindex"] = {
        "class": "logging.StreamHandler",
        "formatter": "vindex",
        "stream": "ext://sys.stderr",
    }
    loggers = dict(config.get("loggers", {}))
    for name in LOGGERS:
        loggers[name] = {"handlers": ["vindex"], "level": "INFO", "propagate": False}
    config.update(formatters=formatters, handlers=handlers, loggers=loggers)
    return config
