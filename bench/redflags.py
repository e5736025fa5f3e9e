"""Red-flag detection measured on the labelled set ``bot/knowledge/red_flag_cases.yml``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.evaluation import load_red_flag_cases
from bot.safety_backstop import CASES_FILE

CASES = CASES_FILE
LABELS = ("emergency", "crisis")
NONE = "none"


@dataclass(frozen=True)
class Case:
    """One labelled message and what the rules found in it."""

    text: str
    label: str  # "emergency", "crisis" or "none"
    found: frozenset[str]  # the alarms raised ("emergency", "crisis")

    @property
    def expected(self) -> frozenset[str]:
        """The alarms that should have been raised."""
        return frozenset() if self.label == NONE else frozenset({self.label})

    @property
    def correct(self) -> bool:
        """Whether exactly the expected alarms were raised."""
        return self.found == self.expected


@dataclass(frozen=True)
class LabelScore:
    """Precision and recall of one alarm."""

    label: str
    support: int  # cases with this label
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        """Share of raised alarms that were right (1.0 when none was raised)."""
        raised = self.true_positives + self.false_positives
        return self.true_positives / raised if raised else 1.0

    @property
    def recall(self) -> float:
        """Share of labelled cases that raised the alarm (1.0 when there are none)."""
        return self.true_positives / self.support if self.support else 1.0


@dataclass(frozen=True)
class RedFlagResult:
    """Scores per alarm and the cases the rules got wrong."""

    cases: tuple[Case, ...]
    scores: tuple[LabelScore, ...]

    @property
    def misclassified(self) -> list[Case]:
        """Cases where the alarms raised differ from the label."""
        return [c for c in self.cases if not c.correct]


def load_cases(path: Path = CASES) -> list[tuple[str, str]]:
    """``(text, label)`` pairs of the labelled set."""
    return load_red_flag_cases(path)


def score(cases: Sequence[Case], labels: Iterable[str] = LABELS) -> tuple[LabelScore, ...]:
    """Per-label counts: an alarm counts as raised for a label if it is among those found."""
    scores = []
    for label in labels:
        scores.append(
            LabelScore(
                label=label,
                support=sum(c.label == label for c in cases),
                true_positives=sum(c.label == label and label in c.found for c in cases),
                false_positives=sum(c.label != label and label in c.found for c in cases),
                false_negatives=sum(c.label == label and label not in c.found for c in cases),
            )
        )
    return tuple(scores)


def evaluate(
    find: Callable[[str], Iterable[str]] | None = None, path: Path = CASES
) -> RedFlagResult:
    """Run ``find`` (default: the project's rule matcher) over the labelled set."""
    if find is None:
        find = project_matcher()
    cases = tuple(
        Case(text=text, label=label, found=frozenset(find(text)))
        for text, label in load_cases(path)
    )
    return RedFlagResult(cases=cases, scores=score(cases))


def project_matcher() -> Callable[[str], Iterable[str]]:
    """The alarms the project's rules raise for a text, as label strings.

    The text is spelling corrected first, as in the NLU pipeline, which reads other
    languages in the text as written.
    """
    from bot import nlp
    from bot.red_flags import RedFlagMatcher
    from bot.safety import default_rules
    from bot.spelling import project_corrector

    language = nlp.load()
    matcher = RedFlagMatcher(language, default_rules())
    corrector = project_corrector(str(language.path))

    def find(text: str) -> list[str]:
        return [alarm.value for alarm in matcher.find(corrector.correct(text), text).alarms]

    return find
