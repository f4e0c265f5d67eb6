"""The JSON API on the demo archive: answers, errors and HTTP manners (SPEC §8)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import pytest
from api_app import demo_app, running
from conftest import run_cli, write_many_words_corpus
from starlette.testclient import TestClient

from indexer.archive.request import MAX_EXPANDED_TERMS
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.settings import Settings
from webapp.app import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = demo_app(tmp_path_factory, cors_origins="https://reader.example,https://b.example")
    with running(app) as client:
        yield client


# -- answers -------------------------------------------------------------------


def test_search_has_the_spec_shape_with_marks_and_facets(client: TestClient) -> None:
    response = client.get("/api/search?q=osce&section=Organizations&from=2023")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert {"total", "page", "per_page", "pages", "took_ms", "query", "hits", "facets"} <= set(data)
    assert data["suggestion"] is None
    assert data["query"] == {
        "q": "osce",
        "filters": {"section": ["Organizations"]},
        "from": "2023-01-01",
        "to": None,
        "sort": "relevance",
    }
    assert data["total"] == len(data["hits"]) > 0
    for hit in data["hits"]:
        assert hit["section"].startswith("Organizations")
        assert hit["published"] >= "2023"
        assert hit["url"] == f"/articles/{hit['id']}"
        assert set(hit["entities"]) == {"person", "organization", "place"}
    assert any("<mark>OSCE</mark>" in h["title_html"] + h["snippet_html"] for h in data["hits"])
    assert set(data["facets"]) >= {"section", "year", "person", "organization", "place", "language"}
    chosen = [f for f in data["facets"]["section"] if f["selected"]]
    assert [f["value"] for f in chosen] == ["Organizations"]


def test_post_search_takes_the_parameters_as_json(client: TestClient) -> None:
    body = {"q": "osce", "section": ["Organizations"], "from": "2023", "per_page": 3}
    posted = client.post("/api/search", json=body).json()
    got = client.get("/api/search?q=osce&section=Organizations&from=2023&per_page=3").json()
    assert posted["total"] == got["total"]
    assert [h["id"] for h in posted["hits"]] == [h["id"] for h in got["hits"]]


def test_article_is_whole_with_entities_and_related(client: TestClient) -> None:
    first = client.get("/api/search?q=osce&per_page=1").json()["hits"][0]
    data = client.get(f"/api/articles/{first['id']}").json()
    article = data["article"]
    assert article["id"] == first["id"] and article["title"] == first["title"]
    assert isinstance(article["body"], list) and article["body"]
    assert "OSCE" in article["entities"]["organization"]
    assert data["related"] and all(r["id"] != first["id"] for r in data["related"])


def test_suggest_entity_report_and_facet_values(client: TestClient) -> None:
    suggestions = client.get("/api/suggest?q=osc").json()["suggestions"]
    assert suggestions[0] == {"value": "OSCE", "type": "organization", "count": 19}
    report = client.get("/api/entities/organization/osce?limit=2").json()
    assert report["name"] == "OSCE" and report["total"] == 19
    assert len(report["articles"]) == 2
    assert sum(year["count"] for year in report["by_year"]) == 19
    # A name may hold a slash: it reaches the entity lookup, which does not know it.
    slashed = client.get("/api/entities/organization/AC%2FDC")
    assert slashed.status_code == 404
    assert "AC/DC" in slashed.json()["error"]["message"]
    facet = client.get("/api/facets/person?prefix=schall&q=vienna").json()
    assert facet["values"][0]["value"] == "Alexander Schallenberg"
    assert all("schall" in v["value"].lower() for v in facet["values"])
    # Disjunctive: a selected value does not hide the other values of its facet.
    both = client.get("/api/facets/language?language=de").json()
    assert {v["value"] for v in both["values"]} == {"en", "de"}
    assert [v["value"] for v in both["values"] if v["selected"]] == ["de"]


def test_healthz_reports_generation_and_count(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.headers["cache-control"] == "no-store"
    health = response.json()
    assert health["status"] == "ok" and health["articles"] == 66
    assert health["generation"].startswith("gen-")


# -- errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("from=2023-13-45", "from"),
        ("to=2023-02-30", "to"),
        ("from=2024&to=2023", "to"),
        ("page=0", "page"),
        ("page=two", "page"),
        ("per_page=1000", "per_page"),
        ("sort=sideways", "sort"),
        ("q=" + "a" * 10_000, "q"),
        ("q=%ff", "q"),
        ("q=caf%C3", "q"),
        ("section=%C0%AF", "section"),
        ("section=" + "x" * 300, "section"),
    ],
)
def test_bad_parameters_are_400_naming_them(client: TestClient, query: str, param: str) -> None:
    for path in ("/api/search", "/api/search.ndjson", "/search.atom", "/api/facets/person"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, path
        error = response.json()["error"]
        assert error["param"] == param and error["status"] == 400
        assert error["message"].startswith(f"{param}: ")


def test_error_shapes_for_every_status(client: TestClient) -> None:
    assert client.get("/api/articles/no-such-article").json() == {
        "error": {"status": 404, "message": "No article with the id 'no-such-article'."}
    }
    assert client.get("/api/nothing-here").status_code == 404
    assert client.get("/api/entities/planet/Mars").status_code == 404
    assert client.get("/api/entities/person/Nobody%20At%20All").status_code == 404
    assert client.get("/api/facets/colour").status_code == 404
    assert client.get("/api/entities/person/X?limit=0").json()["error"]["param"] == "limit"
    wrong_method = client.delete("/api/search")
    assert wrong_method.status_code == 405
    assert set(wrong_method.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    assert wrong_method.json()["error"]["status"] == 405
    unsupported = client.post(
        "/api/search", content=b"q=osce", headers={"content-type": "text/plain"}
    )
    assert unsupported.status_code == 415
    assert unsupported.json()["error"]["param"] == "Content-Type"
    for body in (b"{not json", b"[1, 2]", b'{"q": {"nested": 1}}', b"\xff\xfe"):
        bad = client.post("/api/search", content=body, headers={"content-type": "application/json"})
        assert bad.status_code == 422, body
    assert (
        client.post("/api/search", json={"per_page": 1000}).json()["error"]["param"] == "per_page"
    )
    too_large = client.post(
        "/api/search", content=b" " * 70_000, headers={"content-type": "application/json"}
    )
    assert too_large.status_code == 413


def test_bodies_over_the_upload_limit_are_refused_before_reading(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with running(demo_app(tmp_path_factory, max_upload_mb=1)) as client:
        huge = client.post("/api/anything", content=b"x" * (1024 * 1024 + 1))
        assert huge.status_code == 413
        assert huge.json()["error"]["status"] == 413


def test_odd_input_never_gives_a_server_error(client: TestClient) -> None:
    for query in (
        "q=%00%01",
        "q=%EF%BF%BE",
        'q="unclosed',
        "q=(((",
        "q=title:",
        "q=*",
        "q=a~~~",
        "person=%2C%2C",
        "section=%20>%20>%20",
        "q=%F0%9F%98%80",
        "%ff=1",
        "q=a&q=b&page=1&page=2",
    ):
        for path in ("/api/search", "/search.atom", "/api/suggest", "/api/facets/section"):
            response = client.get(f"{path}?{query}")
            assert response.status_code < 500, (path, query)
            assert "Traceback" not in response.text


# -- HTTP manners --------------------------------------------------------------


def test_etag_gives_304_and_changes_with_the_request(client: TestClient) -> None:
    first = client.get("/api/search?q=osce")
    tag = first.headers["etag"]
    assert tag.startswith('W/"')
    assert first.headers["cache-control"] == "public, max-age=60"
    again = client.get("/api/search?q=osce", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag
    other = client.get("/api/search?q=iaea")
    assert other.headers["etag"] != tag
    assert client.get("/api/search?q=iaea", headers={"If-None-Match": tag}).status_code == 200


def test_cors_for_configured_origins_on_read_endpoints_only(client: TestClient) -> None:
    allowed = {"Origin": "https://reader.example"}
    response = client.get("/api/search?q=osce", headers=allowed)
    assert response.headers["access-control-allow-origin"] == "https://reader.example"
    assert "ETag" in response.headers["access-control-expose-headers"]
    foreign = client.get("/api/search?q=osce", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers
    preflight = client.options(
        "/api/search",
        headers={**allowed, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["access-control-allow-methods"]
    page = client.get("/", headers=allowed)
    assert "access-control-allow-origin" not in page.headers


def test_large_bodies_are_gzipped_with_correct_types(client: TestClient) -> None:
    response = client.get("/api/search?per_page=50", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]
    # The client decodes it; the raw stream is smaller than the JSON.
    assert int(response.headers["content-length"]) < len(response.content)
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    assert gzip.compress(b"") and small.headers["content-type"] == "application/json"
    assert client.get("/search.atom").headers["content-type"] == (
        "application/atom+xml; charset=utf-8"
    )
    assert client.get("/api/search.ndjson?q=osce").headers["content-type"] == (
        "application/x-ndjson"
    )
    assert client.get("/api").headers["content-type"] == "text/html; charset=utf-8"


def test_a_query_over_the_expansion_budget_is_400_naming_the_limit(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """`ab*` stands for 3,000 indexed words here: refused, on every surface, as a bad `q`."""
    root = tmp_path_factory.mktemp("many-words")
    corpus = root / "corpus"
    write_many_words_corpus(corpus, "ab", 3000)
    update_index(IndexLocation(root / "index"), corpus)
    limit = f"more than {MAX_EXPANDED_TERMS:,} indexed words"
    with running(create_app(Settings(index=root / "index", corpus=corpus))) as client:
        for path in ("/api/search", "/api/search.ndjson", "/search.atom", "/api/facets/person"):
            response = client.get(f"{path}?q=ab*")
            assert response.status_code == 400, path
            error = response.json()["error"]
            assert error == {"status": 400, "message": error["message"], "param": "q"}, path
            assert error["message"].startswith("q: ") and limit in error["message"], path
        posted = client.post("/api/search", json={"q": "ab*"})
        assert posted.status_code == 400 and posted.json()["error"]["param"] == "q"
        page = client.get("/search", params={"q": "ab*"})
        assert page.status_code == 400
        assert limit in page.text and "text/html" in page.headers["content-type"]
        # Narrower prefixes are searched, and an article reached from the refused
        # search is shown (unmarked).
        found = client.get("/api/search?q=abk*").json()
        assert found["total"] > 0
        article = client.get(f"/articles/{found['hits'][0]['id']}", params={"q": "ab*"})
        assert article.status_code == 200
    done = run_cli("search", "ab*", "--index", str(root / "index"), "--corpus", str(corpus))
    assert done.returncode == 2
    assert done.stderr.startswith("vindex: QUERY: ") and limit in done.stderr
