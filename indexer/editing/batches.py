"""Batches: what the articles of one write request become in the corpus, file by file.

An editor's request (a JSON body, JSON Lines, uploaded files) or a script's
`Archive.add` arrives as validated articles, some rejected. Before the writer
stores anything, each is given an `Outcome` and the good ones are grouped into
the files to write into `corpus/uploads/` (`NewFile`s):

- a few articles (up to `BATCH_MIN_ARTICLES`) are a JSON file each,
  `<id>.json`, so that a later correction or removal touches that one file;
- more are JSON Lines files of up to `BATCH_FILE_ARTICLES` each. A file per
  article cost 23,438 written, fsynced and indexed files for one 19 MB upload
  (637 s, where `vindex index` of the same articles takes a fraction of that);
  one file of them all would make a later PUT or DELETE of one of its
  articles rewrite and index the whole batch again. A hundred keeps both
  costs small;
- an uploaded file whose articles are all good is kept as sent (its own
  format and name); one with rejected articles keeps its good ones as JSONL.

An id given twice in one request is rejected the second time: which of the
two would win is not for the writer to guess.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from indexer.editing.uploads import Parsed, safe_name

# The editor's types; they move to indexer.editing.writes (the lead fixes this import at merge).
from indexer.editing.writes import NewFile, Outcome
from indexer.ingest.article import Article

# A request of more articles than this is stored as JSONL files...
BATCH_MIN_ARTICLES = 20
# ...of up to this many articles each.
BATCH_FILE_ARTICLES = 100

Files = tuple[list[NewFile], list[Outcome]]


def article_files(articles: Iterable[Article]) -> Files:
    """Articles (already valid) as the files to write, and the repeated ids rejected."""
    parsed = [Parsed(a, None, f"article {n}") for n, a in enumerate(articles, 1)]
    return record_files(parsed)


def record_files(parsed: Iterable[Parsed], seen: set[str] | None = None) -> Files:
    """The valid articles of a request as files (a few alone, more in batches), the rest rejected.

    `seen` holds the ids met earlier in the same request (a form's other files).
    """
    seen = set() if seen is None else seen
    good: list[tuple[Article, Outcome]] = []
    rejected = []
    for item in parsed:
        result = outcome(item, seen)
        if result.status == "rejected" or item.article is None:
            rejected.append(result)
        else:
            good.append((item.article, result))
    if len(good) <= BATCH_MIN_ARTICLES:
        files = [
            NewFile(
                safe_name(f"{article.id}.json"),
                json.dumps(article.to_dict(), ensure_ascii=False, indent=2).encode(),
                [result],
            )
            for article, result in good
        ]
        return files, rejected
    files = []
    for start in range(0, len(good), BATCH_FILE_ARTICLES):
        part = good[start : start + BATCH_FILE_ARTICLES]
        name = safe_name(f"{part[0][0].id}--{part[-1][0].id}.jsonl")
        files.append(NewFile(name, _json_lines(a for a, _ in part), [o for _, o in part]))
    return files, rejected


def upload_files(name: str, data: bytes, parsed: list[Parsed], seen: set[str]) -> Files:
    """An uploaded file as sent when all of it is good; else its good articles as JSONL."""
    outcomes = [outcome(item, seen) for item in parsed]
    good = [(i, o) for i, o in zip(parsed, outcomes, strict=True) if o.status == "pending"]
    rejected = [o for o in outcomes if o.status == "rejected"]
    if not good:
        return [], rejected
    if not rejected:
        return [NewFile(safe_name(name), data, [o for _, o in good])], []
    stem = safe_name(name).rsplit(".", 1)[0]
    lines = _json_lines(i.article for i, _ in good if i.article)
    return [NewFile(f"{stem}.jsonl", lines, [o for _, o in good])], rejected


def outcome(item: Parsed, seen: set[str]) -> Outcome:
    """Pending for a good article met the first time; rejected, with reasons, otherwise."""
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


def _json_lines(articles: Iterable[Article]) -> bytes:
    return "".join(json.dumps(a.to_dict(), ensure_ascii=False) + "\n" for a in articles).encode()
