"""The editor's desk through the real app: find and edit or remove, undo, the trash, times."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from test_editor import AUTH, _client, _login, outcome_rows, total, wait_for_job

from indexer.editing.trash import entries
from webapp.times import ago, local, time_element


@pytest.fixture
def client(site: Path) -> Iterator[TestClient]:
    with _client(site) as client:
        wait_for_job(client, "startup")
        yield client


def hits(page: str) -> list[str]:
    """The ids of the "Find" list, in order."""
    return re.findall(r'<input type="hidden" name="id" value="([^"]+)">', page)


def test_find_lists_articles_with_edit_and_remove(client: TestClient) -> None:
    csrf = _login(client)
    page = client.get("/editor", params={"find": "hofburg"}).text
    # The readers' search: the same articles in the same order.
    readers = client.get("/api/search", params={"q": "hofburg"}).json()
    assert hits(page) == [h["id"] for h in readers["hits"]]
    assert hits(page)[0] == "osce-conference"
    assert f"{readers['total']} articles match “hofburg”" in page
    assert 'href="/editor?edit=osce-conference#correct-title"' in page
    # The same search core as the readers': the title's words are marked.
    marked = client.get("/editor", params={"find": "review conference"}).text
    assert "Security <mark>Review</mark> <mark>Conference</mark> in Vienna" in marked
    # An id typed in whole finds its article.
    assert hits(client.get("/editor", params={"find": "osce-conference"}).text)[0] == (
        "osce-conference"
    )
    none = client.get("/editor", params={"find": "zzyzx"}).text
    assert "No articles match “zzyzx”." in none
    # Remove from the list: back to the list without it, with an undo.
    removed = client.post(
        "/editor/delete", data={"csrf": csrf, "id": "osce-conference", "find": "hofburg"}
    )
    assert "Removed osce-conference" in removed.text
    assert "osce-conference" not in hits(removed.text)
    assert len(hits(removed.text)) == len(hits(page)) - 1
    assert "Undo: restore it" in removed.text
    undo = re.search(r'name="entry" value="([^"]+)"', removed.text)
    assert undo is not None
    assert client.get("/api/articles/osce-conference").status_code == 404
    restored = client.post("/editor/restore", data={"csrf": csrf, "entry": undo.group(1)})
    assert restored.status_code == 200
    assert "Restored osce-conference (into corpus/uploads/)." in restored.text
    assert outcome_rows(restored.text) == [("osce-conference", "created", "uploads/osce.json")]
    assert client.get("/api/articles/osce-conference").status_code == 200


def test_the_trash_is_listed_and_restored_once(client: TestClient, site: Path) -> None:
    csrf = _login(client)
    assert "Nothing removed." in client.get("/editor").text
    assert client.delete("/api/articles/osce-conference", headers=AUTH).status_code == 200
    page = client.get("/editor").text
    (entry,) = entries(site / "corpus")
    trash = page[page.index('id="trash-title"') :]
    assert f'name="entry" value="{entry.folder.name}"' in trash
    assert "Deleted by an editor" in trash and "2024/osce.json" in trash
    answer = client.post("/editor/restore", data={"csrf": csrf, "entry": entry.folder.name})
    assert client.get("/api/articles/osce-conference").status_code == 200
    assert "Nothing removed." in answer.text
    assert entries(site / "corpus") == []
    again = client.post("/editor/restore", data={"csrf": csrf, "entry": entry.folder.name})
    assert again.status_code == 404 and "no longer in the trash" in again.text
    # Not a path out of the trash.
    outside = client.post("/editor/restore", data={"csrf": csrf, "entry": "../index"})
    assert outside.status_code == 404
    # Without the form's CSRF token: refused.
    assert client.post("/editor/restore", data={"entry": entry.folder.name}).status_code == 403


def test_a_replaced_version_is_not_restored_over_the_article(
    client: TestClient, site: Path
) -> None:
    csrf = _login(client)
    article = {
        "id": "osce-conference",
        "title": "Corrected",
        "body": "New text.",
        "published": "2024-07-05",
    }
    assert (
        client.put("/api/articles/osce-conference", json=article, headers=AUTH).json()["updated"]
        == 1
    )
    (entry,) = entries(site / "corpus")
    answer = client.post("/editor/restore", data={"csrf": csrf, "entry": entry.folder.name})
    assert answer.status_code == 409
    assert "osce-conference is in the archive again" in html.unescape(answer.text)
    assert total(client, "corrected") == 1


def test_an_article_page_offers_edit_to_a_signed_in_editor_only(client: TestClient) -> None:
    assert "Edit this article" not in client.get("/articles/osce-conference").text
    _login(client)
    page = client.get("/articles/osce-conference").text
    assert '<a href="/editor?edit=osce-conference#correct-title">Edit this article</a>' in page


def test_the_page_shows_times_in_words_in_the_archive_time_zone(client: TestClient) -> None:
    _login(client)
    page = client.get("/editor").text
    built = re.search(r"<dt>Last build</dt><dd>(.*?)</dd>", page)
    assert built is not None
    assert re.fullmatch(
        r'<time datetime="[^"]+" title="\d+ \w+ \d{4}, \d\d:\d\d CES?T">'
        r"(just now|\d+ seconds? ago|\d+ minutes? ago)</time>",
        built.group(1),
    ), built.group(1)


@pytest.mark.parametrize(
    ("iso", "expected"),
    [
        ("2026-12-04T05:20:29+00:00", "4 December 2026, 06:20 CET"),
        ("2026-07-01T22:30:00+00:00", "2 July 2026, 00:30 CEST"),
        # Without a zone: UTC, as the writer stamps.
        ("2026-12-04T05:20:29", "4 December 2026, 06:20 CET"),
    ],
)
def test_local_times_are_in_the_archive_time_zone(iso: str, expected: str) -> None:
    moment = datetime.fromisoformat(iso)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    assert local(moment, "Europe/Vienna") == expected


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(3, "just now"), (45, "45 seconds ago"), (180, "3 minutes ago"), (7200, "2 hours ago")],
)
def test_times_in_words(seconds: int, words: str) -> None:
    now = datetime(2026, 12, 4, 5, 20, tzinfo=UTC)
    assert ago(now.fromtimestamp(now.timestamp() - seconds, UTC), now) == words


def test_a_time_element_escapes_what_is_not_a_time() -> None:
    assert time_element("<b>", "UTC") == "&lt;b&gt;"
    assert time_element(None, "UTC") == "never"


def test_the_api_lists_the_trash_and_restores_an_entry(client: TestClient, site: Path) -> None:
    assert client.get("/api/trash").status_code == 401
    assert client.get("/api/trash", headers=AUTH).json() == {"entries": [], "more": 0}
    assert client.delete("/api/articles/osce-conference", headers=AUTH).status_code == 200
    listed = client.get("/api/trash", headers=AUTH).json()
    (entry,) = listed["entries"]
    assert entry["ids"] == ["osce-conference"] and entry["original"] == "2024/osce.json"
    assert entry["reason"] == "Deleted by an editor" and listed["more"] == 0
    restored = client.post(f"/api/trash/{entry['name']}/restore", headers=AUTH)
    assert restored.status_code == 200
    assert restored.json() == {
        "created": 1,
        "updated": 0,
        "rejected": 0,
        "articles": [
            {
                "status": "created",
                "id": "osce-conference",
                "file": "uploads/osce.json",
                "where": "osce.json",
            }
        ],
    }
    assert client.get("/api/articles/osce-conference").status_code == 200
    again = client.post(f"/api/trash/{entry['name']}/restore", headers=AUTH)
    assert again.status_code == 404
    assert again.json()["error"]["message"].startswith("That entry is no longer in the trash")
