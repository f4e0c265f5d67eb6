"""The /editor page and its forms: sign in, find, upload, correct, remove, restore, reindex.

A browser holds a session cookie instead of the bearer token; each form
carries the session's CSRF token (`webapp.auth.require_session`). The forms
store and remove through the write API's own functions (`webapp.editor_api`)
and answer with the page again, showing what happened; a failure is shown on
the page with its status rather than as an error page, so the editor keeps
what they typed.

"Find" searches through the same search core as the readers' pages
(`Backend.search`), and each hit has "Edit" and "Remove"; a removal can be
undone from the message it leaves, and the trash is listed with "Restore"
(`webapp.editor_trash`).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from indexer.archive.errors import ArchiveMissing
from indexer.archive.request import RequestError, SearchRequest
from indexer.editing.uploads import uploads_folder
from indexer.editing.writes import Outcome
from indexer.settings import Settings
from webapp import bodies, editor_trash
from webapp.auth import CSRF_FIELD, EditorAuth, client_of, require_session
from webapp.editor_api import backend_of, remove, store
from webapp.errors import ApiError
from webapp.http import loads_json, query_params

# Uploaded files the page lists, newest first.
RECENT_UPLOADS = 10
# Hits "Find" lists: an editor looks for one article, and adds words to narrow.
FIND_HITS = 20


def recent_uploads(folder: Path, count: int = RECENT_UPLOADS) -> list[str]:
    """The names of the newest files in the uploads folder (hidden temporaries left out)."""
    if not folder.is_dir():
        return []
    files = (p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return [p.name for p in sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)[:count]]


def _auth(request: Request) -> EditorAuth:
    auth: EditorAuth = request.app.state.editor_auth
    return auth


def _page(request: Request, session_id: str | None, status: int = 200, **context: Any) -> Response:
    settings: Settings = request.app.state.settings
    values: dict[str, Any] = {
        "csrf": _auth(request).csrf_token(session_id),
        "logged_in": session_id is not None,
        "max_upload_mb": settings.max_upload_mb,
        **context,
    }
    if session_id is not None:
        backend = backend_of(request)
        params = query_params(request)
        values["stats"] = {
            **backend.activity(),
            "upload_files": recent_uploads(uploads_folder(settings.corpus)),
        }
        job_id = params.get("job", "")
        job = backend.job(job_id) if job_id else None
        values.setdefault("job", job.to_dict() if job else None)
        edit_id = params.get("edit", "").strip()
        if edit_id and "editing" not in values:
            values["editing"] = _editable(request, edit_id)
        find = params.get("find", "").strip()
        if find and "find" not in values:
            values["find"] = _find(request, find)
        values["trash"], values["trash_more"] = editor_trash.listing(settings.corpus)
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(
        request,
        "editor.html",
        values,
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )
    return response


def _find(request: Request, words: str) -> dict[str, Any]:
    """The articles an editor is looking for: the words searched as readers search them.

    An id typed in whole finds its article first, whatever the words find.
    """
    try:
        wanted = SearchRequest.from_params({"q": words, "per_page": str(FIND_HITS)})
        result = backend_of(request).search(wanted, facet_limit=1)
    except RequestError as exc:
        return {"q": words, "error": f"{exc.message}.", "hits": [], "total": 0}
    hits = [h.to_dict() for h in result.hits]
    total = result.total
    if not any(h["id"] == words for h in hits):
        article = backend_of(request).article(words)
        if article is not None:
            hits.insert(0, _as_hit(article.to_dict()))
            total += 1
    return {"q": words, "hits": hits, "total": total}


def _as_hit(article: dict[str, Any]) -> dict[str, Any]:
    """An article found by its id, shaped as a hit of the list."""
    title = str(article.get("title", ""))
    return {
        "id": article["id"],
        "title": title,
        "title_html": html.escape(title),
        "section": article.get("section", ""),
        "published": article.get("published", ""),
        "language": article.get("language", ""),
    }


def _editable(request: Request, article_id: str) -> dict[str, Any]:
    """The article as its corpus file has it (the editor's own entities, not the extracted)."""
    try:
        original = backend_of(request).original(article_id)
    except ArchiveMissing:
        original = None
    if original is None:
        return {"id": article_id, "error": f"There is no article with the id {article_id!r}."}
    file, found = original
    if found is None:
        return {"id": article_id, "error": f"{file} no longer holds {article_id!r}."}
    text = json.dumps(found.to_dict(), ensure_ascii=False, indent=2)
    return {"id": article_id, "text": text, "file": file}


async def _session(request: Request) -> tuple[str, Any]:
    """The form of a logged-in editor's post, and the session (403 without its CSRF token)."""
    form = await request.form()
    return require_session(request, str(form.get(CSRF_FIELD, ""))), form


def editor_page(request: Request) -> Response:
    # Plain, so Starlette runs it in its thread pool: "Find" searches, as the pages do.
    return _page(request, _auth(request).session(request))


async def login(request: Request) -> Response:
    auth = _auth(request)
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
    session_id, _ = await _session(request)
    _auth(request).end_session(session_id)
    response = RedirectResponse("/editor", status_code=303)
    EditorAuth.clear_cookie(response)
    return response


async def upload_form(request: Request) -> Response:
    async with request.form(max_files=bodies.MAX_FILES) as form:
        session_id = require_session(request, str(form.get(CSRF_FIELD, "")))
        uploads = [
            v for _, v in form.multi_items() if isinstance(v, UploadFile) and (v.filename or v.size)
        ]
        if not uploads:
            return _page(request, session_id, 422, message="Choose one or more files to upload.")
        files, rejected = await bodies.form_files(request, uploads)
    outcomes = await store(request, files, rejected)
    return _page(
        request,
        session_id,
        message=f"Uploaded: {_counted(outcomes)}; each is listed under Upload articles.",
        outcomes=[o.to_dict() for o in outcomes],
    )


def _counted(outcomes: list[Outcome]) -> str:
    """ "3 created, 1 rejected": the outcomes by status, in the order they matter."""
    counts = {k: sum(o.status == k for o in outcomes) for k in ("created", "updated", "rejected")}
    words = [f"{n:,} {status}" for status, n in counts.items() if n]
    return ", ".join(words) or "no articles"


async def delete_form(request: Request) -> Response:
    session_id, form = await _session(request)
    article_id = str(form.get("id", "")).strip()
    if not article_id:
        return _page(request, session_id, 422, message="Give the id of the article to remove.")
    find = str(form.get("find", "")).strip()
    # Back to the list the removal was made from, less the article.
    listed: dict[str, Any] = {"find": await run_in_threadpool(_find, request, find)} if find else {}
    try:
        outcome = await remove(request, article_id)
    except ApiError as exc:
        return _page(request, session_id, exc.status_code, message=exc.detail, **listed)
    settings: Settings = request.app.state.settings
    undo = await run_in_threadpool(editor_trash.newest_entry, settings.corpus, article_id)
    if find:
        listed = {"find": await run_in_threadpool(_find, request, find)}
    return _page(
        request,
        session_id,
        message=f"Removed {article_id} (from {outcome.file}; it is in the trash).",
        undo=undo,
        **listed,
    )


async def restore_form(request: Request) -> Response:
    """A trash entry written and indexed again (see `webapp.editor_trash`)."""
    session_id, form = await _session(request)
    try:
        entry, outcomes = await editor_trash.restore(request, str(form.get("entry", "")))
    except ApiError as exc:
        return _page(request, session_id, exc.status_code, message=exc.detail)
    restored = [o.id for o in outcomes if o.status in ("created", "updated") and o.id]
    message = (
        f"Restored {', '.join(restored)} (into corpus/uploads/)."
        if restored
        else f"Nothing of {', '.join(entry.ids)} could be restored: see the reasons."
    )
    return _page(request, session_id, message=message, outcomes=[o.to_dict() for o in outcomes])


async def correct_form(request: Request) -> Response:
    """The editor page's correction: the article's JSON, edited, replaces it (as PUT does)."""
    session_id, form = await _session(request)
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
    files, rejected = await run_in_threadpool(bodies.record_file, record)
    outcomes = await store(request, files, rejected)
    if rejected:
        editing["error"] = "; ".join(r for o in rejected for r in o.reasons)
        return _page(request, session_id, 422, editing=editing)
    return _page(
        request,
        session_id,
        message=f"Saved the correction of {article_id}; the old version is in the trash.",
        outcomes=[o.to_dict() for o in outcomes],
    )


async def reindex_form(request: Request) -> Response:
    await _session(request)
    job = backend_of(request).reindex()
    return RedirectResponse(f"/editor?job={job.id}", status_code=303)


routes: list[BaseRoute] = [
    Route("/editor", editor_page, methods=["GET"], name="editor"),
    Route("/editor/login", login, methods=["POST"], name="editor_login"),
    Route("/editor/logout", logout, methods=["POST"], name="editor_logout"),
    Route("/editor/upload", upload_form, methods=["POST"], name="editor_upload"),
    Route("/editor/delete", delete_form, methods=["POST"], name="editor_delete"),
    Route("/editor/correct", correct_form, methods=["POST"], name="editor_correct"),
    Route("/editor/reindex", reindex_form, methods=["POST"], name="editor_reindex"),
    Route("/editor/restore", restore_form, methods=["POST"], name="editor_restore"),
]
