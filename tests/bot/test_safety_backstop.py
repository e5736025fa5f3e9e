"""The statistical backstop: its labelled cases, its build, and what it adds to the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import safety_backstop
from bot.knowledge import KnowledgeError
from bot.safety import Alarm, default_rules
from bot.safety_backstop import BackstopMissing, Example, load_cases, nlu_examples


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cases.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("cases: []", "non-empty list"),
        ("cases:\n  - text: hi\n    label: urgent", "label must be one of"),
        ("cases:\n  - text: ''\n    label: none", "non-empty 'text'"),
        ("cases:\n  - text: hi\n    label: none\n  - text: hi\n    label: crisis", "repeats"),
    ],
)
def test_a_broken_cases_file_is_a_clear_error(tmp_path: Path, body: str, error: str) -> None:
    with pytest.raises(KnowledgeError, match=error):
        load_cases(write(tmp_path, body))


def test_the_project_cases_load_with_every_label() -> None:
    labels = {c.label for c in load_cases()}
    assert labels == {"emergency", "crisis", "none"}


def test_nlu_examples_are_labelled_by_intent_without_annotations(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        'version: "3.1"\nnlu:\n'
        "- intent: ask_side_effects\n  examples: |\n    - does it cause [gas](side_effect)?\n"
        "- intent: crisis\n  examples: |\n    - i want to end it\n"
        "- synonym: gas\n  examples: |\n    - wind\n",
        encoding="utf-8",
    )
    assert nlu_examples(tmp_path) == [
        Example("does it cause gas?", "none"),
        Example("i want to end it", "crisis"),
    ]


def test_a_missing_build_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(BackstopMissing, match="make build"):
        safety_backstop.load(default_rules().backstop, str(tmp_path / "absent.pkl"))


def test_a_small_build_separates_alarms_from_ordinary_messages(tmp_path: Path) -> None:
    texts = ["i can't breathe", "my lips are swelling", "i want to die", "no point living"]
    texts += ["can i drink wine", "what is lems", "does it cause gas", "hello there"] * 2
    labels = ["emergency", "emergency", "crisis", "crisis"] + ["none"] * 8
    backstop = safety_backstop.Backstop(
        safety_backstop.train(texts, labels), {Alarm.EMERGENCY: 0.5, Alarm.CRISIS: 0.5}
    )
    assert Alarm.EMERGENCY in backstop.alarms("i can't breathe")
    assert not backstop.alarms("can i drink wine")


def test_the_threshold_of_each_alarm_comes_from_the_safety_file() -> None:
    backstop = safety_backstop.load(default_rules().backstop)
    assert backstop.thresholds == dict(default_rules().backstop)
    assert all(0.5 <= t < 1 for t in backstop.thresholds.values())
