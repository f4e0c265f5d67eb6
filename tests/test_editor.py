"""The editor's API and page through the real app (TestClient), on a real index in a tmp folder."""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import waiting
from api_app import editor_client
from conftest import run_cli, synthetic_article, write_json
from starlette.testclient import TestClient
from waiting import HANG, hang, wait_until

from indexer.editing.trash import entries
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.ingest.corpus import reads_name
from webapp import auth

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def article(n: int, title: str, **fields: Any) -> dict[str, Any]:
    return {"id": f"up-{n}", "title": title, "body": f"{title}. More text.", **fields} | {
        "published": fields.get("published", "2024-05-01T10:00:00+02:00")
    }


def _client(site: Path, **settings: Any) -> TestClient:
    return editor_client(site, TOKEN, **settings)


@pytest.fixture
def client(site: Path) -> Iterator[TestClient]:
    with _client(site) as client:
        wait_for_job(client, "startup")
        yield client


def wait_for_job(client: TestClient, job_id: str) -> dict[str, Any]:
    """The job once it has ended, done or failed (a hang only after `waiting.HANG`)."""
    return waiting.wait_for_job(client, job_id, AUTH)


def outcome_rows(page: str) -> list[tuple[str, ...]]:
    """The editor page's results table: (article, result, file or reasons), as text."""

    def text(cell: str) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())

    rows = re.findall(r'<tr class="outcome-[a-z]+">(.*?)</tr>', page, re.S)
    return [tuple(text(c) for c in re.findall(r"<td>(.*?)</td>", row, re.S)) for row in rows]


def total(client: TestClient, q: str) -> int:
    result: int = client.get("/api/search", params={"q": q}).json()["total"]
    return result


def test_an_upload_is_found_as_soon_as_it_is_answered(client: TestClient, site: Path) -> None:
    response = client.post(
        "/api/articles", json=article(1, "Zanzibar flamingo census"), headers=AUTH
    )
    assert response.status_code == 200
    assert response.json() == {
        "created": 1,
        "updated": 0,
        "rejected": 0,
        "articles": [
            {"status": "created", "id": "up-1", "file": "uploads/up-1.json", "where": "body item 1"}
        ],
    }
    assert total(client, "flamingo") == 1
    assert json.loads((site / "corpus/uploads/up-1.json").read_text())["title"] == (
        "Zanzibar flamingo census"
    )


def test_the_same_id_updates_and_keeps_the_old_version_in_the_trash(
    client: TestClient, site: Path
) -> None:
    client.post("/api/articles", json=article(2, "Quokka summit opens"), headers=AUTH)
    response = client.put(
        "/api/articles/up-2", json=article(2, "Quokka summit closes"), headers=AUTH
    )
    assert response.json()["articles"][0]["status"] == "updated"
    assert total(client, "opens quokka") == 0
    assert total(client, "closes quokka") == 1
    [old] = entries(site / "corpus")
    assert old.ids == ("up-2",) and "opens" in old.file.read_text()


def test_an_id_that_looks_like_a_file_name_is_still_a_json_file(
    client: TestClient, site: Path
) -> None:
    response = client.post(
        "/api/articles", json=article(0, "Marmot feed") | {"id": "feed.nitf"}, headers=AUTH
    )
    assert response.json()["articles"][0]["file"] == "uploads/feed.nitf.json"
    assert total(client, "marmot") == 1


def test_json_lists_and_json_lines_answer_per_article(client: TestClient) -> None:
    response = client.post(
        "/api/articles",
        json=[article(3, "Axolotl treaty"), {"title": "No date", "body": "x"}, article(3, "Dup")],
        headers=AUTH,
    )
    statuses = [(a["status"], a.get("reasons", [""])[0]) for a in response.json()["articles"]]
    assert statuses == [
        ("created", ""),
        ("rejected", "body item 2: field 'published': required and missing"),
        ("rejected", "body item 3: the id up-3 appears earlier in this request"),
    ]
    lines = json.dumps(article(4, "Narwhal accord")) + "\n{not json\n"
    response = client.post(
        "/api/articles",
        content=lines.encode(),
        headers={**AUTH, "Content-Type": "application/x-ndjson"},
    )
    assert [a["status"] for a in response.json()["articles"]] == ["created", "rejected"]
    assert total(client, "axolotl OR narwhal") == 2


