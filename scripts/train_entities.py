"""Train the span model (indexer/entities/span_model.py) on the hand annotations, and
report its cross-validated scores.

The examples are the candidates (`indexer.entities.spans`) of the annotated
articles of the tuning sets (tests/data/README.md; never the third draw,
the held-out set): a candidate whose text is a form of a gold entity is of
that entity's type, any other is none. The model is a multinomial logistic
regression (scikit-learn); its weights are saved for numpy alone.

Honest figures need articles the model was not trained on, so the script
cross-validates by article: the articles are split into `--folds` folds
(every article in exactly one); each fold is scored, end to end with the
scorer of `bench/entities.py --eval`, by a model trained on the other folds.
Per language and type the threshold is the lowest probability of a grid at
which that fold-held precision stays at 0.90 (or, where the rules alone are
below it, no lower than theirs); the table printed is at those thresholds
(chosen on the same held-fold predictions, so slightly optimistic), next to
the rules alone. The shipped model is then trained on every article.

    .venv/bin/python scripts/train_entities.py [--folds 5] [--cv-only] [--out PATH]

Needs the `train` extra (`pip install -e '.[train]'`).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# Appended: its script names never shadow an installed module.
sys.path.append(str(ROOT / "bench"))

from entity_eval import (  # noqa: E402
    ARCHIVES,
    GROUPS,
    Annotated,
    Scores,
    key,
    predictions,
    read_annotations,
    surfaces,
)
from entity_sample import articles as archive_articles  # noqa: E402
from entity_sample import draw  # noqa: E402

from indexer.entities import lexicon  # noqa: E402
from indexer.entities.extract import GazetteerExtractor  # noqa: E402
from indexer.entities.gazetteer import Gazetteer, load_gazetteer  # noqa: E402
from indexer.entities.mentions import article_entities, article_text  # noqa: E402
from indexer.entities.span_model import CLASSES, MODEL_PATH, NONE, SpanModel  # noqa: E402
from indexer.ingest.article import ENTITY_TYPES, Article, Entities, make_article  # noqa: E402
from indexer.ingest.importers import Drop, reuters  # noqa: E402

# The tuning sets only: the third draw is held out (tests/data/README.md).
TRAINING = GROUPS["tuning"]
PRECISION = 0.90
# The probabilities tried: of a type, to add a candidate; of none, to drop a rule's mention.
GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)
VETO_GRID = (0.5, 0.6, 0.7, 0.8, 0.9, 1.01)
# A feature seen in fewer training candidates has no weight (it would fit noise).
MIN_COUNT = 2
SEED = 18


@dataclass(frozen=True)
class Example:
    """One annotated article: its text as the annotators read it, its gold and its
    candidates' features and labels."""

    article: Article
    gold: Annotated
    rows: list[list[str]]
    labels: list[str]


def annotated(corpora: Path, data: Path) -> list[tuple[Article, Annotated]]:
    """The tuning sets' articles (without their dateline, as scored) and annotations."""
    gold: dict[str, Annotated] = {}
    for archive in ARCHIVES:
        for half in TRAINING:
            path = data / f"{archive}-{half}.jsonl"
            if path.is_file():
                gold.update({a.id: a for a in read_annotations(path)})
    found = []
    for drawn in draw(corpora):
        if drawn.half not in TRAINING or drawn.article.id not in gold:
            continue
        bare = replace(drawn.article, entities=Entities(), dateline="")
        found.append((bare, gold[drawn.article.id]))
    return found


def lexicon_texts(corpora: Path) -> Iterator[tuple[str, str]]:
    """The archives' texts the lexicon is built from: BBC News and 10kGNAD but the third
    draw's articles (held out: not even their words are read), and Reuters-21578."""
    held_out = {d.article.id for d in draw(corpora) if d.half not in TRAINING}
    for archive in ARCHIVES:
        for article in archive_articles(archive, corpora):
            if article.id not in held_out:
                yield article_text(article), ARCHIVES[archive]
    for document in reuters.documents(corpora / "reuters21578"):
        if not isinstance(document, Drop):
            yield article_text(make_article(document)), "en"


