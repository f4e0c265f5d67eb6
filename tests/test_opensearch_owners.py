"""An upload on the cluster backend takes its ids out of the corpus files that held them.

As the embedded writer does (`indexer.editing.edits`): the holders come from
the cluster's answers (`mget` of the ids' `file`, one other article per file
by `collapse`), parsed from documented answer shapes; the edits then change
real corpus files on disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from opensearchpy.helpers.search import Search

from indexer.editing.edits import delete, put
from indexer.editing.owners import Owners
from indexer.editing.writes import NewFile, Outcome
from indexer.opensearch.owners import holders_request, others_body, parse_holders, parse_others


def record(article_id: str) -> dict[str, Any]:
    return {
        "id": article_id,
        "title": f"Title {article_id}",
        "published": "2024-12-05T10:00:00Z",
        "lead": "A lead.",
    }


def write_jsonl(path: Path, ids: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(record(i)) + "\n" for i in ids), encoding="utf-8")


def ids_in(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def mget_answer(found: dict[str, str], missing: list[str]) -> dict[str, Any]:
    """`GET /vindex/_mget?_source_includes=file`: found documents with their file, and not."""
    docs: list[dict[str, Any]] = [
        {
            "_index": "vindex-1",
            "_id": i,
            "_version": 1,
            "_seq_no": 0,
            "_primary_term": 1,
            "found": True,
            "_source": {"file": key},
        }
        for i, key in found.items()
    ]
    docs += [{"_index": "vindex-1", "_id": i, "found": False} for i in missing]
    return {"docs": docs}


def others_answer(found: dict[str, str]) -> dict[str, Any]:
    """`others_body`'s answer: one hit per file, collapsed on `file`."""
    hits = [
        {
            "_index": "vindex-1",
            "_id": i,
            "_score": 0.0,
            "_source": {"file": key},
            "fields": {"file": [key]},
        }
        for i, key in found.items()
    ]
    return {"hits": {"total": {"value": len(hits), "relation": "eq"}, "hits": hits}}


def test_the_holders_are_asked_for_by_id_and_one_other_article_per_file() -> None:
    assert holders_request(["a1", "a2"]) == {"ids": ["a1", "a2"]}
    body = others_body(["wire/b.jsonl", "uploads/new.jsonl"], ["a1", "a2"])
    assert body == {
        "query": {
            "bool": {
                "filter": [{"terms": {"file": ["uploads/new.jsonl", "wire/b.jsonl"]}}],
                "must_not": [{"ids": {"values": ["a1", "a2"]}}],
            }
        },
        "collapse": {"field": "file"},
        "_source": ["file"],
        "size": 2,
        "track_total_hits": False,
    }
    assert Search.from_dict(body).to_dict() == body
    assert parse_holders(mget_answer({"a1": "wire/b.jsonl"}, ["a2"])) == {"a1": "wire/b.jsonl"}
    assert parse_others(others_answer({"b9": "wire/b.jsonl"})) == {"b9": "wire/b.jsonl"}


def upload(name: str, ids: list[str]) -> NewFile:
    data = "".join(json.dumps(record(i)) + "\n" for i in ids).encode()
    return NewFile(name, data, [Outcome("received", i) for i in ids])


def test_an_upload_takes_its_ids_out_of_the_files_that_held_them(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "wire" / "b.jsonl", ["a1", "b2", "b3"])  # a1 and others
    write_jsonl(corpus / "wire" / "c.jsonl", ["a2"])  # a2 alone
    held = parse_holders(mget_answer({"a1": "wire/b.jsonl", "a2": "wire/c.jsonl"}, ["a3"]))
    # b.jsonl holds others than the upload's ids; c.jsonl and the new file none.
    held.update(parse_others(others_answer({"b2": "wire/b.jsonl"})))
    owners = Owners(held)
    new = upload("new.jsonl", ["a1", "a2", "a3"])
    outcomes = put(corpus, owners, new, set())
    assert [(o.id, o.status, o.file) for o in outcomes] == [
        ("a1", "updated", "uploads/new.jsonl"),
        ("a2", "updated", "uploads/new.jsonl"),
        ("a3", "created", "uploads/new.jsonl"),
    ]
    assert ids_in(corpus / "uploads" / "new.jsonl") == ["a1", "a2", "a3"]
    # Rewritten without a1 (b3 too stays: only one other was known, and one is enough).
    assert ids_in(corpus / "wire" / "b.jsonl") == ["b2", "b3"]
    # A file of nothing but the upload's ids goes to the trash whole.
    assert not (corpus / "wire" / "c.jsonl").exists()
    trashed = sorted(p.name for p in (corpus / ".trash").rglob("*") if p.is_file())
    assert "c.jsonl" in trashed and "a1.json" in trashed


def test_an_upload_held_by_a_file_that_cannot_be_rewritten_is_rejected(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "wire").mkdir(parents=True)
    (corpus / "wire" / "d.xml").write_text("<articles/>", encoding="utf-8")
    owners = Owners({"a1": "wire/d.xml", "d2": "wire/d.xml"})
    outcomes = put(corpus, owners, upload("new.jsonl", ["a1"]), set())
    assert outcomes[0].status == "rejected"
    assert "cannot be rewritten" in outcomes[0].reasons[0]
    assert not (corpus / "uploads" / "new.jsonl").exists()


def test_a_removal_rewrites_the_file_that_held_it(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "wire" / "b.jsonl", ["a1", "b2"])
    held = parse_holders(mget_answer({"a1": "wire/b.jsonl"}, []))
    held.update(parse_others(others_answer({"b2": "wire/b.jsonl"})))
    outcome = delete(corpus, Owners(held), "a1", set())
    assert (outcome.status, outcome.file) == ("deleted", "wire/b.jsonl")
    assert ids_in(corpus / "wire" / "b.jsonl") == ["b2"]
