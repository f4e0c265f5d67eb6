"""A batch's changes to the corpus files: an uploaded file put in place, articles taken out.

Backend-neutral: the embedded writer and the cluster backend make the same
changes to the corpus folder, each from the holders its index reports.

An id belongs to one file. `put` writes a new file into `corpus/uploads/`
and takes its ids out of the files that held them first: the whole file goes
to the trash when nothing else is in it, else the file is rewritten without
them (JSON and JSONL only; in other formats the upload is rejected, naming
the file). `delete` takes one id out the same way. Both change the batch's
`Owners` as they go, so the next write of the batch sees what this one did,
and note each file they wrote or removed in `touched`, the files the index
update then looks at.
"""

from __future__ import annotations

from pathlib import Path

from indexer.editing.owners import Owners
from indexer.editing.rewrite import rewritable, rewrite_without
from indexer.editing.trash import trash_file, trash_record
from indexer.editing.uploads import free_name, inside, uploads_folder
from indexer.editing.writes import NewFile, Outcome, WriteFailed
from indexer.ingest.corpus import file_key
from indexer.system.files import atomic_write


def put(corpus: Path, owners: Owners, new: NewFile, touched: set[Path]) -> list[Outcome]:
    """Write the file into uploads/, its ids taken from the files that held them."""
    folder = uploads_folder(corpus)
    target = folder / new.name
    if not inside(folder, target):
        raise WriteFailed(f"refusing to write outside {folder}: {new.name!r}")
    ids = set(new.ids)
    if target.exists() and not owners.ids_of(file_key(target, corpus)) <= ids:
        target = free_name(folder, new.name)
    key = file_key(target, corpus)
    plan: dict[str, list[str]] = {}
    for article_id in new.ids:
        holder = owners.holder.get(article_id)
        if holder is not None and holder != key:
            plan.setdefault(holder, []).append(article_id)
    for holder, held in plan.items():
        problem = _cannot_take_out(corpus, owners, holder, held, ids)
        if problem:
            for outcome in new.outcomes:
                outcome.status, outcome.reasons = "rejected", [problem]
            return new.outcomes
    known = {article_id: article_id in owners.holder for article_id in new.ids}
    for holder, held in plan.items():
        _take_out(corpus, owners, holder, held, "replaced by an upload", touched)
    if target.exists():
        previous = sorted(owners.ids_of(key)) or ["(not indexed)"]
        trash_file(corpus, target, previous, "replaced by an upload", keep=True)
    atomic_write(target, new.data)
    # The written file itself, not its folder: a folder's every file would be looked at.
    touched.add(target)
    owners.assign(key, new.ids)
    for outcome in new.outcomes:
        assert outcome.id is not None
        outcome.status = "updated" if known[outcome.id] else "created"
        outcome.file = key
    return new.outcomes


def delete(corpus: Path, owners: Owners, article_id: str, touched: set[Path]) -> Outcome:
    """Take the article out of the file that holds it (to the trash)."""
    key = owners.holder.get(article_id)
    if key is None:
        return Outcome("missing", article_id, reasons=[f"no article with the id {article_id}"])
    problem = _cannot_take_out(corpus, owners, key, [article_id], {article_id})
    if problem:
        return Outcome("rejected", article_id, key, reasons=[problem])
    _take_out(corpus, owners, key, [article_id], "deleted by an editor", touched)
    return Outcome("deleted", article_id, key)


def _cannot_take_out(
    corpus: Path, owners: Owners, key: str, ids: list[str], replacing: set[str]
) -> str | None:
    path = corpus / key
    if not inside(corpus, path):
        return f"{key} holds {', '.join(ids)} and is outside the corpus"
    whole = owners.ids_of(key) <= replacing
    if not whole and not rewritable(path):
        return (
            f"{key} holds {', '.join(ids)} with other articles in a format that cannot "
            "be rewritten here; edit or remove that file"
        )
    return None


def _take_out(
    corpus: Path, owners: Owners, key: str, ids: list[str], reason: str, touched: set[Path]
) -> None:
    path = corpus / key
    # The file alone, trashed or rewritten: not a walk of the folder it is in.
    touched.add(path)
    if owners.ids_of(key) <= set(ids):
        trash_file(corpus, path, sorted(owners.ids_of(key)), reason)
    else:
        for article_id, record in rewrite_without(path, set(ids)):
            trash_record(corpus, record, article_id, reason)
    owners.drop(ids)
