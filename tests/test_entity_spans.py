"""The span model: its candidates, its features, the shipped weights and how it is
cross-validated (indexer/entities/spans.py, span_model.py, scripts/train_entities.py).

The real gazetteer, the real shipped model and lexicon; no model of our own is stood in for.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from indexer.entities.enrich import enrichment_signature, signed_files
from indexer.entities.extract import GazetteerExtractor
from indexer.entities.gazetteer import load_gazetteer
from indexer.entities.lexicon import LEXICON_PATH, build, word_use
from indexer.entities.span_model import MODEL, MODEL_PATH, read_model, shipped_model
from indexer.entities.spans import context_only

# scripts/ and bench/ are folders of scripts, not packages (as in test_entity_eval.py).
sys.path.append(str(Path(__file__).resolve().parents[1] / "scripts"))
sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))

from entity_eval import Annotated, Gold
from train_entities import folds, label


def extractor(model: bool = True) -> GazetteerExtractor:
    return GazetteerExtractor(load_gazetteer(), model)


def test_candidates_are_the_capitalised_words_no_step_claimed() -> None:
    text = "Shares in Yukos fell on Monday after the Kentish Flyers spoke to Reuters."
    spans = [span.text for span, _ in extractor(False).candidates(text, "en")]
    # A run and each of its parts; not a day's name, not the gazetteer's Reuters.
    assert {"Yukos", "Shares", "Kentish", "Kentish Flyers", "Flyers"} <= set(spans)
    assert "Monday" not in spans
    assert "Reuters" not in spans


def test_the_model_names_what_the_gazetteer_does_not_know() -> None:
    text = "Der Kurs von Nintendo fiel, wie Heise berichtet."
    found = {(m.type, m.name) for m in extractor().extract(text, "de") if m.source == MODEL}
    assert found == {("organization", "Nintendo"), ("organization", "Heise")}
    text = "The show was opened by Natasha Bedingfield."
    found = {(m.type, m.name) for m in extractor().extract(text, "en") if m.source == MODEL}
    assert found == {("person", "Natasha Bedingfield")}


def test_a_german_compound_offers_its_first_part() -> None:
    text = "Laut einem Heise-Bericht stieg der Umsatz."
    compounds = [span for span, _ in extractor(False).candidates(text, "de") if span.compound]
    assert [span.text for span in compounds] == ["Heise"]


def test_a_candidates_features_name_its_words_context_and_language() -> None:
    text = "Fans of the Kentish Flyers sang."
    pairs = extractor(False).candidates(text, "en")
    [row] = [row for span, row in pairs if span.text == "Kentish Flyers"]
    assert {"w=kentish", "w=flyers", "p1=the", "n1=sang", "en:w=flyers", "src=free"} <= set(row)
    # A silver example is read by its context alone: no word of its own, no gazetteer.
    context = context_only(row)
    assert "p1=the" in context and "en:n1=sang" in context
    assert not any(feature.endswith(("=kentish", "=flyers")) for feature in context)


def test_a_rules_mention_is_a_candidate_to_check() -> None:
    text = "Shares in Yukos fell sharply."
    [row] = [row for span, row in extractor(False).candidates(text, "en") if span.text == "Yukos"]
    assert {"src=cue", "claimed=organization"} <= set(row)


def test_the_shipped_model_loads_and_round_trips(tmp_path: Path) -> None:
    model = shipped_model()
    assert model is not None
    assert set(model.thresholds) == {"en", "de"}
    copy = tmp_path / "model.npz"
    model.save(copy)
    again = read_model(copy)
    rows = [["w=yukos", "p1=in", "en:w=yukos"], ["w=monday"]]
    assert np.allclose(model.probabilities(rows), again.probabilities(rows))
    assert np.allclose(model.probabilities(rows).sum(axis=1), 1.0)


def test_without_the_model_the_rules_alone_read_the_text() -> None:
    text = "Shares in Yukos fell after Yukos said it would appeal."
    assert all(m.source != MODEL for m in extractor(False).extract(text, "en"))


def test_the_lexicon_counts_per_language() -> None:
    lexicon = build(
        [
            ("Shares of Yukos fell and Yukos said so; a standard case and a Standard one.", "en"),
            ("Die Regierung und die Regierung in Wien.", "de"),
        ]
    )
    assert lexicon["en:Yukos"] == "l0d0f1"  # never lower case, never after an article
    assert lexicon["de:Regierung"] == "l0d3f1"  # always after an article: a noun
    assert "en:Standard" not in lexicon  # seen capitalised once only
    assert word_use()  # the shipped one is there


def test_the_model_and_lexicon_sign_the_enrichment(tmp_path: Path) -> None:
    # Their bytes are in the signature: new weights rebuild the index and start a new cache.
    assert {MODEL_PATH, LEXICON_PATH} <= set(signed_files(tmp_path))
    assert len(enrichment_signature(tmp_path)) == 16


def test_cross_validation_puts_each_article_in_one_fold() -> None:
    ids = [f"bbc-{n:03d}" for n in range(240)]
    parts = folds(ids, 5)
    assert len(parts) == 5
    assert sum(len(part) for part in parts) == len(ids)
    assert set().union(*parts) == set(ids)
    for k, part in enumerate(parts):
        assert 47 <= len(part) <= 49
        for other in parts[k + 1 :]:
            assert not part & other  # never trained on an article it is scored on
    assert folds(list(reversed(ids)), 5) == parts  # the same split whatever the order


def test_a_candidate_is_labelled_by_the_gold_form_it_writes() -> None:
    gold = Annotated(
        "bbc-x",
        {
            "organization": (Gold("Yukos", ("Yukos",)),),
            "person": (Gold("Mikhail Khodorkovsky", ("Khodorkovsky",)),),
            "place": (),
        },
    )
    assert label("Yukos", gold) == "organization"
    assert label("Yukos's", gold) == "organization"  # as the scorer reads a possessive
    assert label("Khodorkovsky", gold) == "person"
    assert label("Moscow", gold) == "none"
