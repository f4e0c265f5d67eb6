"""The span model: a learned classifier that types the candidates no rule claimed.

A multinomial logistic regression over the candidates' features
(`indexer.entities.spans`): for each candidate, a probability of each class,
person, organisation, place or none. It is trained offline on the hand
annotations (`scripts/train_entities.py`, tests/data/README.md) and shipped
as its weights, `indexer/data/span_model.npz`, so that extraction needs only
numpy: no model is downloaded, no scikit-learn at run time.

A candidate becomes a mention when its best class is a type and that type's
probability reaches the type's threshold for the text's language (chosen by
cross-validation so that precision stays at 0.90 or more); where candidates
overlap, the most probable wins. A new name is shown as written, unless the
gazetteer knows it as that type (then its canonical name) or it is the
surname or first name of one person the text names in full (then that
person).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from indexer.entities.cues.reading import CUE
from indexer.entities.memo import MEMO_WORDS
from indexer.entities.spans import Span, candidates, context_features, mention_spans, own_key

if TYPE_CHECKING:
    from indexer.entities.extract import Mention, _Pass

MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "span_model.npz"
MODEL = "model"
NONE = "none"
CLASSES = (NONE, "person", "organization", "place")


@dataclass
class SpanModel:
    """Weights per feature and class, a bias per class, and thresholds per language and type."""

    features: list[str]
    weights: npt.NDArray[np.float32]  # (features, classes)
    bias: npt.NDArray[np.float32]  # (classes,)
    thresholds: dict[str, dict[str, float]]  # language -> type -> probability

    def __post_init__(self) -> None:
        self.column = {feature: k for k, feature in enumerate(self.features)}
        # A zero row after the weights: the sentinel `probabilities` sums for an empty row.
        self._padded = np.vstack([self.weights, np.zeros((1, len(CLASSES)), np.float32)])
        # Per candidate text (`spans.own_key`) and gazetteer: the sum of the weights of
        # what its words alone say; an archive repeats its words, so a candidate's own
        # features are looked up once, and only its context's each time.
        self._own: dict[tuple[int, str], npt.NDArray[np.float64]] = {}

    def own_sums(self, r: _Pass, spans: Sequence[Span]) -> npt.NDArray[np.float64]:
        """Each candidate's summed weights of its `spans.own_features`."""
        memo, column, weights = self._own, self.column, self.weights
        words, index = r.word_rules.span_words, id(r.index)
        found = np.empty((len(spans), len(CLASSES)), dtype=np.float64)
        for n, span in enumerate(spans):
            key = (index, own_key(r, span))
            summed = memo.get(key)
            if summed is None:
                if len(memo) >= MEMO_WORDS:
                    memo.clear()
                known = [column[f] for f in set(words[key[1]]) if f in column]
                summed = memo[key] = weights[known].sum(axis=0, dtype=np.float64)
            found[n] = summed
        return found

    def probabilities(
        self, rows: Sequence[Sequence[str]], plus: npt.NDArray[np.float64] | None = None
    ) -> npt.NDArray[np.float64]:
        """Each row of features' probabilities of `CLASSES` (with `plus`, sums of weights
        of more of each row's features: `own_sums`)."""
        get, zero = self.column.get, repeat(len(self.weights))
        # Every row's columns in one array, summed per row in one call (a numpy call per
        # row would cost more than the sums); a feature the model has no weight for is
        # the zero row after the weights.
        columns: list[int] = []
        offsets: list[int] = []
        for row in rows:
            offsets.append(len(columns))
            columns += map(get, set(row), zero)  # each feature once, as in training
        columns.append(len(self.weights))  # an empty last row sums the zero row alone
        scores = np.add.reduceat(self._padded[columns], offsets, axis=0, dtype=np.float64)
        empty = np.diff([*offsets, len(columns) - 1]) == 0
        scores[empty] = 0.0
        if plus is not None:
            scores += plus
        scores = scores + self.bias
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def save(self, path: Path) -> None:
        # Features as one newline-joined UTF-8 blob: an array of fixed-width
        # strings would take the longest feature's width for every one.
        np.savez_compressed(
            path,
            features=np.frombuffer("\n".join(self.features).encode(), dtype=np.uint8),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            thresholds=np.frombuffer(json.dumps(self.thresholds).encode(), dtype=np.uint8),
        )


def read_model(path: Path) -> SpanModel:
    with np.load(path, allow_pickle=False) as data:
        names = bytes(data["features"]).decode().split("\n")
        thresholds = json.loads(bytes(data["thresholds"]).decode())
        return SpanModel(names, data["weights"], data["bias"], thresholds)


