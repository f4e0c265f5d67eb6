"""Index states: one key names the state a search reads and the version the API reports."""

from __future__ import annotations

from pathlib import Path

from conftest import synthetic_article, write_json, write_jsonl

from indexer.archive.request import SearchRequest
from indexer.embedded.backend import EmbeddedBackend
from indexer.embedded.index.build import update_index
from indexer.embedded.search.states import state_key, version


def test_the_version_is_the_key_of_the_state_searched(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "a.jsonl", [synthetic_article(n) for n in range(5)])
    backend = EmbeddedBackend(tmp_path / "index", corpus)
    try:
        backend.index()
        backend.search(SearchRequest())
        state = backend.core._state
        assert state is not None
        assert backend.version() == version(state.key) == version(state_key(backend._live)[1])
        write_json(corpus / "b.json", synthetic_article(9, prefix="new"))
        update_index(backend.location, corpus)
        # An update: the same generation, a later table of contents.
        assert backend.version() != version(state.key)
        assert backend.version().split(".")[0] == state.key[0]
        assert backend.search(SearchRequest()).total == 6
        newer = backend.core._state
        assert newer is not None and newer is not state
        assert backend.version() == version(newer.key)
    finally:
        backend.close()