def silver(corpora: Path, reader: GazetteerExtractor) -> Example:
    """Distant supervision: the names the gazetteer and the rules find in the BBC News
    and 10kGNAD articles of no draw, read by their context alone (`spans.context_only`),
    as one example of no article the scorer reads."""
    drawn = {d.article.id for d in draw(corpora)}
    rows, labels = [], []
    for archive in ARCHIVES:
        for article in archive_articles(archive, corpora):
            if article.id in drawn:
                continue
            for row, kind in reader.silver(article_text(article), article.language):
                rows.append(row)
                labels.append(kind)
    return Example(archive_articles("bbc", corpora)[0], Annotated("silver", {}), rows, labels)


def label(text: str, gold: Annotated) -> str:
    """The type of the gold entity a candidate's text is a form of, else none."""
    keys = {key(form) for form in surfaces(text)}
    for kind in ENTITY_TYPES:
        if any(keys & entity.keys() for entity in gold.gold.get(kind, ())):
            return kind
    return NONE


def examples(
    articles: Iterable[tuple[Article, Annotated]], reader: GazetteerExtractor
) -> list[Example]:
    found = []
    for article, gold in articles:
        pairs = reader.candidates(article_text(article), article.language)
        rows = [row for _, row in pairs]
        labels = [label(span.text, gold) for span, _ in pairs]
        found.append(Example(article, gold, rows, labels))
    return found


def folds(ids: Sequence[str], k: int, seed: int = SEED) -> list[set[str]]:
    """The articles split into k folds of (nearly) equal size, each id in one fold."""
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    return [set(order[n::k]) for n in range(k)]


def fit(
    train: Sequence[Example], c: float, extra: Example | None = None, weight: float = 1.0
) -> SpanModel:
    """A model trained on these examples' candidates and `extra` ones of this `weight`
    (thresholds not yet chosen)."""
    # Here, not at the top: the tests import this script's folds without the train extra.
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    counts = Counter(f for example in train for row in example.rows for f in set(row))
    if extra is not None:
        counts.update(f for row in extra.rows for f in set(row))
        train = [*train, extra]
    names = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    column = {f: k for k, f in enumerate(names)}
    indices: list[int] = []
    pointers = [0]
    targets = []
    weights_of: list[float] = []
    for example in train:
        for row, target in zip(example.rows, example.labels, strict=True):
            indices += sorted({column[f] for f in row if f in column})
            pointers.append(len(indices))
            targets.append(CLASSES.index(target))
            weights_of.append(weight if example is extra else 1.0)
    matrix = csr_matrix(
        (np.ones(len(indices)), indices, pointers), shape=(len(targets), len(names))
    )
    regression = LogisticRegression(C=c, max_iter=2000)
    regression.fit(matrix, targets, sample_weight=np.array(weights_of))
    # Columns of the classes the training data lacked stay at zero weight.
    weights = np.zeros((len(names), len(CLASSES)), dtype=np.float32)
    bias = np.full(len(CLASSES), -30.0, dtype=np.float32)
    for n, cls in enumerate(regression.classes_):
        weights[:, cls] = regression.coef_[n]
        bias[cls] = regression.intercept_[n]
    return SpanModel(names, weights, bias, {})


def score(held: Sequence[Example], model: SpanModel | None, gazetteer: Gazetteer) -> Scores:
    """End-to-end scores of the extractor with `model` on these articles."""
    extractor = GazetteerExtractor(gazetteer, model if model is not None else False)
    scores = Scores()
    for example in held:
        article = example.article
        found = article_entities(article, extractor, gazetteer)
        text = article_text(article)
        mentions = extractor.extract(text, article.language)
        language = ARCHIVES[example.gold.id.split("-")[0]]
        scores.add(language, predictions(found, mentions, text), example.gold.gold)
    return scores


def uniform(add: float, drop: float) -> dict[str, dict[str, float]]:
    """The same thresholds for every language and type: `add` a candidate, `drop` a
    rule's mention."""
    every = {**dict.fromkeys(ENTITY_TYPES, add), **{f"veto:{k}": drop for k in ENTITY_TYPES}}
    return {language: dict(every) for language in ARCHIVES.values()}


