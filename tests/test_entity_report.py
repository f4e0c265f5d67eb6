"""Entity reports on a real index: counts over time, co-mentioned entities, articles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import core_over, write_jsonl

from indexer.archive.request import SearchRequest
from indexer.archive.results import CoMention, MonthCount, YearCount
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.entity_report import entity_report


def _article(n: int, published: str, **entities: list[str]) -> dict[str, Any]:
    # Plain words only, so that extraction adds no entities of its own.
    return {
        "id": f"e-{n}",
        "title": f"Quiet talks number {n}",
        "body": "The talks went on. Nothing was agreed.",
        "published": published,
        "section": "Politics",
        "language": "en",
        "entities": entities,
    }


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchCore]:
    root = tmp_path_factory.mktemp("entities")
    articles = [
        _article(1, "2021-03-02T10:00:00+01:00", person=["Ada Lovelace"], place=["Vienna"]),
        _article(2, "2021-05-02T10:00:00+01:00", person=["Ada Lovelace", "Alan Turing"]),
        _article(3, "2023-01-09T10:00:00+01:00", person=["Ada Lovelace"], place=["Vienna"]),
        _article(4, "2023-02-09T10:00:00+01:00", person=["Alan Turing"], place=["Graz"]),
    ]
    write_jsonl(root / "corpus" / "a.jsonl", articles)
    location = IndexLocation(root / "index")
    update_index(location, root / "corpus")
    yield from core_over(location)


def test_counts_over_time_with_gaps_filled(core: SearchCore) -> None:
    report = entity_report(core, "person", "Ada Lovelace")
    assert report is not None
    assert report.total == 3
    assert report.by_year == [YearCount(2021, 2), YearCount(2022, 0), YearCount(2023, 1)]
    assert report.by_month[:3] == [
        MonthCount("2021-03", 1),
        MonthCount("2021-04", 0),
        MonthCount("2021-05", 1),
    ]
    assert report.by_month[-1] == MonthCount("2023-01", 1)
    assert len(report.by_month) == 23


def test_co_mentioned_entities_leave_out_the_entity_itself(core: SearchCore) -> None:
    report = entity_report(core, "person", "Ada Lovelace")
    assert report is not None
    assert report.co_mentioned == {
        "person": [CoMention("Alan Turing", 1)],
        "organization": [],
        "place": [CoMention("Vienna", 2)],
    }


def test_articles_are_search_hits_newest_first(core: SearchCore) -> None:
    report = entity_report(core, "place", "Vienna", limit=1)
    assert report is not None
    assert report.total == 2
    assert [hit.id for hit in report.articles] == ["e-3"]
    assert report.articles[0].url == "/articles/e-3"
    data = report.to_dict()
    assert data["by_year"][0] == {"year": 2021, "count": 1}
    assert data["type"] == "place" and data["name"] == "Vienna"


def test_the_articles_are_what_a_search_for_the_entity_lists(core: SearchCore) -> None:
    report = entity_report(core, "person", "ada lovelace", limit=2)
    assert report is not None
    wanted = SearchRequest(filters=(("person", ("Ada Lovelace",)),), sort="newest", per_page=2)
    assert report.articles == core.search(wanted).hits
    assert [hit.id for hit in report.articles] == ["e-3", "e-2"]


def test_names_match_ignoring_case_and_unknown_ones_give_none(core: SearchCore) -> None:
    report = entity_report(core, "person", "alan  TURING")
    assert report is not None and report.name == "Alan Turing"
    assert entity_report(core, "person", "Grace Hopper") is None
    assert entity_report(core, "planet", "Vienna") is None
    assert entity_report(core, "place", "Ada Lovelace") is None
