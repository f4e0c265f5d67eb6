"""JSON: one article object, or a list of them, with the field names of SPEC §3."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from indexer.ingest.errors import CorpusError
from indexer.ingest.formats import Record, decode_text


def load_json(text: str) -> object:
    """`json.loads`, with the limits of Python's parser turned into clear `ValueError`s.

    The parser recurses once per level of nesting and gives up with a
    `RecursionError` near a thousand levels, and Python refuses to convert an
    integer of more than 4300 digits (`sys.get_int_max_str_digits`): both are
    input errors, not crashes. A `JSONDecodeError` is left as it is.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError as exc:
        # The one other ValueError: "Exceeds the limit (4300 digits) for integer ...".
        limit = sys.get_int_max_str_digits()
        raise ValueError(f"invalid JSON: a number of more than {limit} digits") from exc
    except RecursionError as exc:
        raise ValueError("invalid JSON: arrays or objects nested too deeply") from exc


def read(data: bytes, path: Path) -> Iterator[Record]:
    text = decode_text(data, path)
    try:
        value = load_json(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(
            f"invalid JSON: {exc.msg} (column {exc.colno})", path=path, line=exc.lineno
        ) from exc
    except ValueError as exc:
        raise CorpusError(str(exc), path=path) from exc
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
