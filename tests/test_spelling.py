""" "Did you mean": the speller's answers, and what each index state keeps of them (issue 14 #7)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import core_over, synthetic_article, write_jsonl
from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.archive.request import SearchRequest
from indexer.embedded.index.build import update_index
from indexer.embedded.index.schema import ANY_STOP_WORDS
from indexer.embedded.index.store import IndexLocation
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.spelling import EDIT_WEIGHT, MAX_EDITS, Corrections
from indexer.embedded.search.states import spelling_fields
from indexer.ingest.importers import ImportSummary


@pytest.fixture(scope="module")
def reuters(
    tmp_path_factory: pytest.TempPathFactory, reuters_import: ImportSummary
) -> Iterator[SearchCore]:
    """An index of the first two files of the Reuters import (about 2,000 articles)."""
    root = tmp_path_factory.mktemp("spelling")
    corpus = root / "corpus"
    corpus.mkdir()
    for path in sorted(reuters_import.files)[:2]:
        shutil.copy(path, corpus / path.name)
    location = IndexLocation(root / "index")
    update_index(location, corpus, entities=False)
    yield from core_over(location)


def _by_definition(core: SearchCore, word: str) -> str | None:
    """The best correction as the speller defines it, over every word and Whoosh's counts."""
    with core.live.get().searcher() as searcher:
        reader = searcher.reader()
        fields = spelling_fields(searcher)
        words = sorted({w for f in fields for w in reader.lexicon(f)})
        texts = [w.decode() if isinstance(w, bytes) else w for w in words]
        best: tuple[float, str] | None = None
        for candidate, distance, _ in process.extract(
            word, texts, scorer=OSA.distance, score_cutoff=MAX_EDITS, limit=None
        ):
            frequency = sum(reader.doc_frequency(f, candidate) for f in fields)
            # Stop words are indexed but never offered (they would win every short misspelling).
            if candidate == word or not frequency or candidate in ANY_STOP_WORDS:
                continue
            weight = frequency / EDIT_WEIGHT**distance
            if best is None or weight > best[0] or (weight == best[0] and candidate < best[1]):
                best = (weight, candidate)
    return best[1] if best else None


@pytest.mark.parametrize(
    "word", ["cofee", "bnak", "treasurry", "petrolium", "inflaton", "ol", "acord", "xqzzyv"]
)
def test_the_speller_answers_by_its_definition_over_all_words(
    reuters: SearchCore, word: str
) -> None:
    # Only words of nearby lengths are compared, and frequencies come from memory:
    # the answer is still the best of all words within two edits.
    with reuters._using() as state:
        found = state.spelling().correct(word)
    assert found == _by_definition(reuters, word)


def test_corrections_are_bounded_and_computed_once() -> None:
    asked: list[str] = []

    def compute(word: str) -> str:
        asked.append(word)
        return word.upper()

    kept: Corrections[str, str] = Corrections(limit=3)
    for word in ["a", "b", "a", "c", "d", "b"]:
        assert kept.get(word, compute) == word.upper()
    # "a" was computed once while kept; "a" went first when "d" came, so "b" stayed.
    assert asked == ["a", "b", "c", "d"]
    assert len(kept) == 3
    kept.get("a", compute)
    assert asked[-1] == "a" and len(kept) == 3


@contextmanager
def titled_index(corpus: Path, location: IndexLocation, titles: list[str]) -> Iterator[SearchCore]:
    """A search core over an index of articles with these titles."""
    write_jsonl(
        corpus / "a.jsonl", [synthetic_article(n) | {"title": t} for n, t in enumerate(titles)]
    )
    update_index(location, corpus, entities=False)
    yield from core_over(location)


def test_an_update_can_change_the_answer(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    location = IndexLocation(tmp_path / "index")
    titles = ["Bank lends more", "Bank rates fall", "Coffee prices rise"]
    with titled_index(corpus, location, titles) as core:
        assert core.did_you_mean("bnak rates") == "bank rates"
        assert core.did_you_mean("bnak rates") == "bank rates"  # kept
        # A new state: the word is in the archive now, nothing to correct.
        write_jsonl(
            corpus / "b.jsonl", [synthetic_article(9) | {"title": "Bnak is a town in Bosnia"}]
        )
        update_index(location, corpus, entities=False)
        assert core.did_you_mean("bnak rates") is None
        # And a word more common now wins another correction.
        write_jsonl(
            corpus / "c.jsonl",
            [synthetic_article(20 + n) | {"title": "Coffer of the state"} for n in range(12)],
        )
        assert core.did_you_mean("cofer") == "coffee"
        update_index(location, corpus, entities=False)
        assert core.did_you_mean("cofer") == "coffer"


def test_a_search_that_finds_nothing_corrects_each_word_once_per_state(tmp_path: Path) -> None:
    # Issue 14 #7: every zero-hit request ran the whole correction again.
    titles = ["Bank lends more", "Bank rates fall"]
    with titled_index(tmp_path / "corpus", IndexLocation(tmp_path / "index"), titles) as core:
        request = SearchRequest.from_params({"q": "bnak ratse"})
        first = core.search(request)
        assert first.total == 0 and first.suggestion == "bank rates"
        with core._using() as state:
            kept = dict(state.corrections._answers)
        assert kept == {"bnak": "bank", "ratse": "rates"}
        # Asked again (another page, another reader): answered from what the state kept.
        with core._using() as state:
            state.corrections._answers["bnak"] = "bank!"
        assert core.search(request).suggestion == "bank! rates"


@pytest.mark.parametrize(
    ("q", "suggestion"),
    [
        ("viena", "Vienna"),  # cased as the archive writes the name
        ("osec", "OSCE"),  # a swap of two letters is one edit
        ("Grosi", "Grossi"),
        ("nuclaer confrence", "nuclear conference"),  # each word corrected
        ("the viena", "the Vienna"),  # a stop word is kept, never offered
        ("ministerial councl", "ministerial council"),  # only the misspelt word changes
        ("xyz", None),  # no word within two edits but stop words
        ("zzzzqqq", None),
        ("vienna", None),  # 63 articles: nothing to correct
    ],
)
def test_did_you_mean_on_the_demo_archive(demo: SearchCore, q: str, suggestion: str | None) -> None:
    result = demo.search(SearchRequest(q=q))
    assert result.suggestion == suggestion
    assert result.total == (63 if q == "vienna" else 0)
