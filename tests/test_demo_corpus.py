"""The demo archive in corpus/: what `make run` serves on a fresh machine, and what tests copy."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from demo_corpus import copy_demo_corpus, demo_files, tracked_files

from indexer.ingest.article import Article
from indexer.ingest.corpus import find_files, read_file
from indexer.ingest.formats import format_of, sniff_xml


@pytest.fixture(scope="module")
def demo(demo_corpus: Path) -> list[tuple[Path, Article]]:
    articles = []
    for path in find_files([demo_corpus]):
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


# -- what the tests copy -----------------------------------------------------------


def files_under(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def test_the_tests_demo_corpus_is_the_files_git_tracks(demo_corpus: Path) -> None:
    # Not the live folder: an editor's upload there (make run) changed the counts
    # that the page, API and browser tests pin on the demo archive.
    tracked = tracked_files()
    if not tracked:
        pytest.skip("not a git checkout")
    assert files_under(demo_corpus) == sorted(tracked)


def _layout(root: Path) -> None:
    """A checkout's corpus/: one demo article, an upload and a removed file beside it."""
    for name in ("en/article.md", "uploads/upload.json", ".trash/old.json"):
        (root / "corpus" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "corpus" / name).write_text("{}", encoding="utf-8")


def test_uploads_and_trash_are_never_copied(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    _layout(checkout)
    # Without git (a source archive): every file but the editor's folders.
    assert demo_files(checkout) == [Path("en/article.md")]
    git = ["git", "-C", str(checkout)]
    if shutil.which("git") is None:
        pytest.skip("no git")
    subprocess.run([*git, "init", "--quiet"], check=True)
    subprocess.run([*git, "add", "corpus/en"], check=True)
    assert tracked_files(checkout) == [Path("en/article.md")]
    # An upload or a removal in git's list too (a careless `git add corpus`) stays out.
    subprocess.run([*git, "add", "corpus"], check=True)
    assert demo_files(checkout) == [Path("en/article.md")]
    copied = copy_demo_corpus(tmp_path / "copy", checkout)
    assert files_under(copied) == [Path("en/article.md")]
