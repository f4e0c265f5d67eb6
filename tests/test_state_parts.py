"""What a new index state carries over from the last one is what a fresh start makes of it.

After an upload, a worker's new index state reuses the last state's entity
names, filter values, spelling words and facet tables and adds what the
upload changed (issue 17). Here one search core lives through a series of
updates of a real index (new articles with new and known names, a spelling
of a known name, a removal), and after each its state is compared with that
of a core opened fresh on the same index: the same suggestions of entities,
the same casing of names, the same filter values, the same spelling words
and counts, the same facet tables.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import synthetic_article, write_jsonl

from indexer.archive.request import FILTER_PARAMS
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation, LiveIndex
from indexer.embedded.search import facets
from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.states import IndexState
from indexer.ingest.article import ENTITY_TYPES

PEOPLE = ["Jane Doe", "John Doe", "Helga Schmid", "Ana Ruiz", "José Mourinho"]
ORGANIZATIONS = ["OSCE", "Acme Holdings", "Bank of Austria", "UNIDO"]
PLACES = ["Vienna", "Graz", "Linz", "Salzburg"]


def article(n: int, prefix: str, people: list[str], places: list[str]) -> dict[str, Any]:
    """A synthetic article naming some people, organisations and places."""
    rng = random.Random(n)
    found = synthetic_article(n, prefix=prefix)
    found["entities"] = {
        "person": rng.sample(people, 2),
        "organization": rng.sample(ORGANIZATIONS, 1),
        "place": rng.sample(places, 1),
    }
    return found


def parts(state: IndexState) -> dict[str, Any]:
    """What a state's suggestions, corrections and filters are made of, comparably."""
    names = state.entity_names()
    counted = {
        entry: int(count)
        for entry, count in zip(names.index.entries, names.counts.tolist(), strict=True)
        if count
    }
    # The keys of names with articles: names of removed articles may stay filed.
    words = {key for _kind, name in counted for key in (name.lower(), *name.lower().split())}
    prefixes = sorted({word[:n] for word in words for n in (1, 2, 3)})
    # Counts of live documents per value, however they were summed, are the table's own.
    for name, table in state.facets.tables.items():
        assert np.array_equal(
            state.facets.live_counts(name, state.all_docs), table.counts(state.all_docs)
        )
    speller = state.spelling()
    # Each word's count is its articles in the spelling fields, whatever the state kept.
    for word in speller.words:
        assert speller.frequency(word) == sum(
            state.lexicon.doc_frequency(name, word) for name in speller.fields
        )
    known = {}
    for name in FILTER_PARAMS:
        values = state.known_values(name)
        known[name] = {key: [values.names[i] for i in ids] for key, ids in values._ids.items()}
    tables = {
        name: (table.names, table.offsets.tolist(), table.values.tolist())
        for name, table in state.facets.tables.items()
    }
    return {
        "counted": counted,
        "found": {p: names.find(p, 5) for p in prefixes},
        "cased": {w: names.cased(w) for w in sorted(words)},
        "known": known,
        "spelling": [(word, speller.frequency(word)) for word in speller.words],
        "closest": state.known_values("person").closest("Jane Do"),
        "tables": tables,
        "newest_first": state.facets.newest_first.tolist(),
    }


def fresh_parts(location: IndexLocation) -> dict[str, Any]:
    core = SearchCore(LiveIndex(location))
    try:
        with core._using() as state:
            return parts(state)
    finally:
        core.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[IndexLocation, Path, SearchCore]]:
    corpus = tmp_path / "corpus"
    for f in range(3):
        write_jsonl(
            corpus / f"part-{f}.jsonl",
            [article(f * 20 + i, "a", PEOPLE[:4], PLACES[:3]) for i in range(20)],
        )
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    core = SearchCore(LiveIndex(location))
    yield location, corpus, core
    core.close()


@pytest.mark.parametrize("base_min_docs", [10, facets.BASE_MIN_DOCS])
def test_each_new_state_is_what_a_fresh_core_makes_of_the_index(
    site: tuple[IndexLocation, Path, SearchCore],
    base_min_docs: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a base of big segments (the first build's, here of 60 articles) kept from
    state to state, and with none (every segment smaller than the base's minimum)."""
    monkeypatch.setattr(facets, "BASE_MIN_DOCS", base_min_docs)
    location, corpus, core = site
    core.warm()
    steps = [
        # Enough articles for a segment of the base's size: the base grows.
        [article(400 + i, "e", PEOPLE[:4], PLACES[:3]) for i in range(12)],
        # New articles naming known people and a new one, a new place; new words.
        [
            {**article(100 + i, "b", PEOPLE, PLACES), "title": f"Quokka census {i} in Zanzibar"}
            for i in range(3)
        ],
        # One more article, one new name of a kind only.
        [{**article(200, "c", PEOPLE[:2], PLACES[:1]), "entities": {"person": ["Zoe Zed"]}}],
        # Another spelling of a known name: one folded form, two spellings.
        [{**article(300, "d", PEOPLE[:2], PLACES[:1]), "entities": {"person": ["jane doe"]}}],
    ]
    for number, articles in enumerate(steps):
        path = write_jsonl(corpus / f"upload-{number}.jsonl", articles)
        update_index(location, corpus, [path])
        core.warm()
        with core._using() as state:
            assert parts(state) == fresh_parts(location)
    # A removal: the new state has deleted documents (and names only they had).
    removed = corpus / "upload-2.jsonl"
    removed.unlink()
    update_index(location, corpus, removed=[removed])
    core.warm()
    with core._using() as state:
        assert not state.all_docs.all()
        carried = parts(state)
        assert ("person", "Zoe Zed") not in carried["counted"]
        assert carried == fresh_parts(location)
    assert {kind for kind, _name in carried["counted"]} == set(ENTITY_TYPES)


def test_an_upload_reuses_the_big_segments_parts(
    site: tuple[IndexLocation, Path, SearchCore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a state made of the big segments is the next state's too, not made again:
    the cost of a new state follows the upload, not the archive."""
    monkeypatch.setattr(facets, "BASE_MIN_DOCS", 10)
    location, corpus, core = site
    core.warm()
    with core._using() as state:
        before = (state.facets.base, state.spelling()._base, state.entity_names().index)
    path = write_jsonl(corpus / "upload.jsonl", [article(500, "f", PEOPLE[:2], PLACES[:1])])
    update_index(location, corpus, [path])
    core.warm()
    with core._using() as state:
        assert state.facets.base is before[0]
        assert state.spelling()._base is before[1]
        # Known names only: the same name index, no name filed again.
        assert state.entity_names().index is before[2]
