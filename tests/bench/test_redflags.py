from pathlib import Path

import pytest

from bench.redflags import Case, evaluate, score

CASES = """cases:
  - text: "i cant breathe"
    label: emergency
  - text: "i want to die"
    label: crisis
  - text: "i had chest pain last year"
    label: none
  - text: "feeling faint and hopeless"
    label: emergency
"""


def fake_find(text: str) -> list[str]:
    found = []
    if "breathe" in text or "chest" in text:
        found.append("emergency")
    if "die" in text or "hopeless" in text:
        found.append("crisis")
    return found


def test_precision_recall_per_label(tmp_path: Path) -> None:
    path = tmp_path / "cases.yml"
    path.write_text(CASES)
    result = evaluate(fake_find, path)
    emergency, crisis = result.scores
    assert (emergency.support, emergency.true_positives) == (2, 1)
    assert (emergency.false_positives, emergency.false_negatives) == (1, 1)
    assert emergency.precision == 0.5 and emergency.recall == 0.5
    assert (crisis.true_positives, crisis.false_positives) == (1, 1)
    assert crisis.recall == 1.0 and crisis.precision == 0.5
    assert [c.text for c in result.misclassified] == [
        "i had chest pain last year",
        "feeling faint and hopeless",
    ]


def test_no_alarm_raised_is_full_precision() -> None:
    cases = [Case("hello", "none", frozenset())]
    (emergency, _) = score(cases)
    assert emergency.precision == 1.0 and emergency.recall == 1.0


@pytest.mark.parametrize(
    ("label", "found", "correct"),
    [
        ("none", set(), True),
        ("emergency", {"emergency"}, True),
        ("emergency", {"emergency", "crisis"}, False),
        ("crisis", set(), False),
    ],
)
def test_a_case_is_correct_only_with_exactly_its_alarm(
    label: str, found: set[str], correct: bool
) -> None:
    assert Case("x", label, frozenset(found)).correct is correct


def test_the_project_matcher_reads_other_languages_as_written() -> None:
    from bench.redflags import project_matcher

    # spelling correction towards English would turn "Luft" into "left"
    assert "emergency" in project_matcher()("Ich bekomme keine Luft mehr")
