"""The editors' side (SPEC §9): the /editor page and the write endpoints of the API.

Every write goes to the server's one writer (`indexer.embedded.writer.Writer`, started
in the app's lifespan) and is answered when it is in the corpus and in the
index. The page and the API share the work: the page's forms post here
(session cookie and CSRF token), the API takes the bearer token. Request
bodies are parsed here, in the request, so the writer only writes; the
parsing (JSON, every corpus format, validation, the JSON of the files to
write) runs in a worker thread, as a big upload is seconds of work that
would otherwise keep the event loop from every other request.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from indexer.archive.backend import Backend
from indexer.archive.errors import ArchiveMissing
from indexer.editing.uploads import Parsed, parse_file, parse_records, safe_name, uploads_folder
from indexer.editing.writes import NewFile, Outcome, WriteFailed
from indexer.ingest.article import Article
from indexer.settings import Settings
from webapp.auth import (
    CSRF_FIELD,
    EditorAuth,
    Unauthorized,
    client_of,
    new_token,
    require_editor,
    require_session,
)
from webapp.auth_store import AuthStore
from webapp.errors import ApiError, NotFound, PayloadTooLarge, Unprocessable, UnsupportedMediaType
from webapp.http import loads_json, query_params

JSON_TYPES = ("application/json",)
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")
ACCEPTED = (*JSON_TYPES, *JSONL_TYPES, "multipart/form-data")
# Files in one multipart request; the size limit bounds the rest.
MAX_FILES = 1000
# A JSON or JSONL request of more articles than this is stored as JSONL files of
# up to BATCH_FILE_ARTICLES each (see `_record_files`).
BATCH_MIN_ARTICLES = 20
BATCH_FILE_ARTICLES = 100


# -- set-up ------------------------------------------------------------------------


def install(app: Starlette, settings: Settings) -> str:
    """Give the app its editor token and auth; returns the token (generated when unset)."""
    token = settings.editor_token or new_token()
    app.state.editor_auth = EditorAuth(token, AuthStore(settings.index))
    return token


def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


async def _wait(future: Any) -> Any:
    try:
        return await asyncio.wrap_future(future)
    except WriteFailed as exc:
        raise ApiError(503, f"The write could not be finished: {exc}") from exc


# -- turning request bodies into files ------------------------------------------------


def _record_files(parsed: list[Parsed], seen: set[str]) -> tuple[list[NewFile], list[Outcome]]:
    """The valid articles as files, the others rejected.

    A few articles are a JSON file each (uploads/<id>.json). A batch of more
    is kept as JSONL files of up to BATCH_FILE_ARTICLES articles: a file each
    cost 23,438 written, fsynced and indexed files for one 19 MB upload (637 s,
    where `vindex index` of the same articles takes a fraction of that), and
    one file of them all would make a later PUT or DELETE of one of its
    articles rewrite and index the whole batch again.
    """
    good: list[tuple[Article, Outcome]] = []
    rejected = []
    for item in parsed:
        outcome = _outcome(item, seen)
        if outcome.status == "rejected" or item.article is None:
            rejected.append(outcome)
        else:
            good.append((item.article, outcome))
    if len(good) <= BATCH_MIN_ARTICLES:
        files = [
            NewFile(
                safe_name(f"{article.id}.json"),
                json.dumps(article.to_dict(), ensure_ascii=False, indent=2).encode(),
                [outcome],
            )
            for article, outcome in good
        ]
        return files, rejected
    files = []
    for start in range(0, len(good), BATCH_FILE_ARTICLES):
        part = good[start : start + BATCH_FILE_ARTICLES]
        lines = "".join(json.dumps(a.to_dict(), ensure_ascii=False) + "\n" for a, _ in part)
        name = safe_name(f"{part[0][0].id}--{part[-1][0].id}.jsonl")
        files.append(NewFile(name, lines.encode(), [o for _, o in part]))
    return files, rejected


def _upload_files(
    name: str, data: bytes, parsed: list[Parsed], seen: set[str]
) -> tuple[list[NewFile], list[Outcome]]:
    """An uploaded file is kept as sent when all of it is good; else its good articles as JSONL."""
    outcomes = [_outcome(item, seen) for item in parsed]
    good = [(i, o) for i, o in zip(parsed, outcomes, strict=True) if o.status == "pending"]
    rejected = [o for o in outcomes if o.status == "rejected"]
    if not good:
        return [], rejected
    if not rejected:
        return [NewFile(safe_name(name), data, [o for _, o in good])], []
    stem = safe_name(name).rsplit(".", 1)[0]
    lines = "".join(
        json.dumps(i.article.to_dict(), ensure_ascii=False) + "\n" for i, _ in good if i.article
    )
    return [NewFile(f"{stem}.jsonl", lines.encode(), [o for _, o in good])], rejected


def _outcome(item: Parsed, seen: set[str]) -> Outcome:
    if item.article is None:
        return Outcome("rejected", _raw_id(item), where=item.where, reasons=list(item.reasons))
    article_id = item.article.id
    if article_id in seen:
        reason = f"{item.where}: the id {article_id} appears earlier in this request"
        return Outcome("rejected", article_id, where=item.where, reasons=[reason])
    seen.add(article_id)
    return Outcome("pending", article_id, where=item.where)


def _raw_id(item: Parsed) -> str | None:
    value = item.record.get("id") if item.record is not None else None
    return value if isinstance(value, str) else None


async def _read_body(request: Request) -> bytes:
    limit = request.app.state.settings.max_upload_mb * 1024 * 1024
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(limit)
    return bytes(body)


def _json_records(body: bytes) -> list[Any]:
    try:
        data = loads_json(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unprocessable(f"The body is not valid UTF-8 JSON: {exc}") from None
    return data if isinstance(data, list) else [data]


def _jsonl_records(body: bytes) -> list[Parsed]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable(f"The body is not valid UTF-8: {exc}") from None
    parsed: list[Parsed] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = loads_json(line)
        except ValueError as exc:
            parsed.append(Parsed(None, None, f"line {number}", (f"line {number}: {exc}",)))
            continue
        for item in parse_records([record], "body"):
            reasons = tuple(r.replace("body item 1", f"line {number}") for r in item.reasons)
            parsed.append(Parsed(item.article, item.record, f"line {number}", reasons))
    return parsed


async def _files_of_form(
    request: Request, uploads: list[UploadFile]
) -> tuple[list[NewFile], list[Outcome]]:
    settings: Settings = request.app.state.settings
    files: list[NewFile] = []
    rejected: list[Outcome] = []
    seen: set[str] = set()
    for upload in uploads:
        data = await upload.read()
        name = upload.filename or "upload"
        new, bad = await run_in_threadpool(_parse_upload, name, data, settings.max_file_bytes, seen)
        files.extend(new)
        rejected.extend(bad)
    return files, rejected


def _parse_upload(
    name: str, data: bytes, max_bytes: int, seen: set[str]
) -> tuple[list[NewFile], list[Outcome]]:
    return _upload_files(name, data, parse_file(name, data, max_bytes), seen)


def _parse_body(body: bytes, media_type: str) -> tuple[list[NewFile], list[Outcome]]:
    """The files of a JSON or JSONL body (run in a worker thread)."""
    if media_type in JSON_TYPES:
        return _files_of_records(_json_records(body), "body")
    return _record_files(_jsonl_records(body), set())


def _files_of_records(records: list[Any], label: str) -> tuple[list[NewFile], list[Outcome]]:
    return _record_files(parse_records(records, label), set())


def _parse_article(body: bytes, article_id: str) -> tuple[list[NewFile], list[Outcome]]:
    """The file of a PUT's one article (run in a worker thread)."""
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
    return _record_files(parsed, set())


