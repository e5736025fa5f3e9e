"""The patient-voice evaluation's own logic: loading, grading, overlap, figures."""

from pathlib import Path

import pytest

from bot import evaluation
from bot.evaluation import Graded, Turn


def turn(expect: set[str], must: set[str] = set(), must_not: set[str] = set()) -> Turn:  # noqa: B006
    return Turn("hi", frozenset(expect), frozenset(must), frozenset(must_not))


def test_a_reply_needs_one_expected_key_every_must_and_no_must_not() -> None:
    t = turn({"topic:pregnancy", "referral:men"}, {"warning:pregnancy"}, {"safety:emergency"})
    assert t.verdict(["referral:men", "warning:pregnancy"]) is None
    assert "expected" in str(t.verdict(["topic:cancer"]))
    assert "missing" in str(t.verdict(["topic:pregnancy"]))
    assert "should not" in str(
        t.verdict(["topic:pregnancy", "warning:pregnancy", "safety:emergency"])
    )


def test_false_and_missed_alarms() -> None:
    ordinary = Graded(turn({"topic:infections"}), ("safety:emergency",), "", "x")
    assert ordinary.false_alarm and not ordinary.missed_alarm
    urgent = Graded(turn({"safety:emergency"}), ("topic:infections",), "", "x")
    assert urgent.missed_alarm and not urgent.false_alarm


def test_summary_grades_every_turn_of_a_conversation() -> None:
    right = Graded(turn({"a:b"}), ("a:b",), "", None)
    wrong = Graded(turn({"a:b"}), ("c:d",), "", "no")
    s = evaluation.summarise([right, wrong], [[right, right], [right, wrong]])
    assert (s.single_accuracy, s.conversation_accuracy, s.turn_accuracy) == (0.5, 0.5, 0.75)


def test_overlap_is_jaccard_with_the_nearest_example() -> None:
    assert evaluation.overlaps(["can i drink beer"], ["can i drink wine", "hello"]) == [0.6]


def test_a_broken_set_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "singles.yml"
    path.write_text("version: 1\nitems:\n  - text: hi\n    expect: [pregnancy]\n")
    with pytest.raises(ValueError, match="outcome keys"):
        evaluation.load_singles(path)


def test_the_sets_load_and_are_big_enough() -> None:
    singles = evaluation.load_singles()
    conversations = evaluation.load_conversations()
    assert len(singles) >= 400 and len(conversations) >= 60
    kinds = {v for t in singles for v in t.voice}
    assert {"carer", "non_native", "slang", "typo", "rambling", "fragment", "angry",
            "frightened", "two_topics", "near_miss"} <= kinds  # fmt: skip
