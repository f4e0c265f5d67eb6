"""Did you mean: misspelt words of a query replaced, everything else kept as typed."""

from __future__ import annotations

from indexer.embedded.search.core import SearchCore
from indexer.embedded.search.did_you_mean import did_you_mean


def test_operators_punctuation_and_spacing_stay_as_typed(demo: SearchCore) -> None:
    assert demo.did_you_mean("Osmanni AND  (OSCE OR -Vienna)") == "Osmani AND  (OSCE OR -Vienna)"


def test_known_words_give_nothing_better(demo: SearchCore) -> None:
    assert demo.did_you_mean("OSCE Vienna") is None
    # No letter or digit: nothing to correct.
    assert demo.did_you_mean("?! --") is None


def test_answers_are_kept_per_index_state(demo: SearchCore) -> None:
    with demo._using() as state:
        assert did_you_mean(state, "Osmanni") == "Osmani"
        assert state.corrections.get("Osmanni", lambda word: "not asked again") == "Osmani"