async def _store(request: Request, files: list[NewFile], rejected: list[Outcome]) -> list[Outcome]:
    written: list[Outcome] = await _wait(_backend(request).upload(files)) if files else []
    return written + rejected


def _summary(outcomes: list[Outcome]) -> dict[str, Any]:
    counts = {k: sum(o.status == k for o in outcomes) for k in ("created", "updated", "rejected")}
    return {**counts, "articles": [o.to_dict() for o in outcomes]}


# -- the API ---------------------------------------------------------------------------


async def post_articles(request: Request) -> Response:
    """JSON (an article or a list), JSONL, or multipart files in any corpus format."""
    await require_editor(request)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ACCEPTED:
        raise UnsupportedMediaType(media_type, ACCEPTED)
    if media_type == "multipart/form-data":
        async with request.form(max_files=MAX_FILES) as form:
            uploads = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
            if not uploads:
                raise Unprocessable("The form holds no files.", "files")
            files, rejected = await _files_of_form(request, uploads)
    else:
        body = await _read_body(request)
        files, rejected = await run_in_threadpool(_parse_body, body, media_type)
    outcomes = await _store(request, files, rejected)
    return JSONResponse(_summary(outcomes), headers={"Cache-Control": "no-store"})


async def put_article(request: Request) -> Response:
    """Replace (or create) the article with this id."""
    await require_editor(request)
    article_id = request.path_params["id"]
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in JSON_TYPES:
        raise UnsupportedMediaType(media_type, JSON_TYPES)
    body = await _read_body(request)
    files, rejected = await run_in_threadpool(_parse_article, body, article_id)
    outcomes = await _store(request, files, rejected)
    return JSONResponse(_summary(outcomes), headers={"Cache-Control": "no-store"})


