"""A statistical backstop behind the safety rules: it raises an alarm the rules missed.

Two small text classifiers (character 2-5 and word 1-2 TF-IDF, logistic regression), one
per alarm, trained on the labelled red-flag cases (``bot/knowledge/red_flag_cases.yml``)
and on the bot's own NLU examples (those of the emergency and crisis intents as alarms,
all others as ordinary messages). The
rules stay first: the backstop only adds an alarm, above a threshold set in
``safety.yml`` (``backstop``), chosen by cross-validation (see docs/understanding.md).

Built by ``python -m bot.safety_backstop`` (``make build``) beside the spaCy pipeline,
whose spelling corrector it reads text through, as the rules do.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.knowledge import KNOWLEDGE_DIR, KnowledgeError, YamlFile
from bot.safety import Alarm
from bot.text_features import (
    FastFeatures,
    probabilities,
    tfidf_features,
    without_dropped_grams,
)

CASES_FILE = KNOWLEDGE_DIR / "red_flag_cases.yml"
NLU_DIR = Path(__file__).resolve().parents[1] / "data" / "nlu"
DEFAULT_PATH = "build/safety-backstop.pkl"
NONE = "none"
LABELS = (Alarm.EMERGENCY.value, Alarm.CRISIS.value, NONE)


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    text: str
    label: str  # "emergency", "crisis" or "none"


class BackstopMissing(RuntimeError):
    """The backstop has not been built yet."""


def load_cases(path: Path = CASES_FILE) -> list[Example]:
    """The labelled red-flag cases; raise :class:`KnowledgeError` naming the file."""
    r = YamlFile(path)
    items = r.data.get("cases") if isinstance(r.data, dict) else None
    if not isinstance(items, list) or not items:
        raise r.fail("'cases' must be a non-empty list")
    cases, seen = [], set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise r.fail(f"cases[{index}] must be a mapping")
        text, label = item.get("text"), item.get("label")
        if not isinstance(text, str) or not text.strip():
            raise r.fail(f"cases[{index}] needs a non-empty 'text'")
        if label not in LABELS:
            raise r.fail(f"cases[{index}] label must be one of {', '.join(LABELS)}")
        if text in seen:
            raise r.fail(f"cases[{index}] repeats an earlier text: {text!r}")
        seen.add(text)
        cases.append(Example(text, label))
    return cases


def nlu_examples(directory: Path = NLU_DIR) -> list[Example]:
    """The bot's NLU examples: the safety intents' as alarms, all others as ordinary.

    Read by Rasa's own loader, as training reads them.
    """
    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data(str(directory)).intent_examples
    labels = [str(m.get("intent")) for m in examples]
    return [
        Example(str(m.get("text")), label if label in LABELS else NONE)
        for m, label in zip(examples, labels, strict=True)
    ]


def _classifier() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=10, max_iter=3000, class_weight="balanced")


@dataclass(frozen=True)
class Models:
    """The features, fitted once (they do not depend on the labels), and one head per alarm."""

    features: Any
    heads: dict[Alarm, Any]


@dataclass(frozen=True)
class Backstop:
    """One fitted classifier per alarm and the probability each must reach."""

    models: Models
    thresholds: Mapping[Alarm, float]
    fast: FastFeatures = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fast", FastFeatures(self.models.features))

    def scores(self, text: str) -> dict[Alarm, float]:
        """Each alarm's probability for ``text`` (spelling-corrected, as the rules read)."""
        row = self.fast.transform([text.lower()])
        return {a: float(probabilities(h, row)[0, 1]) for a, h in self.models.heads.items()}

    def alarms(self, text: str) -> frozenset[Alarm]:
        """The alarms whose probability reaches its threshold."""
        scores = self.scores(text)
        return frozenset(a for a, s in scores.items() if s >= self.thresholds[a])


def train(texts: Sequence[str], labels: Sequence[str]) -> Models:
    """Fit the features and one classifier per alarm on ``texts`` (spelling-corrected)."""
    features = tfidf_features()
    rows = features.fit_transform([t.lower() for t in texts])
    without_dropped_grams(features)
    heads = {a: _classifier().fit(rows, [lab == a.value for lab in labels]) for a in Alarm}
    return Models(features, heads)


def training_set(correct: Any, examples: Iterable[Example]) -> tuple[list[str], list[str]]:
    """Texts through the spelling corrector, and their labels."""
    pairs = [(correct(e.text), e.label) for e in examples]
    return [t for t, _ in pairs], [lab for _, lab in pairs]


def build(model_dir: str, out: str) -> None:
    """Train on the labelled cases and the NLU examples; write ``out``."""
    from bot.spelling import project_corrector

    corrector = project_corrector(model_dir)
    texts, labels = training_set(corrector.correct, [*load_cases(), *nlu_examples()])
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_bytes(pickle.dumps(train(texts, labels)))
    print(f"Safety backstop trained on {len(texts)} messages: {out}")


def load(thresholds: Mapping[Alarm, float], path: str = DEFAULT_PATH) -> Backstop:
    """Load the built classifiers (our own build output, so unpickling is safe)."""
    try:
        models = pickle.loads(Path(path).read_bytes())
    except FileNotFoundError as exc:
        raise BackstopMissing(
            f"safety backstop not found at '{path}': build it with `make build` "
            f"(python -m bot.safety_backstop)"
        ) from exc
    if (
        not isinstance(models, Models)
        or set(models.heads) != set(Alarm)
        or set(thresholds) != set(Alarm)
    ):
        raise KnowledgeError(f"{path}: the backstop needs a classifier and threshold per alarm")
    return Backstop(models, thresholds)


if __name__ == "__main__":
    from bot import safety_backstop  # the module itself, so that pickle names its classes
    from bot.nlp import DEFAULT_MODEL

    safety_backstop.build(DEFAULT_MODEL, sys.argv[1] if len(sys.argv) > 1 else DEFAULT_PATH)
