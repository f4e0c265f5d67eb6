"""What the articles of one write request become in the corpus (indexer.editing.batches)."""

from __future__ import annotations

import json

from conftest import synthetic_article

from indexer.editing.batches import (
    BATCH_FILE_ARTICLES,
    BATCH_MIN_ARTICLES,
    article_files,
    upload_files,
)
from indexer.editing.uploads import parse_file
from indexer.ingest.article import Article, make_article


def articles(count: int, start: int = 0) -> list[Article]:
    return [make_article(synthetic_article(n)) for n in range(start, start + count)]


def test_a_few_articles_are_a_json_file_each() -> None:
    files, rejected = article_files(articles(BATCH_MIN_ARTICLES))
    assert rejected == []
    assert [f.name for f in files[:2]] == ["t-0.json", "t-1.json"]
    assert len(files) == BATCH_MIN_ARTICLES
    assert json.loads(files[0].data)["id"] == "t-0"
    assert [o.status for o in files[0].outcomes] == ["pending"]


def test_more_are_json_lines_files_of_a_hundred_each() -> None:
    files, rejected = article_files(articles(2 * BATCH_FILE_ARTICLES + 1))
    assert rejected == []
    assert [f.name for f in files] == [
        "t-0--t-99.jsonl",
        "t-100--t-199.jsonl",
        "t-200--t-200.jsonl",
    ]
    assert [len(f.data.decode().splitlines()) for f in files] == [100, 100, 1]
    assert files[1].ids == [f"t-{n}" for n in range(100, 200)]


def test_an_id_given_twice_is_rejected_the_second_time() -> None:
    files, rejected = article_files([*articles(2), *articles(1)])
    assert [f.name for f in files] == ["t-0.json", "t-1.json"]
    assert [(o.status, o.id, o.where) for o in rejected] == [("rejected", "t-0", "article 3")]
    assert rejected[0].reasons == ["article 3: the id t-0 appears earlier in this request"]


def test_an_upload_is_kept_as_sent_unless_some_of_it_is_rejected() -> None:
    good = "".join(json.dumps(synthetic_article(n)) + "\n" for n in range(3)).encode()
    files, rejected = upload_files("my feed.jsonl", good, parse_file("x.jsonl", good, 10**6), set())
    assert (rejected, [f.name for f in files], files[0].data) == ([], ["my-feed.jsonl"], good)
    mixed = good + b'{"title": "no date"}\n'
    files, rejected = upload_files("a.ndjson", mixed, parse_file("a.ndjson", mixed, 10**6), set())
    assert [f.name for f in files] == ["a.jsonl"]
    assert files[0].ids == ["t-0", "t-1", "t-2"]
    assert [o.status for o in rejected] == ["rejected"]
