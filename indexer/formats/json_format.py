"""JSON: one article object, or a list of them, with the field names of SPEC §3."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from indexer.errors import CorpusError
from indexer.formats import Record, decode_text


def read(data: bytes, path: Path) -> Iterator[Record]:
    text = decode_text(data, path)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(
            f"invalid JSON: {exc.msg} (column {exc.colno})", path=path, line=exc.lineno
        ) from exc
    if isinstance(value, dict):
        yield Record(value)
    elif isinstance(value, list):
        if not value:
            raise CorpusError("an empty list: no articles", path=path)
        for number, item in enumerate(value, start=1):
            if isinstance(item, dict):
                yield Record(item, item=number)
            else:
                yield Record(None, item=number, error=CorpusError("expected an article object"))
    else:
        raise CorpusError("expected an article object or a list of them", path=path)
