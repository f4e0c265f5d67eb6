"""The write API's request bodies read as articles: JSON, JSON Lines, uploaded files.

A body is read whole (413 beyond the upload limit), decoded and validated
here, in the request, so that the writer only writes; what the good articles
become in the corpus is `indexer.editing.batches`'s decision. Parsing a big
upload is seconds of work, so the callers run it in a worker thread
(`run_in_threadpool`), which would otherwise keep the event loop from every
other request. A body that cannot be read at all is a 422; an article that
cannot be used is a rejected outcome beside the others.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request

from indexer.editing.batches import Files, record_files, upload_files
from indexer.editing.uploads import Parsed, parse_file, parse_records
from indexer.ingest.errors import CorpusError
from indexer.ingest.formats import jsonl
from indexer.settings import Settings
from webapp.errors import PayloadTooLarge, Unprocessable
from webapp.http import loads_json

JSON_TYPES = ("application/json",)
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")
ACCEPTED = (*JSON_TYPES, *JSONL_TYPES, "multipart/form-data")
# Files in one multipart request; the size limit bounds the rest.
MAX_FILES = 1000


async def read_body(request: Request) -> bytes:
    """The whole body, refused with 413 as soon as it passes the upload limit."""
    limit = request.app.state.settings.max_upload_mb * 1024 * 1024
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(limit)
    return bytes(body)


def body_files(body: bytes, media_type: str) -> Files:
    """The files of a JSON (an article or a list) or JSON Lines body."""
    if media_type in JSON_TYPES:
        return record_files(parse_records(_json_records(body), "body"))
    return record_files(_jsonl_articles(body))


def article_files(body: bytes, article_id: str) -> Files:
    """The file of a PUT's one article, whose id is the path's (or taken from it)."""
    records = _json_records(body)
    if len(records) != 1 or not isinstance(records[0], dict):
        raise Unprocessable("The body must be one article object.")
    record = records[0]
    if record.setdefault("id", article_id) != article_id:
        raise Unprocessable(
            f"The body's id {record['id']!r} is not the path's {article_id!r}.", "id"
        )
    parsed = parse_records([record], "body")
    if parsed[0].article is not None and parsed[0].article.id != article_id:
        raise Unprocessable(f"{article_id!r} is not a usable id (letters, digits, . _ ~ -).", "id")
    return record_files(parsed)


def record_file(record: dict[str, Any]) -> Files:
    """The file of one article object edited on the editor's page."""
    return record_files(parse_records([record], "article"))


async def form_files(request: Request, uploads: list[UploadFile]) -> Files:
    """The files of a multipart form, each read as the corpus reads its format."""
    settings: Settings = request.app.state.settings
    files: Files = ([], [])
    seen: set[str] = set()
    for upload in uploads:
        data = await upload.read()
        name = upload.filename or "upload"
        new, bad = await run_in_threadpool(_upload, name, data, settings.max_file_bytes, seen)
        files[0].extend(new)
        files[1].extend(bad)
    return files


def _upload(name: str, data: bytes, max_bytes: int, seen: set[str]) -> Files:
    return upload_files(name, data, parse_file(name, data, max_bytes), seen)


def _json_records(body: bytes) -> list[Any]:
    try:
        data = loads_json(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unprocessable(f"The body is not valid UTF-8 JSON: {exc}") from None
    return data if isinstance(data, list) else [data]


def _jsonl_articles(body: bytes) -> list[Parsed]:
    """Each line an article, read by the corpus's JSONL reader; a bad line is rejected alone."""
    parsed: list[Parsed] = []
    try:
        for record in jsonl.read(body, Path("body.jsonl")):
            where = f"line {record.line}"
            if record.data is None:
                reason = record.error.reason if record.error else "not an article"
                parsed.append(Parsed(None, None, where, (f"{where}: {reason}",)))
                continue
            for item in parse_records([record.data], "body"):
                reasons = tuple(r.replace("body item 1", where) for r in item.reasons)
                parsed.append(Parsed(item.article, item.record, where, reasons))
    except CorpusError as exc:
        # Only the decoding fails for the whole body (not UTF-8).
        raise Unprocessable(f"The body cannot be read: line {exc.line}: {exc.reason}.") from None
    return parsed
