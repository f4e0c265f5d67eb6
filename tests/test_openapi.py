"""Contract tests: the OpenAPI document describes every endpoint, and real answers match it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import schemathesis
from api_app import demo_app, running
from starlette.routing import Route
from starlette.testclient import TestClient

from indexer.archive import results
from webapp import api, editor
from webapp.openapi import RESULTS, openapi_document


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with running(demo_app(tmp_path_factory)) as client:
        yield client


@pytest.fixture(scope="module")
def schema() -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_dict(openapi_document())


def test_every_api_route_and_method_is_described() -> None:
    paths = openapi_document()["paths"]
    # A path may be served by routes of both modules (GET here, PUT and DELETE in editor).
    served: dict[str, set[str]] = {}
    for route in [*api.routes, *editor.routes]:
        assert isinstance(route, Route)
        if route.path == "/api" or (route in editor.routes and not route.path.startswith("/api/")):
            continue  # the rendering of this document; the editor's HTML page and forms
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)  # OpenAPI has no converters
        served.setdefault(path, set()).update((route.methods or set()) - {"HEAD"})
    for path, methods in served.items():
        assert {method.upper() for method in paths[path]} == methods, path


def test_every_reference_resolves_and_every_error_has_the_error_shape() -> None:
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    components = document["components"]

    def walk(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for ref in walk(document):
        _, _, kind, name = ref.split("/")
        assert name in components[kind], ref
    for name, response in components["responses"].items():
        if name != "NotModified":
            assert response["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }


@pytest.mark.parametrize(
    ("method", "path", "url"),
    [
        ("GET", "/api/search", "/api/search?q=osce&section=Organizations&from=2023"),
        ("GET", "/api/search", "/api/search?year=2024&from=2024&to=2024"),
        ("GET", "/api/search", "/api/search?page=0"),
        ("GET", "/api/search", "/api/search?q=%ff"),
        ("GET", "/api/articles/{id}", "/api/articles/nope"),
        ("GET", "/api/suggest", "/api/suggest?q=vie"),
        ("GET", "/api/entities/{type}/{name}", "/api/entities/place/Vienna?limit=3"),
        ("GET", "/api/entities/{type}/{name}", "/api/entities/place/Atlantis"),
        ("GET", "/api/facets/{name}", "/api/facets/section?prefix=org&q=vienna"),
        ("GET", "/api/facets/{name}", "/api/facets/month?from=2024&to=2024"),
        ("GET", "/search.atom", "/search.atom?q=osce"),
        ("GET", "/api/search.ndjson", "/api/search.ndjson?q=osce"),
        ("GET", "/healthz", "/healthz"),
        ("GET", "/openapi.json", "/openapi.json"),
    ],
)
def test_answers_match_the_document(
    client: TestClient, schema: schemathesis.BaseSchema, method: str, path: str, url: str
) -> None:
    response = client.request(method, url)
    assert response.status_code < 500
    schema[path][method].validate_response(response)


def test_an_article_and_a_post_match_the_document(
    client: TestClient, schema: schemathesis.BaseSchema
) -> None:
    hit = client.get("/api/search?q=osce").json()["hits"][0]
    schema["/api/articles/{id}"]["GET"].validate_response(
        client.get(hit["url"].replace("/articles", "/api/articles"))
    )
    for body in ({"q": "osce", "place": ["Vienna", "Graz"]}, {"page": 0}, [1]):
        response = client.post("/api/search", json=body)
        schema["/api/search"]["POST"].validate_response(response)
    schema["/api/search"]["POST"].validate_response(
        client.post("/api/search", content=b"x", headers={"content-type": "text/plain"})
    )


def test_the_reference_page_lists_every_endpoint(client: TestClient) -> None:
    page = client.get("/api")
    assert page.status_code == 200
    for path, operations in openapi_document()["paths"].items():
        for method in operations:
            assert f"<code>{method.upper()} {path}</code>" in page.text
    # Served locally: nothing is loaded from another host.
    loaded = re.findall(r'(?:src|href)="(https?://[^"]*)"', page.text)
    assert all(url.startswith("http://testserver/") for url in loaded), loaded


def test_the_reference_page_renders_the_descriptions_markdown(client: TestClient) -> None:
    page = client.get("/api").text
    # The document's descriptions are Markdown: code spans are code, not backticks.
    shape = "{&quot;error&quot;: {&quot;status&quot;, &quot;message&quot;, &quot;param&quot;}}"
    assert f"<code>{shape}</code>" in page
    assert "(<code>Organizations &gt; OSCE</code>)" in page
    text = re.sub(r"<[^>]+>", "", page)
    assert "`" not in text


def test_the_reference_page_has_a_form_to_try_each_readers_endpoint(client: TestClient) -> None:
    page = client.get("/api").text
    forms = re.findall(r'<form class="try[^"]*" action="([^"]*)" method="get"', page)
    document = openapi_document()["paths"]
    readable = [
        path
        for path, operations in document.items()
        if "get" in operations and not operations["get"].get("security")
    ]
    assert forms == readable
    assert "/api/jobs/{id}" not in forms, "an editor's endpoint needs the token: no form"
    # A path parameter needs the script to be put into the path; a query-only form works
    # without it, as a GET form whose field names are the parameters.
    assert '<form class="try try-needs-script" action="/api/articles/{id}"' in page
    search = page.split('data-try="/api/search"', 1)[1].split("</form>", 1)[0]
    names = re.findall(r'name="([^"]+)"', search)
    assert names[:3] == ["q", "section", "person"] and "If-None-Match" not in names
    assert re.search(r'<option value="">\(any\)</option>\s*<option>relevance</option>', search)
    assert '<script src="/static/api.js" defer></script>' in page
    assert client.get("/static/api.js").status_code == 200


def _json_results() -> list[type]:
    return [
        value
        for value in vars(results).values()
        if isinstance(value, type)
        and issubclass(value, results.JsonResult)
        and value is not results.JsonResult
    ]


def test_every_field_of_a_result_is_documented() -> None:
    # The descriptions are the document's: an undocumented field is an undescribed answer.
    assert len(_json_results()) >= len(RESULTS)
    for cls in _json_results():
        for name, doc in results.field_docs(cls).items():
            assert doc.text.strip(), f"{cls.__name__}.{name}"


def test_the_result_components_are_read_off_the_dataclasses() -> None:
    schemas = openapi_document()["components"]["schemas"]
    for name, cls in RESULTS.items():
        docs = results.field_docs(cls)
        assert list(schemas[name]["properties"]) == [d.json or f for f, d in docs.items()]
        assert schemas[name]["required"] == [
            d.json or f for f, d in docs.items() if not d.omit_none
        ]
        for field_name, doc in docs.items():
            assert schemas[name]["properties"][doc.json or field_name]["description"]


def test_real_answers_have_no_field_the_components_lack(client: TestClient) -> None:
    # Closed objects: an answer that grew a field its dataclass does not declare fails here.
    document = openapi_document()
    for name in RESULTS:
        document["components"]["schemas"][name]["additionalProperties"] = False
    strict = schemathesis.openapi.from_dict(document)
    hit = client.get("/api/search?q=osce").json()["hits"][0]
    for path, url in [
        ("/api/search", "/api/search?q=osce&place=Vienna&section=Organizations&year=2024"),
        ("/api/search", "/api/search?q=osce&person=Nobody+Atall"),
        ("/api/articles/{id}", hit["url"].replace("/articles", "/api/articles")),
        ("/api/suggest", "/api/suggest?q=vie"),
        ("/api/entities/{type}/{name}", "/api/entities/place/Vienna"),
        ("/api/facets/{name}", "/api/facets/section?prefix=org"),
        ("/healthz", "/healthz"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        strict[path]["GET"].validate_response(response)