def test_json_lines_are_read_as_the_corpus_reads_them_each_line_on_its_own(
    client: TestClient,
) -> None:
    lines = [
        json.dumps(article(5, "Quokka summit")),
        "",
        "{not json",
        '["an", "array"]',
        json.dumps({"id": "up-6", "title": "No date", "body": "x"}),
        json.dumps(article(5, "Quokka again")),
    ]
    response = client.post(
        "/api/articles",
        content="\n".join(lines).encode(),
        headers={**AUTH, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200
    answers = [(a["status"], a.get("where"), a.get("reasons")) for a in response.json()["articles"]]
    assert answers == [
        ("created", "line 1", None),
        (
            "rejected",
            "line 3",
            ["line 3: invalid JSON: Expecting property name enclosed in double quotes (column 2)"],
        ),
        ("rejected", "line 4", ["line 4: expected an article object"]),
        ("rejected", "line 5", ["line 5: field 'published': required and missing"]),
        ("rejected", "line 6", ["line 6: the id up-5 appears earlier in this request"]),
    ]
    not_utf8 = client.post(
        "/api/articles",
        content=b'{"id": "x"}\n\xff\n',
        headers={**AUTH, "Content-Type": "application/x-ndjson"},
    )
    assert not_utf8.status_code == 422
    assert not_utf8.json()["error"]["message"].startswith("The body cannot be read: line 2:")


def test_files_in_any_corpus_format_are_kept_under_safe_names(
    client: TestClient, site: Path
) -> None:
    markdown = b"---\nid: md-1\ntitle: Pangolin talks\npublished: 2024-02-01\n---\nTalks.\n"
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        b"<item><guid>rss-1</guid><title>Okapi report</title><description>Okapi.</description>"
        b"<pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate></item></channel></rss>"
    )
    files = [
        ("files", ("../../etc/passwd.md", markdown, "text/markdown")),
        ("files", ("/abs/ökö feed.rss", feed, "application/rss+xml")),
        ("files", ("..\\evil\x00.exe", b"MZ", "application/octet-stream")),
    ]
    response = client.post("/api/articles", files=files, headers=AUTH)
    answer = response.json()
    assert [a["status"] for a in answer["articles"]] == ["created", "created", "rejected"]
    assert {a.get("file") for a in answer["articles"][:2]} == {
        "uploads/passwd.md",
        "uploads/oko-feed.rss",
    }
    corpus = site / "corpus"
    assert sorted(p.name for p in (corpus / "uploads").iterdir()) == ["oko-feed.rss", "passwd.md"]
    assert not (site / "etc").exists() and not Path("/abs").exists()
    assert total(client, "pangolin") == 1 and total(client, "okapi") == 1


def test_an_id_held_by_a_batch_file_is_taken_out_of_it(client: TestClient, site: Path) -> None:
    batch = site / "corpus" / "batch.jsonl"
    response = client.put(
        "/api/articles/t-1",
        json={"title": "Corrected wombat story", "body": "Fixed.", "published": "2024-01-01"},
        headers=AUTH,
    )
    assert response.json()["articles"][0]["status"] == "updated"
    assert [json.loads(line)["id"] for line in batch.read_text().splitlines()] == ["t-0", "t-2"]
    assert total(client, "wombat") == 1
    assert client.get("/api/search", params={"per_page": "50"}).json()["total"] == 5
    [taken] = entries(site / "corpus")
    assert taken.ids == ("t-1",) and taken.original == "uploads/t-1.json"


def test_delete_removes_from_the_index_and_moves_the_file_to_the_trash(
    client: TestClient, site: Path
) -> None:
    assert total(client, "review") == 1
    response = client.delete("/api/articles/osce-conference", headers=AUTH)
    assert response.status_code == 200
    assert response.json() == {
        "status": "deleted",
        "id": "osce-conference",
        "file": "2024/osce.json",
    }
    assert total(client, "review") == 0
    assert not (site / "corpus/2024/osce.json").exists()
    [trashed] = entries(site / "corpus")
    assert trashed.original == "2024/osce.json" and trashed.file.is_file()
    missing = client.delete("/api/articles/osce-conference", headers=AUTH)
    assert missing.status_code == 404
    assert missing.json()["error"]["status"] == 404


def test_a_delete_of_a_missing_id_is_a_404_that_leaves_the_index_as_it_was(
    client: TestClient, site: Path
) -> None:
    location = IndexLocation(site / "index")
    before = location.state_key()
    # A file dropped into the corpus by hand is the next `vindex index`'s business.
    write_json(site / "corpus" / "uploads" / "dropped.json", article(9, "Pelican by hand"))
    missing = client.delete("/api/articles/no-such-id", headers=AUTH)
    assert missing.status_code == 404
    assert location.state_key() == before
    assert total(client, "pelican") == 0


def test_a_delete_reads_only_the_file_it_changes(client: TestClient, site: Path) -> None:
    corpus = site / "corpus"
    # Changes made by hand beside the deleted articles' files: new files in their
    # folders and in uploads/, a file removed. A delete must not walk into them.
    write_json(corpus / "2024" / "dropped.json", article(9, "Pelican by hand"))
    write_json(corpus / "uploads" / "dropped.json", article(8, "Pelican again"))
    write_json(corpus / "dropped.json", article(7, "Pelican at the root"))
    (corpus / "2023" / "single.json").unlink()
    assert client.delete("/api/articles/osce-conference", headers=AUTH).status_code == 200
    # t-1 is in batch.jsonl, at the corpus root, with t-0 and t-2: the file is rewritten.
    assert client.delete("/api/articles/t-1", headers=AUTH).status_code == 200
    assert total(client, "pelican") == 0
    assert client.get("/api/articles/t-100").status_code == 200
    assert client.get("/api/articles/t-1").status_code == 404
    assert client.get("/api/articles/osce-conference").status_code == 404
    assert client.get("/api/articles/t-0").status_code == 200
    assert client.get("/api/search", params={"per_page": "50"}).json()["total"] == 3


EDITOR_ENDPOINTS = [
    ("POST", "/api/articles"),
    ("PUT", "/api/articles/t-1"),
    ("DELETE", "/api/articles/t-1"),
    ("POST", "/api/reindex"),
    ("GET", "/api/jobs/startup"),
    ("POST", "/editor/upload"),
    ("POST", "/editor/delete"),
    ("POST", "/editor/correct"),
    ("POST", "/editor/reindex"),
    ("POST", "/editor/logout"),
]


@pytest.mark.parametrize(("method", "url"), EDITOR_ENDPOINTS)
def test_every_editor_endpoint_without_the_token_is_401(
    client: TestClient, method: str, url: str
) -> None:
    response = client.request(method, url, json=article(9, "Sneaky"))
    assert response.status_code == 401
    if url.startswith("/api/"):
        assert response.json()["error"]["status"] == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/api/search", params={"q": "t-1"}).status_code == 200
    assert total(client, "sneaky") == 0


def test_a_wrong_token_is_401_and_repeated_failures_must_wait(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = {"Authorization": "Bearer guess"}
    assert [client.post("/api/reindex", headers=wrong).status_code for _ in range(3)] == [401] * 3
    # The fourth failure starts a wait; tries within it are not even read, right or wrong.
    # A first wait of a minute, not 0.5 s: a loaded machine can take that long between
    # two requests, and the try would then be read (a 202 and a reindex).
    monkeypatch.setattr(auth, "FIRST_DELAY", 60.0)
    assert client.post("/api/reindex", headers=wrong).status_code == 401
    blocked = client.post("/api/reindex", headers=AUTH)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 50
    # Once the wait is over (a shorter wait makes it over), tries are read again.
    monkeypatch.setattr(auth, "FIRST_DELAY", 0.5)
    time.sleep(0.6)
    assert client.get("/api/jobs/startup", headers=AUTH).status_code == 200


def _login(client: TestClient) -> str:
    page = client.get("/editor")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    response = client.post(
        "/editor/login", data={"token": TOKEN, "csrf": csrf.group(1)}, follow_redirects=False
    )
    assert response.status_code == 303
    editor = client.get("/editor")
    csrf = re.search(r'name="csrf" value="([^"]+)"', editor.text)
    assert csrf is not None
    return csrf.group(1)


def test_login_sets_a_strict_http_only_session_cookie(client: TestClient) -> None:
    page = client.get("/editor")
    assert 'name="token"' in page.text and "Upload articles" not in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    wrong = client.post("/editor/login", data={"token": "nope", "csrf": csrf.group(1)})
    assert wrong.status_code == 401 and "not the editor token" in wrong.text
    response = client.post(
        "/editor/login", data={"token": TOKEN, "csrf": csrf.group(1)}, follow_redirects=False
    )
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    page = client.get("/editor")
    assert "Upload articles" in page.text
    assert re.search(r'data-stat="articles">5<', page.text)


def test_the_cookie_is_secure_over_https(site: Path) -> None:
    with _client(site) as client:
        client.base_url = client.base_url.copy_with(scheme="https")
        page = client.get("/editor")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        response = client.post(
            "/editor/login", data={"token": TOKEN, "csrf": csrf.group(1)}, follow_redirects=False
        )
        assert "Secure" in response.headers["set-cookie"]


@pytest.mark.parametrize(
    "url", ["/editor/upload", "/editor/delete", "/editor/reindex", "/editor/logout"]
)
def test_a_form_post_without_the_csrf_token_is_403(client: TestClient, url: str) -> None:
    csrf = _login(client)
    assert client.post(url, data={"id": "t-1"}).status_code == 403
    assert client.post(url, data={"id": "t-1", "csrf": csrf[:-2] + "xx"}).status_code == 403
    # The page's scripts use the API with the session: writes need the CSRF header too.
    assert client.post("/api/reindex").status_code == 403
    assert client.post("/api/reindex", headers={"X-CSRF-Token": csrf}).status_code == 202
    assert client.post("/editor/login", data={"token": TOKEN}).status_code == 403
    assert total(client, "") == 5


def test_the_editor_page_uploads_removes_and_shows_what_happened(client: TestClient) -> None:
    csrf = _login(client)
    markdown = b"---\nid: page-1\ntitle: Ibex census\npublished: 2024-02-01\n---\nCounted.\n"
    page = client.post(
        "/editor/upload",
        data={"csrf": csrf},
        files=[
            ("files", ("ibex.md", markdown, "text/markdown")),
            ("files", ("x.md", b"", "text/markdown")),
        ],
    )
    assert page.status_code == 200
    assert outcome_rows(page.text) == [
        ("page-1", "created", "uploads/ibex.md"),
        ("x.md", "rejected", "x.md: empty file"),
    ]
    assert total(client, "ibex") == 1
    removed = client.post("/editor/delete", data={"csrf": csrf, "id": "page-1"})
    assert "Removed page-1" in removed.text
    assert total(client, "ibex") == 0
    assert "deleted" in removed.text and "created" in removed.text  # recent uploads


def test_a_request_over_the_size_limit_is_413(site: Path) -> None:
    with _client(site, max_upload_mb=1) as client:
        big = [article(n, f"Big {n}", lead="x" * 2000) for n in range(600)]
        response = client.post("/api/articles", json=big, headers=AUTH)
        assert response.status_code == 413
        assert response.json()["error"]["status"] == 413
        assert not (site / "corpus" / "uploads").exists()


def test_reindex_runs_as_a_job_with_progress(client: TestClient, site: Path) -> None:
    before = client.get("/healthz").json()["generation"]
    write_json(site / "corpus" / "late.json", synthetic_article(500, prefix="late"))
    response = client.post("/api/reindex", headers=AUTH)
    assert response.status_code == 202
    job = wait_for_job(client, response.json()["id"])
    assert job["state"] == "done"
    # Articles: the corpus's five and the late one.
    assert job["done"] == job["total"] == 6 and job["failed"] == 0
    assert job["progress"].startswith("6 articles in ") and job["eta_seconds"] is None
    # The page shows the same figures as the API (and its script, the API's).
    _login(client)
    page = client.get("/editor", params={"job": job["id"]})
    status = re.search(r'<p id="job-status"[^>]*>([^<]*)</p>', page.text)
    assert status is not None
    assert status.group(1) == html.escape(f"reindex done: {job['progress']}. {job['message']}")
    assert '<progress max="6" value="6"' in page.text
    assert client.get("/healthz").json()["generation"] != before
    assert client.get("/api/search").json()["total"] == 6


def test_start_up_indexes_what_the_corpus_has_and_the_index_lacks(site: Path) -> None:
    write_json(site / "corpus" / "uploads" / "crash.json", article(7, "Tapir survives"))
    (site / "corpus" / "uploads" / ".upload-999999999-x.tmp").write_text('{"half')
    with _client(site) as client:
        assert wait_for_job(client, "startup")["state"] == "done"
        assert total(client, "tapir") == 1
    assert not (site / "corpus" / "uploads" / ".upload-999999999-x.tmp").exists()


def test_an_upload_waits_for_another_writer_of_the_index_instead_of_failing(
    client: TestClient, site: Path
) -> None:
    answers: list[Any] = []

    def upload() -> None:
        answers.append(client.post("/api/articles", json=article(8, "Gecko rally"), headers=AUTH))

    # As `vindex index` in another process would: hold the index's write lock.
    with IndexLocation(site / "index").write_lock():
        thread = threading.Thread(target=upload)
        thread.start()
        thread.join(1.0)
        assert answers == [] and thread.is_alive()
    thread.join(HANG)
    if thread.is_alive():
        hang("the upload's answer once the write lock was free")
    assert answers[0].status_code == 200
    assert answers[0].json()["created"] == 1
    assert total(client, "gecko") == 1


def test_the_editor_page_loads_an_article_for_correction_and_saves_it(
    client: TestClient, site: Path
) -> None:
    csrf = _login(client)
    page = client.get("/editor", params={"edit": "osce-conference"})
    text = re.search(
        r'<textarea id="edit-article" name="article"[^>]*>([^<]*)</textarea>', page.text
    )
    assert text is not None
    record = json.loads(html.unescape(text.group(1)))
    # The file's own entities, not those the index added from the gazetteer and the text.
    assert record["entities"] == {
        "person": [],
        "organization": ["OSCE"],
        "place": ["Vienna"],
    }
    record["title"] = "Security Review Conference ends in Vienna"
    saved = client.post(
        "/editor/correct",
        data={"csrf": csrf, "id": "osce-conference", "article": json.dumps(record)},
    )
    assert saved.status_code == 200
    assert outcome_rows(saved.text)[0][:2] == ("osce-conference", "updated")
    assert total(client, "review ends") == 1
    bad = client.post(
        "/editor/correct", data={"csrf": csrf, "id": "osce-conference", "article": "{oops"}
    )
    assert bad.status_code == 422 and "Not valid JSON" in bad.text and "{oops" in bad.text
    missing = client.get("/editor", params={"edit": "nope"})
    assert "There is no article with the id" in missing.text


def test_the_editor_page_has_no_inline_script_and_its_script_is_served(
    client: TestClient,
) -> None:
    _login(client)
    page = client.get("/editor")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all(
        'src="' in attributes and not body.strip() for attributes, body in scripts
    )
    assert "on" + "click=" not in page.text and "onsubmit=" not in page.text
    assert any("editor.js" in attributes for attributes, _ in scripts)
    script = client.get("/static/editor.js")
    assert script.status_code == 200 and "/api/jobs/" in script.text
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"


def test_an_article_in_a_feed_with_others_is_not_cut_out_of_it(
    client: TestClient, site: Path
) -> None:
    items = "".join(
        f"<item><guid>feed-{n}</guid><title>Lemur {n}</title><description>Lemurs.</description>"
        "<pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate></item>"
        for n in (1, 2)
    )
    feed = site / "corpus" / "feed.rss"
    feed.write_text(f'<rss version="2.0"><channel><title>F</title>{items}</channel></rss>')
    update_index(IndexLocation(site / "index"), site / "corpus")
    assert total(client, "lemur") == 2
    deleted = client.delete("/api/articles/feed-1", headers=AUTH)
    assert deleted.status_code == 409
    assert "feed.rss holds feed-1 with other articles" in deleted.json()["error"]["message"]
    replaced = client.put(
        "/api/articles/feed-2",
        json={"title": "Lemur 2b", "body": "x", "published": "2024-01-02"},
        headers=AUTH,
    )
    [outcome] = replaced.json()["articles"]
    assert outcome["status"] == "rejected" and "feed.rss" in outcome["reasons"][0]
    assert total(client, "lemur") == 2 and feed.is_file()


def test_a_job_started_in_one_worker_is_followed_through_another(site: Path) -> None:
    # Two apps on one index: the worker processes of `vindex serve --workers 2`.
    with _client(site) as first, _client(site) as second:
        wait_for_job(first, "startup")
        wait_for_job(second, "startup")
        started = first.post("/api/reindex", headers=AUTH)
        assert started.status_code == 202
        job_id = started.json()["id"]
        followed = wait_for_job(second, job_id)
        assert followed["state"] == "done", followed
        assert followed["kind"] == "reindex"
        assert followed["done"] == followed["total"] > 0
        assert followed == first.get(f"/api/jobs/{job_id}", headers=AUTH).json()
        for unknown in ("reindex-0-0-0", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd"):
            assert second.get(f"/api/jobs/{unknown}", headers=AUTH).status_code == 404
    assert not list((site / "index" / "jobs").glob(".*.tmp"))


def test_uploads_named_like_files_the_corpus_skips_survive_vindex_index_and_a_restart(
    site: Path,
) -> None:
    names = ["README.md", "readme.txt", "License.txt", "LICENSE.TXT", "ReadMe.MD", ".readme.md"]
    markdown = "---\ntitle: Tapir note {}\npublished: 2024-02-01\n---\nThe note.\n"
    text = "Tapir note {}\n\nNotes ♦ Published: July 4, 2023; 23:31 ♦ (Desk)\n\nThe note.\n"
    files = [
        ("files", (name, (text if name.lower().endswith(".txt") else markdown).format(n)))
        for n, name in enumerate(names)
    ]
    with _client(site) as client:
        wait_for_job(client, "startup")
        answer = client.post("/api/articles", files=files, headers=AUTH).json()
        assert [a["status"] for a in answer["articles"]] == ["created"] * len(names), answer
        assert total(client, "tapir") == len(names)
    stored = sorted(p.name for p in (site / "corpus" / "uploads").iterdir())
    assert all(reads_name(name) for name in stored), stored
    done = run_cli("index", "--index", str(site / "index"), "--corpus", str(site / "corpus"))
    assert done.returncode == 0, done.stderr
    assert "removed 0" in done.stdout + done.stderr, done.stdout + done.stderr
    with _client(site) as client:
        wait_for_job(client, "startup")
        assert total(client, "tapir") == len(names)


def test_a_put_that_a_delete_in_the_same_batch_replaces_is_answered_as_done(
    client: TestClient, site: Path
) -> None:
    """The PUT was taken and then deleted: `rejected` made clients retry it and undo the delete."""
    writer = client.app.state.backend.writer  # type: ignore[attr-defined]
    answers: dict[str, Any] = {}

    def send(name: str, method: str, url: str, **kwargs: Any) -> threading.Thread:
        def run() -> None:
            answers[name] = client.request(method, url, headers=AUTH, **kwargs)

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    with IndexLocation(site / "index").write_lock():
        # The writer busy on a reindex that waits for this lock: what comes next queues.
        job = client.post("/api/reindex", headers=AUTH).json()
        waiting.wait_for_job(
            client,
            job["id"],
            AUTH,
            lambda record: "waiting" in record["message"],
            "the reindex's wait for the lock",
        )
        threads = [
            send(
                "put", "PUT", "/api/articles/sup-1", json=article(5, "Ibis story") | {"id": "sup-1"}
            )
        ]
        wait_until(lambda: writer._queue.qsize() >= 1, "the PUT in the writer's queue")
        threads.append(send("delete", "DELETE", "/api/articles/sup-1"))
        wait_until(lambda: writer._queue.qsize() >= 2, "the DELETE in the writer's queue")
    for thread in threads:
        thread.join()
    assert answers["put"].json()["articles"][0]["status"] == "created", answers["put"].json()
    assert answers["delete"].json()["status"] == "deleted"
    assert client.get("/api/articles/sup-1").status_code == 404


BIG_BATCH = 2500


@pytest.mark.slow  # a batch of thousands of articles
def test_a_big_jsonl_batch_is_stored_in_few_files_and_each_article_stays_editable(
    site: Path,
) -> None:
    corpus = site / "corpus"
    batch = [synthetic_article(n, prefix="big") for n in range(BIG_BATCH)]
    # Two ids the corpus holds already: in batch.jsonl with others, and a file of its own.
    batch[10]["id"], batch[20]["id"] = "t-0", "osce-conference"
    body = "".join(json.dumps(a) + "\n" for a in batch).encode()
    ndjson = {**AUTH, "Content-Type": "application/x-ndjson"}
    with _client(site) as client:
        wait_for_job(client, "startup")
        answer = client.post("/api/articles", content=body, headers=ndjson).json()
        assert (answer["created"], answer["updated"], answer["rejected"]) == (BIG_BATCH - 2, 2, 0)
        # Files of a hundred articles, not a file per article.
        files = sorted((corpus / "uploads").iterdir())
        assert len(files) == BIG_BATCH // 100
        assert sum(len(p.read_text().splitlines()) for p in files) == BIG_BATCH
        assert [
            json.loads(line)["id"] for line in (corpus / "batch.jsonl").read_text().splitlines()
        ] == [
            "t-1",
            "t-2",
        ]
        assert not (corpus / "2024" / "osce.json").exists()
        everything = {"per_page": "1"}
        assert client.get("/api/search", params=everything).json()["total"] == BIG_BATCH + 3

        put = client.put(
            "/api/articles/big-1234",
            json=synthetic_article(1234, prefix="big") | {"title": "Corrected heron count"},
            headers=AUTH,
        ).json()
        assert put["articles"][0]["status"] == "updated"
        assert put["articles"][0]["file"] == "uploads/big-1234.json"
        assert client.delete("/api/articles/big-1500", headers=AUTH).status_code == 200
        assert client.get("/api/articles/big-1500").status_code == 404
        assert total(client, "corrected heron") == 1
        assert client.get("/api/search", params=everything).json()["total"] == BIG_BATCH + 2

        # The same batch again: every article updated, each file replaced in place.
        again = client.post("/api/articles", content=body, headers=ndjson).json()
        assert (again["created"], again["updated"], again["rejected"]) == (1, BIG_BATCH - 1, 0)
        assert client.get("/api/search", params=everything).json()["total"] == BIG_BATCH + 3
        assert total(client, "corrected heron") == 0

    report = update_index(IndexLocation(site / "index"), corpus)
    assert (report.removed, report.indexed, report.failed) == (0, 0, 0), report.summary()
    with _client(site) as client:
        wait_for_job(client, "startup")
        assert client.get("/api/search", params=everything).json()["total"] == BIG_BATCH + 3
        assert client.get("/api/articles/big-2499").status_code == 200
