"""JSON Lines: one article object per line; blank lines are skipped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from indexer.ingest.errors import CorpusError
from indexer.ingest.formats import Record, decode_text
from indexer.ingest.formats.json_format import load_json


def read(data: bytes, path: Path) -> Iterator[Record]:
    text = decode_text(data, path)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = load_json(line)
        except json.JSONDecodeError as exc:
            error = CorpusError(f"invalid JSON: {exc.msg} (column {exc.colno})")
            yield Record(None, line=number, error=error)
            continue
        except ValueError as exc:
            yield Record(None, line=number, error=CorpusError(str(exc)))
            continue
        if isinstance(value, dict):
            yield Record(value, line=number)
        else:
            yield Record(None, line=number, error=CorpusError("expected an article object"))