async def delete_article(request: Request) -> Response:
    """Remove from the index; the file (or the record) goes to corpus/.trash/."""
    await require_editor(request)
    outcome = await _delete(request, request.path_params["id"])
    return JSONResponse(outcome.to_dict(), headers={"Cache-Control": "no-store"})


async def _delete(request: Request, article_id: str) -> Outcome:
    outcome: Outcome = await _wait(_backend(request).delete(article_id))
    if outcome.status == "missing":
        raise NotFound(f"There is no article with the id {article_id!r}.")
    if outcome.status == "rejected":
        raise ApiError(409, "; ".join(outcome.reasons))
    return outcome


async def post_reindex(request: Request) -> Response:
    """Start a full rebuild in the background; follow it at /api/jobs/{id}."""
    await require_editor(request)
    job = _backend(request).reindex()
    return JSONResponse(
        job.to_dict(),
        status_code=202,
        headers={"Location": f"/api/jobs/{job.id}", "Cache-Control": "no-store"},
    )


async def get_job(request: Request) -> Response:
    await require_editor(request)
    job = _backend(request).job(request.path_params["id"])
    if job is None:
        raise NotFound(f"There is no job {request.path_params['id']!r} (jobs are kept a while).")
    return JSONResponse(job.to_dict(), headers={"Cache-Control": "no-store"})


# -- the page ----------------------------------------------------------------------------


