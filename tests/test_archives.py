"""The public Python API: open an archive, build it, search, add and remove articles."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import synthetic_article, write_jsonl

import indexer
from indexer import ArchiveMissing, RequestError, open_archive
from indexer.archives import Archive


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    corpus = tmp_path / "corpus"
    articles = [synthetic_article(n) for n in range(12)]
    for n, article in enumerate(articles):
        article["section"] = "Politics" if n % 2 else "Economy"
    write_jsonl(corpus / "articles.jsonl", articles)
    return open_archive(tmp_path / "index", corpus)


def test_an_archive_never_built_says_so(archive: Archive) -> None:
    with archive, pytest.raises(ArchiveMissing):
        archive.search("anything")


def test_build_search_read_and_export(archive: Archive) -> None:
    with archive:
        report = archive.index()
        assert (report.indexed, report.failed) == (12, 0)
        everything = archive.search()
        assert everything.total == 12
        economy = archive.search(section="Economy", sort="newest", per_page=3)
        assert economy.total == 6
        assert len(economy.hits) == 3
        assert {v.value: v.count for v in economy.facets["section"]} == {
            "Economy": 6,
            "Politics": 6,
        }
        first = economy.hits[0]
        article = archive.article(first.id)
        assert article is not None
        assert article.id == first.id
        assert article.section == "Economy"
        exported = list(archive.export(section="Economy", sort="newest"))
        assert [record["id"] for record in exported[:3]] == [h.id for h in economy.hits]
        assert len(exported) == 6
        assert "display_title" not in exported[0]
        assert archive.stats().articles == 12


def test_bad_parameters_raise_request_error_naming_them(archive: Archive) -> None:
    with archive:
        archive.index()
        with pytest.raises(RequestError) as error:
            archive.search(sort="sideways")
        assert error.value.param == "sort"
        with pytest.raises(RequestError) as error:
            archive.search(date_from="last tuesday")
        assert error.value.param == "from"


def test_add_and_remove(archive: Archive, tmp_path: Path) -> None:
    with archive:
        archive.index()
        new = synthetic_article(100, prefix="added") | {"title": "Zanzibar harbour reopens"}
        broken = {"id": "no-title", "published": "2024-01-01"}
        outcomes = archive.add([new, broken])
        assert [(o.id, o.status) for o in outcomes] == [
            (new["id"], "created"),
            ("no-title", "rejected"),
        ]
        assert outcomes[1].reasons
        # Searchable when add returns, and written into the corpus's uploads.
        assert [h.id for h in archive.search("zanzibar").hits] == [new["id"]]
        assert any((tmp_path / "corpus" / "uploads").iterdir())
        replaced = archive.add([new | {"title": "Zanzibar harbour closes again"}])
        assert [o.status for o in replaced] == ["updated"]
        assert archive.search("closes").total == 1
        assert archive.remove(new["id"]).status == "deleted"
        assert archive.search("zanzibar").total == 0
        assert archive.remove(new["id"]).status == "missing"


def test_the_package_exports_its_public_names_lazily() -> None:
    assert indexer.open_archive is open_archive
    assert set(indexer.__all__) >= {"open_archive", "Archive", "SearchRequest", "Backend"}
    with pytest.raises(AttributeError):
        _ = indexer.no_such_name  # type: ignore[attr-defined]
