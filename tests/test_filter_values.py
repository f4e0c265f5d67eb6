"""Filter values match folded for case and accents, and unknown ones name the closest (issue 14 #6).

On the demo archive (real index, real app) and on small indexes of spellings
made for the purpose; the CLI runs as a process.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from api_app import demo_app, demo_site, running
from conftest import run_cli, synthetic_article, write_jsonl
from starlette.testclient import TestClient

from indexer.archive.request import MAX_FILTER_VALUES, MAX_SUGGESTED, SearchRequest
from indexer.archive.results import FacetValue, FilterMatch, FilterSuggestion
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search.core import SearchCore, SearchResult
from indexer.embedded.search.filter_values import KnownValues, fold


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with running(demo_app(tmp_path_factory)) as client:
        yield client


def run(core: SearchCore, **params: object) -> SearchResult:
    return core.search(SearchRequest.from_params(params))


def ids(result: SearchResult) -> set[str]:
    return {hit.id for hit in result.hits}


def test_fold_is_the_analysers_lowercase_and_accent_map() -> None:
    assert fold("José Mourinho") == "jose mourinho"
    assert fold("Łódź") == "lodz"
    assert fold("SPÖ") == "spo"
    assert fold("Politics > Europe") == "politics > europe"


def test_known_values_match_every_spelling_and_name_the_closest() -> None:
    names = ["José Mourinho", "Jose Mourinho", "Gerd Müller", "Mourinho Fan Club"]
    known = KnownValues(names, np.array([19, 2, 5, 1]))
    # Both spellings, the more used first.
    assert known.matches("JOSE MOURINHO") == ["José Mourinho", "Jose Mourinho"]
    assert known.ids("josé mourinho") == [0, 1]
    assert known.matches("Jose Mourinhoo") == []
    assert known.closest("Jose Mourinhoo") == ("José Mourinho",)
    # Part of a name finds it; the value most alike comes first.
    assert known.closest("Mourinho")[0] == "José Mourinho"
    assert known.closest("xyzzy") == ()
    languages = KnownValues(["en", "de"], np.array([3, 4]), {"German": "de"})
    assert languages.matches("german") == ["de"]


@pytest.mark.parametrize(
    ("name", "asked", "archive"),
    [
        ("person", "Gerd Muller", "Gerd Müller"),
        ("person", "GERD MÜLLER", "Gerd Müller"),
        ("organization", "spo", "SPÖ"),
        ("place", "lodz", "Łódź"),
        ("place", "sao paulo", "São Paulo"),
        ("source", "vindobona", "Vindobona"),
        ("section", "organizations > osce", "Organizations > OSCE"),
    ],
)
def test_filter_values_match_folded_for_case_and_accents(
    demo: SearchCore, name: str, asked: str, archive: str
) -> None:
    exact = run(demo, per_page=100, **{name: archive})
    folded = run(demo, per_page=100, **{name: asked})
    assert exact.total > 0
    assert folded.total == exact.total
    assert ids(folded) == ids(exact)
    assert folded.filter_matches == {name: [FilterMatch(asked, [archive])]}
    assert folded.filter_suggestions == {}
    # The facet marks the archive's value selected, as it writes it.
    selected = [v.value for v in folded.facets.get(name, []) if v.selected]
    if name in folded.facets:
        assert selected == [archive]


def test_a_folded_section_keeps_its_children(demo: SearchCore) -> None:
    parent = run(demo, section="organizations")
    assert parent.total == run(demo, section="Organizations").total
    children = sum(
        run(demo, section=v.value).total
        for v in parent.facets["section"]
        if v.value.startswith("Organizations > ")
    )
    assert parent.total == children > 0


def test_a_language_by_case_or_by_name(demo: SearchCore) -> None:
    german = run(demo, language="de").total
    assert german > 0
    assert run(demo, language="DE").total == german
    assert run(demo, language="German").total == german


def test_an_unknown_value_names_the_closest_never_a_silent_zero(demo: SearchCore) -> None:
    result = run(demo, person="Gerd Muler")
    assert result.total == 0
    assert [s.to_dict() for s in result.filter_suggestions["person"]] == [
        {"value": "Gerd Muler", "closest": ["Gerd Müller"]}
    ]
    # Listed as given, selected, so that it can be removed.
    assert FacetValue("Gerd Muler", 0, True) in result.facets["person"]
    sections = run(demo, section="Politik").filter_suggestions["section"][0]
    assert sections.closest[0] == "Politics"
    # Nothing near: still said, with no values to offer.
    assert run(demo, place="Xyzzyq").filter_suggestions == {
        "place": [FilterSuggestion("Xyzzyq", ())]
    }


def test_an_entitys_other_names_filter_as_the_entity(demo: SearchCore) -> None:
    # The query `wien` finds the articles about Vienna; the filter does too.
    vienna = run(demo, place="Vienna", per_page=100)
    assert vienna.total > 0
    for value in ("Wien", "wien", "WIEN"):
        wien = run(demo, place=value, per_page=100)
        assert ids(wien) == ids(vienna), value
        assert not wien.filter_suggestions
    # A misspelt other name is offered the entity, once.
    near = run(demo, place="Wienn").filter_suggestions["place"][0]
    assert near.closest.count("Vienna") == 1


def test_every_spelling_of_a_folded_value_matches(tmp_path: Path) -> None:
    people = [["José Mourinho"], ["José Mourinho"], ["Jose Mourinho"], ["JOSE MOURINHO"], []]
    corpus = tmp_path / "corpus"
    write_jsonl(
        corpus / "a.jsonl",
        [synthetic_article(n) | {"entities": {"person": p}} for n, p in enumerate(people)],
    )
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus, entities=False)
    core = SearchCore(LiveIndex(location))
    try:
        for asked in ("jose mourinho", "José Mourinho", "JOSÉ MOURINHO"):
            result = run(core, person=asked)
            assert result.total == 4
            assert result.filter_matches["person"][0].matches == [
                "José Mourinho",
                "JOSE MOURINHO",
                "Jose Mourinho",
            ]
        # One value however it is spelt: the request keeps the first.
        twice = SearchRequest.from_params({"person": ["José Mourinho", "jose mourinho"]})
        assert twice.values("person") == ("José Mourinho",)
        assert twice.without_filter("person", "JOSE MOURINHO").filters == ()
    finally:
        core.close()


def test_the_api_answers_folded_values_and_suggestions(client: TestClient) -> None:
    found = client.get("/api/search", params={"person": "gerd muller"}).json()
    assert found["total"] == 2
    assert found["filter_matches"] == {
        "person": [{"value": "gerd muller", "matches": ["Gerd Müller"]}]
    }
    assert found["filter_suggestions"] == {}
    unknown = client.get("/api/search", params={"person": "Gerd Muler", "q": "wien"}).json()
    assert unknown["total"] == 0
    assert unknown["filter_suggestions"] == {
        "person": [{"value": "Gerd Muler", "closest": ["Gerd Müller"]}]
    }
    posted = client.post("/api/search", json={"place": "LODZ"}).json()
    assert posted["total"] == 1


def _links(page: str, css_class: str) -> list[tuple[str, str]]:
    found = re.findall(rf'<p class="{css_class}">(.*?)</p>', page, re.S)
    return [
        (html.unescape(href), html.unescape(text))
        for block in found
        for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', block)
    ]


def test_the_page_offers_the_closest_values_in_place_of_an_unknown_one(
    client: TestClient,
) -> None:
    page = client.get("/search", params={"q": "wien", "person": "Gerd Muler"}).text
    assert "The archive has no person “Gerd Muler”." in html.unescape(page)
    [(href, text)] = [link for link in _links(page, "did-you-mean") if "person" in link[0]]
    assert text == "Gerd Müller"
    assert parse_qsl(urlsplit(href).query) == [("q", "wien"), ("person", "Gerd Müller")]
    assert client.get(href).status_code == 200
    hostile = client.get("/search", params={"person": "<svg onload=alert(1)>"}).text
    assert "The archive has no person “&lt;svg onload=alert(1)&gt;”." in hostile


def test_the_chip_shows_the_value_as_the_archive_writes_it(client: TestClient) -> None:
    page = html.unescape(client.get("/search", params={"person": "gerd muller"}).text)
    chips = re.findall(r'<a class="chip" href="([^"]*)"[^>]*>(.*?)<span', page)
    assert [label for _, label in chips] == ["Person: Gerd Müller"]
    # Removing the chip (or the selected facet value) removes the reader's spelling.
    assert parse_qsl(urlsplit(chips[0][0]).query) == []
    assert "did-you-mean" not in page


def test_the_cli_folds_and_names_the_closest(tmp_path_factory: pytest.TempPathFactory) -> None:
    index = str(demo_site(tmp_path_factory) / "index")
    done = run_cli("search", "", "--person", "gerd muller", "--json", "--index", index)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == 2
    done = run_cli("search", "", "--person", "Gerd Muler", "--index", index)
    assert done.returncode == 0, done.stderr
    assert "--person: the archive has no 'Gerd Muler'; did you mean 'Gerd Müller'?" in done.stderr


def test_only_the_first_unknown_values_are_compared(demo: SearchCore) -> None:
    # Each comparison reads every value of the filter: a request of 20 unknown
    # values per filter must not cost 120 of them.
    asked = [f"Gerd Muler {n}" for n in range(MAX_FILTER_VALUES)]
    result = run(demo, person=asked, place=["Lodzz"])
    named = result.filter_suggestions["person"] + result.filter_suggestions["place"]
    assert [item.value for item in named] == [*asked, "Lodzz"]
    assert all(item.closest for item in named[:MAX_SUGGESTED])
    assert not any(item.closest for item in named[MAX_SUGGESTED:])
