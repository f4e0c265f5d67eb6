"""Unknown API parameters: named in `warnings`, or a 400 when one looks like a typo."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_app import demo_app, running
from starlette.testclient import TestClient

from webapp.openapi import openapi_document
from webapp.parameters import SEARCH_PARAMS, near_miss


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with running(demo_app(tmp_path_factory)) as client:
        yield client


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("setcion", "section"),
        ("Section", "section"),
        ("organisation", "organization"),
        ("persons", "person"),
        ("lanugage", "language"),
        ("per-page", "per_page"),
        ("form", "from"),
        ("pag", "page"),
        # Not typos: tracking and cache-busting parameters, other words.
        ("utm_source", None),
        ("fbclid", None),
        ("_", None),
        ("query", None),
        ("lang", None),
        ("tag", None),
    ],
)
def test_a_near_miss_is_one_or_two_edits_from_a_known_parameter(
    typed: str, meant: str | None
) -> None:
    assert near_miss(typed, SEARCH_PARAMS) == meant


def test_a_misspelt_filter_is_a_400_naming_the_parameter_meant(client: TestClient) -> None:
    answer = client.get("/api/search", params={"q": "osce", "setcion": "Politics"})
    assert answer.status_code == 400
    assert answer.json() == {
        "error": {
            "status": 400,
            "message": "setcion: unknown parameter; did you mean 'section'? "
            "(it would change the result)",
            "param": "setcion",
        }
    }
    # The same for the body of a POST, the export, the facets and the feed.
    assert client.post("/api/search", json={"q": "osce", "organisation": "OSCE"}).status_code == 400
    assert client.get("/api/search.ndjson", params={"setcion": "x"}).status_code == 400
    assert client.get("/api/facets/place", params={"persons": "x"}).status_code == 400
    assert client.get("/search.atom", params={"form": "2023"}).status_code == 400


def test_other_unknown_parameters_are_ignored_with_a_warning(client: TestClient) -> None:
    plain = client.get("/api/search", params={"q": "osce"}).json()
    assert "warnings" not in plain
    tagged = client.get("/api/search", params={"q": "osce", "utm_source": "mail", "tag": "a"})
    assert tagged.status_code == 200
    assert tagged.json()["warnings"] == [
        "utm_source: unknown parameter, ignored",
        "tag: unknown parameter, ignored",
    ]
    assert tagged.json()["total"] == plain["total"]
    posted = client.post("/api/search", json={"q": "osce", "tag": "a"}).json()
    assert posted["warnings"] == ["tag: unknown parameter, ignored"]
    facet = client.get("/api/facets/place", params={"prefix": "v", "tag": "a"}).json()
    assert facet["warnings"] == ["tag: unknown parameter, ignored"]
    suggest = client.get("/api/suggest", params={"q": "os", "tag": "a"}).json()
    assert suggest["warnings"] == ["tag: unknown parameter, ignored"]
    # A feed reader's own parameters do not stop the feed.
    assert client.get("/search.atom", params={"q": "osce", "utm_source": "rss"}).status_code == 200


def test_the_openapi_document_describes_warnings_and_the_typo_400() -> None:
    document = openapi_document()
    result = document["components"]["schemas"]["SearchResult"]
    assert result["properties"]["warnings"]["items"] == {"type": "string"}
    assert "warnings" not in result["required"]
    assert "setcion" in document["components"]["responses"]["BadRequest"]["description"]
