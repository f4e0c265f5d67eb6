"""The editor endpoints in the OpenAPI document (merged into it by `webapp.openapi`).

Kept apart from the read API's description so that it changes with the write
endpoints (`webapp.editor_api`); plain data built with the document's one set
of helpers (`webapp.openapi_parts`), referring to its `Error` schema and its
shared responses. Outcomes and jobs are the writer's types, described here by
hand until they are typed results too.
"""

from __future__ import annotations

from typing import Any

from webapp.openapi_parts import JSON, Schema, answer, error, param, ref, schema_ref

SECURITY_SCHEMES: dict[str, Schema] = {
    "editorToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The editor token (`VINDEX_EDITOR_TOKEN`; `vindex serve` prints it).",
    }
}


_ID = param("id", {"type": "string"}, "The article id.", "path")
_JOB_ID = param("id", {"type": "string"}, "The job id (the Location of /api/reindex).", "path")
_ENTRY = param("entry", {"type": "string"}, "The trash entry (its `name` in /api/trash).", "path")

SCHEMAS: dict[str, Schema] = {
    "Outcome": {
        "type": "object",
        "properties": {
            "status": {"enum": ["created", "updated", "rejected", "deleted"]},
            "id": {"type": ["string", "null"]},
            "file": {"type": "string", "description": "The corpus file that holds it."},
            "where": {"type": "string", "description": "Where in the request it was."},
            "reasons": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["status", "id"],
    },
    "Outcomes": {
        "type": "object",
        "properties": {
            "created": {"type": "integer", "minimum": 0},
            "updated": {"type": "integer", "minimum": 0},
            "rejected": {"type": "integer", "minimum": 0},
            "articles": {"type": "array", "items": schema_ref("Outcome")},
        },
        "required": ["created", "updated", "rejected", "articles"],
    },
    "TrashEntry": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "The entry, to restore it by."},
            "ids": {"type": "array", "items": {"type": "string"}},
            "original": {"type": "string", "description": "Where its file was in the corpus."},
            "reason": {"type": "string", "description": "Why it went: removed, or replaced."},
            "trashed": {"type": "string", "description": "When, ISO 8601 in UTC."},
        },
        "required": ["name", "ids", "original", "reason", "trashed"],
    },
    "Trash": {
        "type": "object",
        "properties": {
            "entries": {"type": "array", "items": schema_ref("TrashEntry")},
            "more": {
                "type": "integer",
                "minimum": 0,
                "description": "Older entries not listed (`vindex restore ID` reaches them).",
            },
        },
        "required": ["entries", "more"],
    },
    "Job": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "kind": {"enum": ["upload", "delete", "reindex", "reconcile"]},
            "state": {"enum": ["queued", "running", "done", "failed"]},
            "done": {
                "type": "integer",
                "minimum": 0,
                "description": "Articles indexed so far (a reindex's or a start-up check's).",
            },
            "total": {
                "type": "integer",
                "minimum": 0,
                "description": "Articles in all: estimated from the input bytes read while "
                "the build reads the corpus (`exact` false), exact once it has read it all.",
            },
            "exact": {"type": "boolean", "description": "Whether `total` is the exact count."},
            "articles_per_s": {
                "type": ["number", "null"],
                "description": "Articles indexed per second since the build started.",
            },
            "eta_seconds": {
                "type": ["number", "null"],
                "description": "Seconds left while the job runs: while it reads the corpus, "
                "from the rate its bytes are read, plus the time the index takes to be "
                "written after it as the last reindex took (per second of reading), counted "
                "down until the job ends. Null before its first file, while the index is "
                "written when no earlier reindex tells how long that takes (or it takes "
                "longer), and once it has ended. Never 0 while it runs.",
            },
            "progress": {
                "type": "string",
                "description": "The figures in words: '12,000 of about 100,000 articles, "
                "1,480 articles/s, about 1 min left'; when done, '100,000 articles in "
                "1 min, 1,480 articles/s'.",
            },
            "failed": {"type": "integer", "minimum": 0},
            "message": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "string"}},
            "started": {"type": ["string", "null"]},
            "finished": {"type": ["string", "null"]},
        },
        "required": [
            "id",
            "kind",
            "state",
            "done",
            "total",
            "exact",
            "articles_per_s",
            "eta_seconds",
            "progress",
            "failed",
        ],
    },
}