@cache
def shipped_model() -> SpanModel | None:
    """The trained model in indexer/data, or None when it is not there."""
    return read_model(MODEL_PATH) if MODEL_PATH.is_file() else None


def _words(name: str) -> tuple[str, ...]:
    """A name's words as compared: case-folded, without a plural's or genitive's -s."""
    return tuple(w.casefold().removesuffix("s") for w in name.split())


def _named_already(r: _Pass, text: str, kind: str) -> str:
    """The name of a mention of this type the text names already whose words hold the
    candidate's or are held by them ("Commons" of "House of Commons", "Liberal
    Democrat" of "Liberal Democrats"), so that one entity is not listed twice; else
    the candidate as written."""
    words = _words(text)
    n = len(words)
    for mention in r.mentions:
        if mention.type != kind:
            continue
        named = _words(mention.name)
        m = len(named)
        shorter, longer = (words, named) if n <= m else (named, words)
        k = len(shorter)
        if any(longer[i : i + k] == shorter for i in range(len(longer) - k + 1)):
            return mention.name
    return text


def checked_spans(r: _Pass) -> list[Span]:
    """The rules' and cues' mentions the model checks, as spans (see `check`)."""
    from indexer.entities.extract import RULE

    return [
        replace(span, source=mention.source, claimed=mention.type)
        for span, mention in mention_spans(r, frozenset({RULE, CUE}))
    ]


def check(r: _Pass, model: SpanModel) -> None:
    """Drop the rules' and cues' mentions the model reads as no name of their type: a
    mention of type T goes when the probability of none reaches the language's
    ``veto:T`` threshold. Their words are free again for the candidates."""
    from indexer.entities.extract import RULE

    thresholds = model.thresholds.get("de" if r.german else "en", {})
    if all(thresholds.get(f"veto:{kind}", 1.01) > 1 for kind in CLASSES[1:]):
        return
    pairs = mention_spans(r, frozenset({RULE, CUE}))
    if not pairs:
        return
    spans = [replace(span, source=m.source, claimed=m.type) for span, m in pairs]
    probabilities = _read(r, model, spans)
    dropped = {
        id(mention)
        for (_, mention), row in zip(pairs, probabilities, strict=True)
        if row[0] >= thresholds.get(f"veto:{mention.type}", 1.01)
    }
    if not dropped:
        return
    r.mentions = [m for m in r.mentions if id(m) not in dropped]
    for token, mention in list(r.covered.items()):
        if id(mention) in dropped:
            del r.covered[token]


def _read(r: _Pass, model: SpanModel, spans: Sequence[Span]) -> npt.NDArray[np.float64]:
    """The model's probabilities of each span: the same as of its `spans.features`."""
    rows = [context_features(r, span) for span in spans]
    return model.probabilities(rows, model.own_sums(r, spans))


def find(r: _Pass, model: SpanModel) -> None:
    """Check the rules' mentions (`check`), then add the mentions the model finds among
    a pass's candidates."""
    from indexer.entities.extract import Mention

    check(r, model)
    spans = candidates(r)
    if not spans:
        return
    probabilities = _read(r, model, spans)
    thresholds = model.thresholds.get("de" if r.german else "en", {})
    chosen: list[tuple[float, Span, str]] = []
    for span, row in zip(spans, probabilities, strict=True):
        best = int(row.argmax())
        kind = CLASSES[best]
        if kind != NONE and row[best] >= thresholds.get(kind, 1.0):
            chosen.append((float(row[best]), span, kind))
    chosen.sort(key=lambda item: -item[0])
    taken: list[tuple[int, int]] = []
    added: list[Mention] = []
    for _, span, kind in chosen:
        if any(span.start < stop and start < span.stop for start, stop in taken):
            continue
        taken.append((span.start, span.stop))
        entry = r._entry(span.text, kind)
        name = entry.name if entry else _named_already(r, span.text, kind)
        mention = Mention(kind, name, span.start, span.stop, MODEL)
        r._add(mention)
        added.append(mention)
    # A surname or a first name of a person named in full (the full name may come
    # later in the text): that person, when only one has it.
    firsts: dict[str, set[str]] = {}
    for mention in r.mentions:
        if mention.type == "person" and " " in mention.name:
            firsts.setdefault(mention.name.split()[0], set()).add(mention.name)
    for mention in added:
        if mention.type != "person" or " " in mention.name:
            continue
        if mention.name in r.full_names:
            mention.name = r.full_names[mention.name]
        elif len(firsts.get(mention.name, ())) == 1:
            mention.name = next(iter(firsts[mention.name]))
