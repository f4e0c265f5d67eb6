"""The demo archive in corpus/: what `make run` serves on a fresh machine."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT

from indexer.article import Article
from indexer.corpus import find_files, read_file
from indexer.formats import format_of, sniff_xml

DEMO = ROOT / "corpus"


@pytest.fixture(scope="module")
def demo() -> list[tuple[Path, Article]]:
    articles = []
    for path in find_files([DEMO]):
        result = read_file(path)
        assert result.errors == (), [str(e) for e in result.errors]
        articles.extend((path, article) for article in result.articles)
    return articles


def test_demo_corpus_is_large_and_varied(demo: list[tuple[Path, Article]]) -> None:
    articles = [a for _, a in demo]
    assert len(articles) >= 60
    assert len({a.id for a in articles}) == len(articles), "ids are unique"
    languages = Counter(a.language for a in articles)
    assert languages["de"] >= 15 and languages["en"] >= 40
    sections = {a.section_path[0] for a in articles}
    assert len(sections) >= 6
    with_children = {a.section_path[0] for a in articles if len(a.section_path) > 1}
    assert len(with_children) >= 4, "several sections have sub-sections"
    years = {a.published.year for a in articles}
    assert max(years) - min(years) >= 4 and len(years) >= 5
    assert all(a.published.tzinfo is not None for a in articles)


def test_demo_corpus_mixes_every_format(demo: list[tuple[Path, Article]]) -> None:
    formats = Counter()
    for path, _ in demo:
        kind = format_of(path)
        if kind == "xml":
            kind = sniff_xml(path.read_bytes(), path)
        formats[kind] += 1
    for kind in ("json", "markdown", "textexport", "feed", "nitf", "html"):
        assert formats[kind] >= 1, f"no {kind} article in the demo corpus"


def test_demo_corpus_names_real_entities(demo: list[tuple[Path, Article]]) -> None:
    text = " ".join(a.text for _, a in demo)
    for name in ("OSCE", "IAEA", "Vienna", "OSZE", "Wien", "Rafael Mariano Grossi"):
        assert name in text
    assert any(a.entities for _, a in demo), "some articles carry editor entities"
