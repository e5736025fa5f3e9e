import pytest

from bot.answers import Answer
from bot.person import for_other_person, of_them


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "If you are pregnant, talk to your doctor.",
            "If they are pregnant, talk to their doctor.",
        ),
        ("A medicine you take by mouth.", "A medicine they take by mouth."),
        (
            "If a side effect bothers you, tell your team.",
            "If a side effect bothers them, tell their team.",
        ),
        ("You're not alone; think you might be?", "They're not alone; think they might be?"),
        ("It calms the immune system.", "It calms the immune system."),
    ],
)
def test_you_becomes_they_or_them(text: str, expected: str) -> None:
    assert of_them(text) == expected


def test_the_disclaimer_is_left_as_written() -> None:
    answer = Answer(("Your body.",), disclaimer="Talk to your own doctor.")
    told = for_other_person(answer)
    assert told.paragraphs == ("Their body.",)
    assert told.disclaimer == "Talk to your own doctor."
    assert "subject:other" in told.keys
