"""Which corpus file holds which article id, as the cluster says: for an upload or a removal.

An id belongs to one file. Before an upload or a removal changes the corpus
folder (`indexer.editing.edits`, as the embedded writer does), the backend
asks the cluster which files hold the ids (`mget`, the documents' `file`)
and whether those files, and the upload's own file, hold other articles:
one other article per file is enough to know that the file must be
rewritten rather than trashed (`collapse` on `file` answers one per file).
"""

from __future__ import annotations

from typing import Any


def holders_request(ids: list[str]) -> dict[str, Any]:
    """The `mget` body of the ids' documents (their `file` only: `_source_includes`)."""
    return {"ids": ids}


def parse_holders(answer: dict[str, Any]) -> dict[str, str]:
    """{article id: file} of the documents an `mget` found."""
    return {
        doc["_id"]: str(doc["_source"]["file"])
        for doc in answer.get("docs", [])
        if doc.get("found") and "file" in doc.get("_source", {})
    }


def others_body(files: list[str], ids: list[str]) -> dict[str, Any]:
    """One article of each file that is not among `ids` (a file with none is not answered)."""
    return {
        "query": {
            "bool": {
                "filter": [{"terms": {"file": sorted(files)}}],
                "must_not": [{"ids": {"values": ids}}],
            }
        },
        "collapse": {"field": "file"},
        "_source": ["file"],
        "size": len(files),
        "track_total_hits": False,
    }


def parse_others(answer: dict[str, Any]) -> dict[str, str]:
    """{article id: file} of `others_body`'s answer."""
    return {hit["_id"]: str(hit["_source"]["file"]) for hit in answer["hits"]["hits"]}
