"""Scoring the extractor against hand annotations (tests/data/README.md, "How it is scored").

An annotation file holds one article per line: its id and, per type, the
gold entities with their usual `name` and every `forms` the text writes them
as. In each article the extractor's entities of a type are its distinct
names, each with the text of its mentions; a predicted entity is right when
its name or one of its mentions' texts equals (case-folded, spaces
normalised) the name or a form of a gold entity of the same type not yet
matched. Counts are summed over the articles (micro-averaged), per type and
language, and the misses and false positives are counted by name, so the
most frequent can be listed.

`bench/entities.py --eval` prints the tables; tests score a tiny annotation.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from indexer.entities.extract import Mention
from indexer.ingest.article import ENTITY_TYPES, Entities

# The annotation files: <archive>-<half>.jsonl (bench/entity_sample.py). The first
# draw's halves and the fresh draw (all three tuned on by now, tests/data/README.md),
# and the third draw, held out.
ARCHIVES = {"bbc": "en", "gnad": "de"}
HALVES = ("tune", "held")
FRESH = "fresh"
THIRD = "third"
# --halves: a name of one file set, or one of these groups of them.
GROUPS = {"all": HALVES, "tuning": (*HALVES, FRESH)}


def key(text: str) -> str:
    """How a name or form is compared: case-folded, spaces normalised."""
    return " ".join(text.split()).casefold()


def surfaces(text: str) -> set[str]:
    """A mention's text as an annotator may write its form: without a possessive
    ("OSCE's" -> "OSCE"), or without the German genitive -s the extractor's span
    keeps ("Nationalrats" -> "Nationalrat", as the annotation guidelines write it)."""
    found = {text}
    for ending in ("'s", "’s", "'", "’"):
        if text.endswith(ending):
            found.add(text[: -len(ending)])
    if len(text) > 3 and text.endswith("s"):
        found.add(text[:-1])
    return found


@dataclass(frozen=True)
class Gold:
    """One annotated entity of an article: its usual name and the forms the text writes."""

    name: str
    forms: tuple[str, ...]

    def keys(self) -> frozenset[str]:
        return frozenset(key(form) for form in (self.name, *self.forms))


@dataclass(frozen=True)
class Annotated:
    """One annotated article: its id and its gold entities per type."""

    id: str
    gold: Mapping[str, tuple[Gold, ...]]


def read_annotations(path: Path) -> list[Annotated]:
    """The articles of one annotation file, in its order."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        gold = {
            kind: tuple(
                Gold(item["name"], tuple(item.get("forms", ()))) for item in record.get(kind, ())
            )
            for kind in ENTITY_TYPES
        }
        found.append(Annotated(record["id"], gold))
    return found


@dataclass(frozen=True)
class Predicted:
    """One entity the extractor gives an article: its name and its mentions' texts."""

    name: str
    texts: frozenset[str] = frozenset()

    def keys(self) -> frozenset[str]:
        forms = {form for text in self.texts for form in surfaces(text)}
        return frozenset({key(self.name), *map(key, forms)})


def predictions(
    entities: Entities, mentions: Sequence[Mention], text: str
) -> dict[str, list[Predicted]]:
    """An article's entities per type, each with the texts its mentions have in `text`."""
    texts: dict[tuple[str, str], set[str]] = {}
    for mention in mentions:
        if mention.start >= 0:
            texts.setdefault((mention.type, mention.name), set()).add(
                text[mention.start : mention.end]
            )
    return {
        kind: [
            Predicted(name, frozenset(texts.get((kind, name), ()))) for name in entities.of(kind)
        ]
        for kind in ENTITY_TYPES
    }


@dataclass
class Score:
    """Micro-averaged counts of one type in one language, and what went wrong."""

    right: int = 0
    predicted: int = 0
    gold: int = 0
    missed: Counter[str] = field(default_factory=Counter)
    spurious: Counter[str] = field(default_factory=Counter)

    def add(self, predicted: Sequence[Predicted], gold: Sequence[Gold]) -> None:
        """Score one article's entities of this type: each gold entity is matched once."""
        open_gold = list(gold)
        gold_keys = [g.keys() for g in open_gold]
        self.predicted += len(predicted)
        self.gold += len(gold)
        for entity in predicted:
            keys = entity.keys()
            for k, candidate in enumerate(gold_keys):
                if keys & candidate:
                    del open_gold[k], gold_keys[k]
                    self.right += 1
                    break
            else:
                self.spurious[entity.name] += 1
        for missing in open_gold:
            self.missed[missing.name] += 1

    @property
    def precision(self) -> float:
        return self.right / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.right / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Scores:
    """Scores per (language, type), and for all together."""

    by: dict[tuple[str, str], Score] = field(default_factory=dict)

    def add(
        self,
        language: str,
        predicted: Mapping[str, Sequence[Predicted]],
        gold: Mapping[str, Sequence[Gold]],
    ) -> None:
        for kind in ENTITY_TYPES:
            score = self.by.setdefault((language, kind), Score())
            score.add(predicted.get(kind, ()), gold.get(kind, ()))

    def total(self) -> Score:
        whole = Score()
        for score in self.by.values():
            whole.right += score.right
            whole.predicted += score.predicted
            whole.gold += score.gold
        return whole

    def table(self) -> list[str]:
        """The issue's table: precision, recall and F1 per language and type, then all."""
        lines = [f"{'':<28}{'gold':>6}{'found':>7}{'right':>7}{'P':>7}{'R':>7}{'F1':>7}"]
        names = {"en": "English", "de": "German"}
        plural = {"person": "people", "organization": "organisations", "place": "places"}
        rows: Iterable[tuple[str, Score]] = [
            (f"{names.get(language, language)} {plural[kind]}", score)
            for (language, kind), score in sorted(
                self.by.items(), key=lambda item: (item[0][0] != "en", item[0][1])
            )
        ]
        for label, score in [*rows, ("all", self.total())]:
            lines.append(
                f"{label:<28}{score.gold:>6}{score.predicted:>7}{score.right:>7}"
                f"{score.precision:>7.2f}{score.recall:>7.2f}{score.f1:>7.2f}"
            )
        return lines

    def errors(self, top: int = 10) -> list[str]:
        """The `top` most frequent misses and false positives per language and type."""
        lines = []
        for (language, kind), score in sorted(self.by.items()):
            lines.append(f"{language} {kind} missed: {score.missed.most_common(top)}")
            lines.append(f"{language} {kind} false positives: {score.spurious.most_common(top)}")
        return lines
