"""Intent classification scores from predictions (pure: no Rasa needed)."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Prediction:
    """What the model said about one example."""

    text: str
    expected: str
    predicted: str
    confidence: float  # of the predicted intent
    true_confidence: float  # of the expected intent (0 when not in the ranking)
    ranked_first: str = ""  # the likeliest intent before the fallback threshold applies

    @property
    def correct(self) -> bool:
        """Whether the predicted intent is the expected one."""
        return self.predicted == self.expected

    def to_dict(self) -> dict[str, Any]:
        """As plain data (for JSON)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Prediction:
        """From :meth:`to_dict`'s output."""
        return cls(
            text=str(data["text"]),
            expected=str(data["expected"]),
            predicted=str(data["predicted"]),
            confidence=float(data["confidence"]),
            true_confidence=float(data["true_confidence"]),
            ranked_first=str(data.get("ranked_first", "")),
        )


@dataclass(frozen=True)
class Scores:
    """Accuracy and macro F1 of a set of predictions."""

    count: int
    accuracy: float
    macro_f1: float


def f1_by_label(predictions: Sequence[Prediction]) -> dict[str, float]:
    """F1 of every expected label (a label never predicted nor expected is not listed)."""
    labels = sorted({p.expected for p in predictions})
    scores: dict[str, float] = {}
    for label in labels:
        tp = sum(p.expected == label and p.predicted == label for p in predictions)
        fp = sum(p.expected != label and p.predicted == label for p in predictions)
        fn = sum(p.expected == label and p.predicted != label for p in predictions)
        denominator = 2 * tp + fp + fn
        scores[label] = 2 * tp / denominator if denominator else 0.0
    return scores


def scores(predictions: Sequence[Prediction]) -> Scores:
    """Accuracy, and F1 averaged over the expected intents (macro).

    Predictions of a label that is never expected (``nlu_fallback``) count as errors of
    the expected intent; they are not averaged in as a class of their own.
    """
    if not predictions:
        return Scores(0, float("nan"), float("nan"))
    by_label = f1_by_label(predictions)
    return Scores(
        count=len(predictions),
        accuracy=sum(p.correct for p in predictions) / len(predictions),
        macro_f1=sum(by_label.values()) / len(by_label),
    )


def worst(predictions: Iterable[Prediction], count: int = 10) -> list[Prediction]:
    """The worst understood: wrong ones first, then by confidence in the right intent."""
    return sorted(predictions, key=lambda p: (p.correct, p.true_confidence, p.text))[:count]


def confusion(
    predictions: Sequence[Prediction],
) -> tuple[list[str], list[str], list[list[int]]]:
    """Rows (expected labels), columns (expected, then any other predicted) and counts."""
    rows = sorted({p.expected for p in predictions})
    extra = sorted({p.predicted for p in predictions} - set(rows))
    columns = rows + extra
    index = {label: i for i, label in enumerate(columns)}
    counts = [[0] * len(columns) for _ in rows]
    for row, label in enumerate(rows):
        for p in predictions:
            if p.expected == label:
                counts[row][index[p.predicted]] += 1
    return rows, columns, counts


def stratified_folds(labels: Sequence[str], folds: int, seed: int = 7) -> list[list[int]]:
    """Split example indices into ``folds`` test folds, each label spread evenly.

    Each label's examples are shuffled (with ``seed``) and dealt out in turn, continuing
    from the fold the previous label stopped at, so fold sizes differ by at most one.
    """
    if folds < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    by_label: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_label[label].append(index)
    rng = random.Random(seed)
    result: list[list[int]] = [[] for _ in range(folds)]
    turn = 0
    for label in sorted(by_label):
        members = by_label[label]
        rng.shuffle(members)
        for index in members:
            result[turn % folds].append(index)
            turn += 1
    return [sorted(fold) for fold in result]


def words(text: str) -> frozenset[str]:
    """The lower-cased words of ``text``."""
    return frozenset(re.findall(r"[a-z']+", text.lower()))


def nearest_overlap(text: str, pool: Iterable[str]) -> float:
    """Word overlap (Jaccard) of ``text`` with its closest text in ``pool`` (0 to 1)."""
    mine = words(text)
    best = 0.0
    for other in pool:
        theirs = words(other)
        union = len(mine | theirs)
        if union:
            best = max(best, len(mine & theirs) / union)
    return best


def mean_nearest_overlap(texts: Sequence[str], pool: Sequence[str]) -> float:
    """Mean :func:`nearest_overlap` of ``texts``; a text is never compared with itself."""
    if not texts:
        return float("nan")
    total = 0.0
    for text in texts:
        others = list(pool)
        if text in others:
            others.remove(text)
        total += nearest_overlap(text, others)
    return total / len(texts)


def fallback_share(predictions: Sequence[Prediction]) -> tuple[float, float]:
    """Of the wrong predictions, the share that fell back; and the accuracy before fallback.

    The second figure counts a prediction right when the likeliest intent was the expected
    one even though the fallback classifier replaced it (too unsure, or too close a second).
    """
    wrong = [p for p in predictions if not p.correct]
    fell_back = sum(p.predicted == "nlu_fallback" for p in wrong)
    before = sum(p.correct or (p.ranked_first == p.expected) for p in predictions)
    return (fell_back / len(wrong) if wrong else 0.0), (
        before / len(predictions) if predictions else float("nan")
    )
