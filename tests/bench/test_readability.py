"""Every answer the bot can give is easy to read (textstat's Flesch-Kincaid grade).

The answers are those of ``bot.catalogue.every_answer``, the disclaimer and the safety
line. The median must be at most grade 8, no answer above grade 10, and the safety line
(read in an emergency) at most grade 8.
"""

from __future__ import annotations

import pytest

from bench.readability import (
    MAX_GRADE,
    MAX_MEDIAN_GRADE,
    Graded,
    Reply,
    default_graded,
    grade,
    median_grade,
    prepared,
    too_hard,
)
from bot import knowledge
from bot.safety import default_rules


@pytest.fixture(scope="module")
def graded() -> list[Graded]:
    return default_graded()


def test_every_answer_path_is_graded(graded: list[Graded]) -> None:
    names = {g.reply.name for g in graded}
    assert {"disclaimer (on its own)", "safety line (on its own)"} <= names
    assert "safety: emergency" in names and "safety: crisis" in names
    assert {"chat: greet", "chat: feelings", "referral: vaccines"} <= names
    for code, country in default_rules().numbers.countries.items():  # local numbers too
        assert f"safety: emergency + crisis, for someone else [{code}]" in names
        assert (f"safety: tablets swallowed [{code}]" in names) == (country.poison is not None)
    assert all(g.words > 0 for g in graded)


def test_median_answer_is_at_most_grade_8(graded: list[Graded]) -> None:
    assert median_grade(graded) <= MAX_MEDIAN_GRADE


def test_the_safety_line_is_at_most_grade_8(graded: list[Graded]) -> None:
    (line,) = [g for g in graded if g.reply.name == "safety line (on its own)"]
    assert line.grade <= MAX_MEDIAN_GRADE


def test_no_answer_is_above_grade_10(graded: list[Graded]) -> None:
    hard = [(g.reply.name, round(g.grade, 1)) for g in too_hard(graded, MAX_GRADE)]
    assert hard == []


def test_medical_answers_are_graded_with_the_disclaimer(graded: list[Graded]) -> None:
    medical = [g for g in graded if g.reply.medical and g.reply.name.startswith("topic:")]
    assert medical
    assert all(knowledge.default().disclaimer in g.reply.text for g in medical)


def test_a_bulleted_list_is_read_item_by_item() -> None:
    text = "These are listed:\n• Pain in your joints\n• Feeling sick to your stomach"
    assert prepared(text) == "These are listed. Pain in your joints. Feeling sick to your stomach."
    listed = grade(Reply("list", text, False)).grade
    run_on = grade(Reply("run-on", text.replace("\n• ", " ").rstrip(":"), False)).grade
    assert listed < run_on
