"""Saved searches as Atom feeds, parsed back with a feed library."""

from __future__ import annotations

from collections.abc import Iterator

import feedparser
import pytest
from api_app import demo_app, running
from starlette.testclient import TestClient

from indexer.archive.request import SearchRequest
from webapp.feeds import feed_url


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with running(demo_app(tmp_path_factory)) as client:
        yield client


def test_feed_of_a_search_is_valid_atom_newest_first(client: TestClient) -> None:
    response = client.get("/search.atom?q=osce&section=Organizations&sort=oldest&page=3")
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == 'Vindex: articles matching "osce" in Organizations'
    # The feed's id and self link are the canonical search, without page or sort.
    assert feed.feed.id == "http://testserver/search.atom?q=osce&section=Organizations"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["alternate"] == "http://testserver/search?q=osce&section=Organizations"
    api = client.get("/api/search?q=osce&section=Organizations&sort=newest&per_page=20").json()
    assert [entry.link for entry in feed.entries] == [
        f"http://testserver{hit['url']}" for hit in api["hits"]
    ]
    assert [entry.title for entry in feed.entries] == [hit["title"] for hit in api["hits"]]
    first = feed.entries[0]
    assert first.id == first.link
    assert first.published == api["hits"][0]["published"]
    # The snippet is HTML with marked words (feedparser's sanitiser drops the <mark> itself).
    assert "OSCE" in first.summary
    assert b"&lt;mark&gt;OSCE&lt;/mark&gt;" in response.content
    assert first.tags[0].term == api["hits"][0]["section"]
    assert feed.feed.updated == api["hits"][0]["published"]


def test_feed_title_quotes_a_phrase_once(client: TestClient) -> None:
    feed = feedparser.parse(
        client.get("/search.atom", params={"q": '"ministerial council"'}).content
    )
    assert feed.feed.title == 'Vindex: articles matching "ministerial council"'


def test_feed_size_and_an_empty_feed(client: TestClient) -> None:
    feed = feedparser.parse(client.get("/search.atom?per_page=5").content)
    assert not feed.bozo and len(feed.entries) == 5
    empty = feedparser.parse(client.get("/search.atom?q=zzzqqqxxx").content)
    assert not empty.bozo and empty.version == "atom10"
    assert empty.entries == [] and empty.feed.updated


def test_characters_xml_cannot_carry_are_dropped(client: TestClient) -> None:
    response = client.get("/search.atom?q=osce%EF%BF%BE")
    assert response.status_code == 200
    assert not feedparser.parse(response.content).bozo


def test_a_search_links_to_its_feed() -> None:
    search = SearchRequest.from_params({"q": "osce", "place": ["Vienna", "Graz"], "page": "2"})
    assert feed_url(search) == "/search.atom?q=osce&place=Vienna&place=Graz"
    assert feed_url(SearchRequest(sort="oldest")) == "/search.atom"


HOSTILE = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


def test_with_a_base_url_a_hostile_host_never_reaches_the_feed(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    app = demo_app(tmp_path_factory, base_url="https://news.example/archive")
    with running(app) as client:
        for url in ("/search.atom?q=osce", "/search.atom", "/search.atom?q=zzzqqqxxx"):
            response = client.get(url, headers=HOSTILE)
            assert response.status_code == 200
            assert b"evil" not in response.content
            feed = feedparser.parse(response.content)
            hrefs = [feed.feed.id] + [link.href for link in feed.feed.links]
            hrefs += [entry.link for entry in feed.entries] + [entry.id for entry in feed.entries]
            assert all(href.startswith("https://news.example/archive/") for href in hrefs), hrefs
            # Every request gets the same feed: shared caches may keep it.
            assert response.headers["cache-control"] == "public, max-age=300"
        entries = feedparser.parse(client.get("/search.atom?q=osce", headers=HOSTILE).content)
        assert entries.entries[0].link.startswith("https://news.example/archive/articles/")


def test_without_a_base_url_the_feed_follows_the_host_but_is_not_cached_publicly(
    client: TestClient,
) -> None:
    response = client.get("/search.atom?q=osce", headers=HOSTILE)
    assert response.status_code == 200
    # Links follow the request (a feed reader needs absolute links), so the answer
    # varies with Host and only the client that asked may keep it.
    assert feedparser.parse(response.content).feed.id == "http://evil.example/search.atom?q=osce"
    assert "public" not in response.headers["cache-control"]
    assert response.headers["cache-control"].startswith("private")
    assert "host" in [v.strip().lower() for v in response.headers["vary"].split(",")]
    again = client.get(
        "/search.atom?q=osce", headers={**HOSTILE, "If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    assert "public" not in again.headers["cache-control"]


def test_pages_link_their_scripts_and_styles_without_the_host(client: TestClient) -> None:
    # An absolute link from Host in a page kept by a cache (the API reference is
    # public for an hour) would load another site's script into every reader's page.
    for url in ("/", "/search?q=osce", "/api", "/editor", "/help"):
        page = client.get(url, headers=HOSTILE)
        assert page.status_code == 200, url
        assert "evil" not in page.text, url
        assert 'src="/static/app.js"' in page.text or 'src="/static/editor.js"' in page.text


def test_with_a_base_url_the_api_document_names_it_and_cookies_are_secure(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    app = demo_app(tmp_path_factory, base_url="https://news.example/archive", editor_token="x" * 20)
    with running(app) as client:
        document = client.get("/openapi.json", headers=HOSTILE).json()
        assert document["servers"] == [{"url": "https://news.example/archive"}]
        # Behind a TLS proxy the app may see plain HTTP; the public address says HTTPS.
        page = client.get("/editor")
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        login = client.post(
            "/editor/login", data={"token": "x" * 20, "csrf": csrf}, follow_redirects=False
        )
        assert login.status_code == 303
        assert "secure" in login.headers["set-cookie"].lower()
    with running(demo_app(tmp_path_factory)) as plain:
        assert "servers" not in plain.get("/openapi.json").json()
