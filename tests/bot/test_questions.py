import pytest

from bot.questions import (
    Part,
    QuestionSpotter,
    asks,
    message_parts,
    question_words,
    split_questions,
)

SIDE_EFFECTS_AND_PREGNANCY = "what are the side effects and can I take it while pregnant?"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (SIDE_EFFECTS_AND_PREGNANCY, ["what are the side effects", "can I take it while pregnant"]),
        ("Does it cause cancer? Also is it safe with alcohol",
         ["Does it cause cancer", "is it safe with alcohol"]),
        ("side effects; pregnancy risks", ["side effects", "pregnancy risks"]),
        ("is it safe while pregnant and breastfeeding?",
         ["is it safe while pregnant and breastfeeding"]),
        ("how does it work", ["how does it work"]),
        ("why? ok", []),
    ],
)  # fmt: skip
def test_split_questions(text: str, parts: list[str]) -> None:
    assert split_questions(text) == parts


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("what is it and can I drink on it",
         [Part("what is it", True), Part("can I drink on it", True)]),
        ("my son is 15, how does it work and is it safe for him",
         [Part("my son is 15, how does it work", True), Part("is it safe for him", True)]),
        ("I've been on it a month and I feel sick. any tips?",
         [Part("I've been on it a month", False), Part("I feel sick. any tips", True)]),
        ("side effects? and pregnancy?", [Part("side effects", True), Part("and pregnancy", True)]),
    ],
)  # fmt: skip
def test_a_part_asks_by_its_mark_or_a_clause_that_starts_asking(
    text: str, parts: list[Part]
) -> None:
    assert message_parts(text) == parts


@pytest.fixture(scope="module")
def spotter(nlp) -> QuestionSpotter:  # type: ignore[no-untyped-def]
    return QuestionSpotter(nlp, question_words())


@pytest.mark.parametrize(
    ("text", "intents"),
    [
        (SIDE_EFFECTS_AND_PREGNANCY, ["ask_side_effects", "ask_pregnancy"]),
        ("Does it cause cancer? Also is it safe with alcohol",
         ["ask_cancer_risk", "ask_interactions"]),
        ("can I drink alcohol and what dose should I take", ["ask_interactions", "ask_dosage"]),
        ("how does it work and what are the side effects and is it approved",
         ["ask_how_it_works", "ask_side_effects", "ask_approval"]),
    ],
)  # fmt: skip
def test_several_questions_are_found_in_order(
    spotter: QuestionSpotter, text: str, intents: list[str]
) -> None:
    assert [q.intent for q in spotter.several(text)] == intents


@pytest.mark.parametrize(
    "text",
    [
        "what are the side effects and how common are they",
        "what are the side effects? what are the side effects?",
        "is it safe while pregnant and breastfeeding?",
        "how does it work",
    ],
)
def test_one_question_is_not_several(spotter: QuestionSpotter, text: str) -> None:
    assert spotter.several(text) == []


def test_the_longest_question_words_win(spotter: QuestionSpotter) -> None:
    assert spotter.intent_of("how does it work in my body") == "ask_how_it_works"
    assert spotter.intent_of("any side effects for my skin like cancer") == "ask_side_effects"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thanks, is it pins?", True),
        ("whats the dose", True),
        ("Can I drink on it", True),
        ("anything else I should know", True),
        ("thanks so much", False),
        ("i am scared", False),
    ],
)
def test_asks_tells_a_question_by_its_mark_or_first_word(text: str, expected: bool) -> None:
    assert asks(text) is expected