def cross_validate(
    data: Sequence[Example],
    k: int,
    c: float,
    gazetteer: Gazetteer,
    extra: Example | None = None,
    weight: float = 1.0,
    drop: bool = True,
) -> tuple[dict[str, dict[str, float]], Scores, Scores]:
    """The thresholds chosen on held folds, the scores at them and the rules' alone."""
    parts = folds([e.gold.id for e in data], k)
    pairs = [(t, v) for t in GRID for v in (VETO_GRID if drop else (1.01,))]
    by_pair = {pair: Scores() for pair in pairs}
    chosen_scores = Scores()
    models = []
    for part in parts:
        train = [e for e in data if e.gold.id not in part]
        held = [e for e in data if e.gold.id in part]
        model = fit(train, c, extra, weight)
        models.append((model, held))
        for t, v in pairs:
            model.thresholds = uniform(t, v)
            merge(by_pair[(t, v)], score(held, model, gazetteer))
    rules = score(data, None, gazetteer)
    thresholds: dict[str, dict[str, float]] = {lang: {} for lang in ARCHIVES.values()}
    for (language, kind), alone in rules.by.items():
        # The most recall at a precision of 0.90; where no pair reaches it, the best F1
        # at no less precision than the rules' alone (else the rules alone).
        cells = {pair: by_pair[pair].by[(language, kind)] for pair in pairs}
        passing = [p for p in pairs if cells[p].precision >= PRECISION]
        if passing:
            best = max(passing, key=lambda p: (cells[p].recall, cells[p].precision))
        else:
            kept = [p for p in pairs if cells[p].precision >= alone.precision]
            best = max(kept, key=lambda p: cells[p].f1) if kept else (1.01, 1.01)
        thresholds[language][kind], thresholds[language][f"veto:{kind}"] = best
        if best in cells:
            print(
                f"{language} {kind}: add at {best[0]}, drop at {best[1]}: "
                f"P {cells[best].precision:.2f} R {cells[best].recall:.2f}"
            )
    for model, held in models:
        model.thresholds = thresholds
        merge(chosen_scores, score(held, model, gazetteer))
    return thresholds, chosen_scores, rules


def merge(into: Scores, scores: Scores) -> None:
    for name, score in scores.by.items():
        total = into.by.setdefault(name, type(score)())
        total.right += score.right
        total.predicted += score.predicted
        total.gold += score.gold
        total.missed.update(score.missed)
        total.spurious.update(score.spurious)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data" / "entities")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation")
    parser.add_argument(
        "--silver", type=float, default=0.0, help="weight of the silver examples (0: none)"
    )
    parser.add_argument(
        "--no-drop", action="store_true", help="the model adds names, never drops a rule's"
    )
    parser.add_argument("--cv-only", action="store_true", help="report, save nothing")
    parser.add_argument("--errors", action="store_true", help="the CV misses and false positives")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument(
        "--lexicon", action="store_true", help="first build indexer/data/word_use.json.gz"
    )
    args = parser.parse_args()
    if args.lexicon:
        built = lexicon.build(lexicon_texts(args.corpora))
        lexicon.save(built)
        lexicon.word_use.cache_clear()
        print(f"saved {lexicon.LEXICON_PATH}: {len(built)} words")
    gazetteer = load_gazetteer()
    reader = GazetteerExtractor(gazetteer, model=False)
    data = examples(annotated(args.corpora, args.data), reader)
    labels = Counter(label for e in data for label in e.labels)
    print(f"{len(data)} articles, {sum(labels.values())} candidates: {dict(labels)}")
    extra = silver(args.corpora, reader) if args.silver else None
    if extra is not None:
        print(f"silver: {Counter(extra.labels)}, weight {args.silver}")
    thresholds, scores, rules = cross_validate(
        data, args.folds, args.c, gazetteer, extra, args.silver, not args.no_drop
    )
    print("the gazetteer and rules alone:")
    print("\n".join(rules.table()))
    print(
        f"with the span model, {args.folds}-fold cross-validated by article; "
        f"thresholds {thresholds}:"
    )
    print("\n".join(scores.table()))
    if args.errors:
        print("\n".join(scores.errors()))
    if not args.cv_only:
        model = fit(data, args.c, extra, args.silver)
        model.thresholds = thresholds
        model.save(args.out)
        print(f"saved {args.out}: {len(model.features)} features")
    return 0


if __name__ == "__main__":
    sys.exit(main())