def _stats(request: Request) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    folder = uploads_folder(settings.corpus)
    newest = (
        sorted(
            (p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )[:10]
        if folder.is_dir()
        else []
    )
    return {**_backend(request).activity(), "upload_files": [p.name for p in newest]}


def _page(request: Request, session_id: str | None, status: int = 200, **context: Any) -> Response:
    auth: EditorAuth = request.app.state.editor_auth
    values: dict[str, Any] = {
        "csrf": auth.csrf_token(session_id),
        "logged_in": session_id is not None,
        "max_upload_mb": request.app.state.settings.max_upload_mb,
        **context,
    }
    if session_id is not None:
        values["stats"] = _stats(request)
        job_id = query_params(request).get("job", "")
        job = _backend(request).job(job_id) if job_id else None
        values.setdefault("job", job.to_dict() if job else None)
        edit_id = query_params(request).get("edit", "").strip()
        if edit_id and "editing" not in values:
            values["editing"] = _editable(request, edit_id)
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(
        request,
        "editor.html",
        values,
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )
    return response


async def editor_page(request: Request) -> Response:
    auth: EditorAuth = request.app.state.editor_auth
    return _page(request, auth.session(request))


async def login(request: Request) -> Response:
    auth: EditorAuth = request.app.state.editor_auth
    form = await request.form()
    if not auth.csrf_ok(None, str(form.get(CSRF_FIELD, ""))):
        raise ApiError(403, "The form's CSRF token is missing or wrong: reload the editor page.")
    auth.check_pace(client_of(request))
    if not auth.token_ok(str(form.get("token", ""))):
        return _page(request, None, 401, login_error="That is not the editor token.")
    auth.succeeded(client_of(request))
    response = RedirectResponse("/editor", status_code=303)
    auth.set_cookie(request, response)
    return response


async def logout(request: Request) -> Response:
    form = await request.form()
    session_id = require_session(request, str(form.get(CSRF_FIELD, "")))
    auth: EditorAuth = request.app.state.editor_auth
    auth.end_session(session_id)
    response = RedirectResponse("/editor", status_code=303)
    EditorAuth.clear_cookie(response)
    return response


async def upload_form(request: Request) -> Response:
    async with request.form(max_files=MAX_FILES) as form:
        session_id = require_session(request, str(form.get(CSRF_FIELD, "")))
        uploads = [
            v for _, v in form.multi_items() if isinstance(v, UploadFile) and (v.filename or v.size)
        ]
        if not uploads:
            return _page(request, session_id, 422, message="Choose one or more files to upload.")
        files, rejected = await _files_of_form(request, uploads)
    outcomes = await _store(request, files, rejected)
    return _page(request, session_id, outcomes=[o.to_dict() for o in outcomes])


async def delete_form(request: Request) -> Response:
    form = await request.form()
    session_id = require_session(request, str(form.get(CSRF_FIELD, "")))
    article_id = str(form.get("id", "")).strip()
    if not article_id:
        return _page(request, session_id, 422, message="Give the id of the article to remove.")
    try:
        outcome = await _delete(request, article_id)
    except ApiError as exc:
        return _page(request, session_id, exc.status_code, message=exc.detail)
    return _page(
        request,
        session_id,
        message=f"Removed {article_id} (from {outcome.file}; it is in the trash).",
    )


def _editable(request: Request, article_id: str) -> dict[str, Any]:
    """The article as its corpus file has it (the editor's own entities, not the extracted)."""
    try:
        original = _backend(request).original(article_id)
    except ArchiveMissing:
        original = None
    if original is None:
        return {"id": article_id, "error": f"There is no article with the id {article_id!r}."}
    file, found = original
    if found is None:
        return {"id": article_id, "error": f"{file} no longer holds {article_id!r}."}
    text = json.dumps(found.to_dict(), ensure_ascii=False, indent=2)
    return {"id": article_id, "text": text, "file": file}


async def correct_form(request: Request) -> Response:
    """The editor page's correction: the article's JSON, edited, replaces it (as PUT does)."""
    form = await request.form()
    session_id = require_session(request, str(form.get(CSRF_FIELD, "")))
    article_id = str(form.get("id", "")).strip()
    text = str(form.get("article", ""))
    editing = {"id": article_id, "text": text}
    try:
        record = loads_json(text)
    except ValueError as exc:
        editing["error"] = f"Not valid JSON: {exc}"
        return _page(request, session_id, 422, editing=editing)
    if not isinstance(record, dict) or record.setdefault("id", article_id) != article_id:
        editing["error"] = f"Give one article object, with the id {article_id!r}."
        return _page(request, session_id, 422, editing=editing)
    files, rejected = await run_in_threadpool(_files_of_records, [record], "article")
    outcomes = await _store(request, files, rejected)
    if rejected:
        editing["error"] = "; ".join(r for o in rejected for r in o.reasons)
        return _page(request, session_id, 422, editing=editing)
    return _page(request, session_id, outcomes=[o.to_dict() for o in outcomes])


async def reindex_form(request: Request) -> Response:
    form = await request.form()
    require_session(request, str(form.get(CSRF_FIELD, "")))
    job = _backend(request).reindex()
    return RedirectResponse(f"/editor?job={job.id}", status_code=303)


routes: list[BaseRoute] = [
    Route("/editor", editor_page, methods=["GET"], name="editor"),
    Route("/editor/login", login, methods=["POST"], name="editor_login"),
    Route("/editor/logout", logout, methods=["POST"], name="editor_logout"),
    Route("/editor/upload", upload_form, methods=["POST"], name="editor_upload"),
    Route("/editor/delete", delete_form, methods=["POST"], name="editor_delete"),
    Route("/editor/correct", correct_form, methods=["POST"], name="editor_correct"),
    Route("/editor/reindex", reindex_form, methods=["POST"], name="editor_reindex"),
    Route("/api/articles", post_articles, methods=["POST"], name="api_articles_post"),
    Route("/api/articles/{id}", put_article, methods=["PUT"], name="api_article_put"),
    Route("/api/articles/{id}", delete_article, methods=["DELETE"], name="api_article_delete"),
    Route("/api/reindex", post_reindex, methods=["POST"], name="api_reindex"),
    Route("/api/jobs/{id}", get_job, methods=["GET"], name="api_job"),
]

__all__ = ["Unauthorized", "install", "routes"]
