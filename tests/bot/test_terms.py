import pytest

from bot.knowledge import Knowledge
from bot.terms import DRUG, SYMPTOM, TermMatcher


@pytest.fixture(scope="module")
def matcher(nlp, knowledge: Knowledge) -> TermMatcher:  # type: ignore[no-untyped-def]
    return TermMatcher(nlp, knowledge)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("is headache a side effect?", "headache"),
        ("pins and needles on my skin?", "skin_sensations"),
        ("my hands keep tingling", "skin_sensations"),
        ("tummy ache after my tablets", "stomach_pain"),
        ("I can't sleep since starting it", "trouble_sleeping"),
        ("feeling sick all day", "nausea"),
        ("is my hair falling out because of it", "hair_loss"),
        ("will I put on weight", "weight_gain"),
        ("does it cause lymphoma", "cancer"),
        ("risk of miscarriage", "pregnancy"),
    ],
)
def test_symptoms_are_matched_in_lay_words(matcher: TermMatcher, text: str, value: str) -> None:
    found = [(m.entity, m.value) for m in matcher.find(text)]
    assert (SYMPTOM, value) in found


@pytest.mark.parametrize(
    "name", ["CellCept", "mycofenolate", "MMF", "mycophenolate mofetil", "cell cept"]
)
def test_drug_names_and_misspellings_are_matched(matcher: TermMatcher, name: str) -> None:
    found = matcher.find(f"what is {name}?")
    assert [(m.entity, m.value) for m in found] == [(DRUG, "mycophenolate")]


def test_matches_carry_offsets_into_the_message(matcher: TermMatcher) -> None:
    text = "Headache and pins and needles"
    found = matcher.find(text)
    assert [text[m.start : m.end] for m in found] == ["Headache", "pins and needles"]


def test_a_plain_question_matches_nothing(matcher: TermMatcher) -> None:
    assert matcher.find("how does it work?") == []