_ARTICLE_BODY = {
    "type": "object",
    "description": "An article with the fields of SPEC §3 (title, published, body or lead, ...).",
}


def _write(summary: str, description: str, ok: Schema, **extra: Any) -> Schema:
    responses: Schema = {
        **ok,
        "401": error(
            "No editor token, or a wrong one (repeated failures are answered slowly).",
            {"WWW-Authenticate": {"schema": {"type": "string"}}},
        ),
        "403": error("The editor page's session without its CSRF token."),
        "429": error(
            "Too many wrong tokens from this client: wait as `Retry-After` says.",
            {"Retry-After": {"schema": {"type": "string"}}},
        ),
        "413": ref("responses", "PayloadTooLarge"),
        "415": ref("responses", "UnsupportedMediaType"),
        "422": ref("responses", "Unprocessable"),
        "503": error("The write could not be finished; nothing was answered as done."),
    }
    return {
        "tags": ["editors"],
        "summary": summary,
        "description": description,
        "security": [{"editorToken": []}],
        "responses": responses,
        **extra,
    }


def _ok(description: str, schema: str, status: str = "200") -> Schema:
    return {status: answer(description, schema_ref(schema))}


def paths() -> dict[str, Schema]:
    outcomes = _ok(
        "One outcome per article: created, updated or rejected with reasons.", "Outcomes"
    )
    return {
        "/api/articles": {
            "post": _write(
                "Add or replace articles",
                "A JSON article or list, JSON Lines (`application/x-ndjson`, one article "
                "a line), or files in any corpus format (multipart/form-data). Answered "
                "when every article is in the corpus and in the index; an article with an "
                "id that exists replaces it.",
                outcomes,
                requestBody={
                    "required": True,
                    "content": {
                        JSON: {
                            "schema": {
                                "oneOf": [_ARTICLE_BODY, {"type": "array", "items": _ARTICLE_BODY}]
                            }
                        },
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "files": {
                                        "type": "array",
                                        "items": {"type": "string", "format": "binary"},
                                    }
                                },
                            }
                        },
                    },
                },
            )
        },
        "/api/articles/{id}": {
            "put": _write(
                "Replace an article",
                "The article with this id, replaced (or created) by the body; the old "
                "version goes to the trash.",
                outcomes,
                parameters=[_ID],
                requestBody={"required": True, "content": {JSON: {"schema": _ARTICLE_BODY}}},
            ),
            "delete": _write(
                "Remove an article",
                "Removed from the index; its file (or its record) is moved to "
                "`corpus/.trash/`, from where `vindex restore ID` brings it back.",
                {
                    **_ok("Removed.", "Outcome"),
                    "404": ref("responses", "NotFound"),
                    "409": error("The article shares a file that cannot be rewritten."),
                },
                parameters=[_ID],
            ),
        },
        "/api/reindex": {
            "post": _write(
                "Rebuild the index",
                "A full rebuild in the background, swapped in when whole; searches go on.",
                _ok("The job, queued; follow it at its Location.", "Job", "202"),
            )
        },
        "/api/trash": {
            "get": _write(
                "Removed and replaced articles",
                "The newest 30 entries of `corpus/.trash/`, newest first.",
                _ok("The entries.", "Trash"),
            )
        },
        "/api/trash/{entry}/restore": {
            "post": _write(
                "Restore a trash entry",
                "Its file goes back through the writer as an upload (into "
                "`corpus/uploads/`); answered when its articles are in the index. "
                "Refused while any of them is in the archive again.",
                {
                    **outcomes,
                    "404": ref("responses", "NotFound"),
                    "409": error("An article of the entry is in the archive again."),
                },
                parameters=[_ENTRY],
            )
        },
        "/api/jobs/{id}": {
            "get": _write(
                "A job's progress",
                "Files done of total, failures and an estimate of the time left.",
                {**_ok("The job.", "Job"), "404": ref("responses", "NotFound")},
                parameters=[_JOB_ID],
            )
        },
    }


def merge(base: dict[str, Schema]) -> dict[str, Schema]:
    """The document's paths with the editor's operations added (paths may be shared)."""
    merged = {path: dict(operations) for path, operations in base.items()}
    for path, operations in paths().items():
        merged.setdefault(path, {}).update(operations)
    return merged
