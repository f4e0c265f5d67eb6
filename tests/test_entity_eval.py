"""The entity evaluation: its scorer on a tiny hand annotation, and the first draw's floor.

The scorer is `bench/entity_eval.py` (tests/data/README.md, "How it is
scored"); the floor runs the real extractor over the first draw of the sample
(both halves, tuned on)
(`bench/entity_sample.py`) against its annotations in tests/data/entities/,
so that a rule that costs precision fails here rather than in a report.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from indexer.entities.extract import GazetteerExtractor, Mention
from indexer.entities.gazetteer import load_gazetteer
from indexer.entities.mentions import article_entities, article_text
from indexer.ingest.article import Entities

# bench/ is a folder of scripts, not a package: its modules import each other by
# name. Appended, so that its script names never shadow an installed module.
sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))

from entity_eval import (
    ARCHIVES,
    HALVES,
    Gold,
    Predicted,
    Score,
    Scores,
    predictions,
    read_annotations,
)
from entity_sample import draw

DATA = Path(__file__).resolve().parent / "data" / "entities"
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
FLOOR = 0.90


def test_read_annotations(tmp_path: Path) -> None:
    path = tmp_path / "bbc-tune.jsonl"
    record = {
        "id": "bbc-politics-268",
        "person": [{"name": "Alan Milburn", "forms": ["Alan Milburn", "Milburn"]}],
        "organization": [{"name": "Labour Party", "forms": ["Labour"]}],
    }
    path.write_text(json.dumps(record) + "\n\n", encoding="utf-8")
    [annotated] = read_annotations(path)
    assert annotated.id == "bbc-politics-268"
    assert annotated.gold["person"] == (Gold("Alan Milburn", ("Alan Milburn", "Milburn")),)
    assert annotated.gold["organization"] == (Gold("Labour Party", ("Labour",)),)
    assert annotated.gold["place"] == ()


def test_a_prediction_matches_by_name_or_by_what_the_text_writes() -> None:
    text = "Mr Milburn of Labour met the Nationalrats members in Britain."
    mentions = [
        Mention("person", "Alan Milburn", 3, 10, "rule"),
        Mention("organization", "Labour Party", 14, 20, "gazetteer"),
        Mention("organization", "National Council of Austria", 29, 41, "gazetteer"),
        Mention("place", "United Kingdom", 53, 60, "gazetteer"),
    ]
    entities = Entities(
        person=("Alan Milburn",),
        organization=("Labour Party", "National Council of Austria"),
        place=("United Kingdom",),
    )
    found = predictions(entities, mentions, text)
    assert found["organization"] == [
        Predicted("Labour Party", frozenset({"Labour"})),
        Predicted("National Council of Austria", frozenset({"Nationalrats"})),
    ]
    gold = {
        # By its name.
        "person": (Gold("Alan Milburn", ("Milburn",)),),
        # By the text of a mention ("Labour"), and without the genitive -s ("Nationalrat").
        "organization": (Gold("Labour", ("Labour",)), Gold("Nationalrat", ("Nationalrat",))),
        # A gold entity found by nothing is a miss.
        "place": (Gold("Britain", ("Britain",)), Gold("London", ("London",))),
    }
    scores = Scores()
    scores.add("en", found, gold)
    person, organization, place = (scores.by["en", kind] for kind in gold)
    assert (person.right, person.predicted, person.gold) == (1, 1, 1)
    assert (organization.right, organization.predicted, organization.gold) == (2, 2, 2)
    # "United Kingdom" is matched by its mention's text, "Britain"; "London" is missed.
    assert (place.right, place.predicted, place.gold) == (1, 1, 2)
    assert place.missed == {"London": 1}
    assert scores.total().precision == 1.0
    assert scores.total().recall == 4 / 5


def test_each_gold_entity_is_matched_once() -> None:
    score = Score()
    predicted = [Predicted("WMC"), Predicted("WMC Resources", frozenset({"WMC"}))]
    score.add(predicted, [Gold("WMC Resources", ("WMC Resources", "WMC"))])
    assert (score.right, score.predicted, score.gold) == (1, 2, 1)
    assert score.spurious == {"WMC Resources": 1}
    assert score.precision == 0.5
    assert score.recall == 1.0


@pytest.mark.skipif(not CORPORA.is_dir(), reason="the shared corpora are not here")
def test_first_draw_precision_floor() -> None:
    """Precision of every type in both languages stays at or above 0.90 on the whole
    first draw (tune and held: both were tuned on; the fresh draw is only reported).

    The gazetteer and the rules alone: the span model was trained on these articles,
    so its precision here says nothing; it is held to its precision by the
    cross-validation that chose its thresholds (scripts/train_entities.py)."""
    gold = {}
    for archive in ARCHIVES:
        for half in HALVES:
            gold.update({a.id: a for a in read_annotations(DATA / f"{archive}-{half}.jsonl")})
    gazetteer = load_gazetteer()
    extractor = GazetteerExtractor(gazetteer, model=False)
    scores = Scores()
    for drawn in draw(CORPORA):
        annotated = gold.get(drawn.article.id)
        if annotated is None:
            continue
        # As bench/entities.py --eval: the dateline is not in the annotated text.
        article = replace(drawn.article, entities=Entities(), dateline="")
        found = article_entities(article, extractor, gazetteer)
        text = article_text(article)
        mentions = extractor.extract(text, article.language)
        scores.add(ARCHIVES[drawn.archive], predictions(found, mentions, text), annotated.gold)
    assert sum(score.gold for score in scores.by.values()) > 1500  # 60 articles of each archive
    low = {key: round(s.precision, 3) for key, s in scores.by.items() if s.precision < FLOOR}
    assert low == {}, "\n".join(scores.table() + scores.errors())
