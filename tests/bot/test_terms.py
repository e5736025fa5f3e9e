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
        ("my joints are killing me since I started", "muscle_joint_pain"),
        ("skin feels like its burning in places", "skin_sensations"),
        ("does it give you the big C", "cancer"),
        ("hot flushes every night", "hot_flushes"),
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


@pytest.mark.parametrize(
    ("text", "found", "denied"),
    [
        ("burning skin but no rash", "skin_sensations", "rash"),
        ("no headache, just the wind", "gas", "headache"),
        ("itchy without any rash at all", "itching", "rash"),
    ],
)
def test_a_denied_symptom_is_not_asked_about(
    matcher: TermMatcher, text: str, found: str, denied: str
) -> None:
    values = [m.value for m in matcher.find(text) if m.entity == SYMPTOM]
    assert found in values and denied not in values


@pytest.mark.parametrize("text", ["not sleeping at all", "I never had headaches before this"])
def test_not_and_never_do_not_deny_a_symptom(matcher: TermMatcher, text: str) -> None:
    assert [m for m in matcher.find(text) if m.entity == SYMPTOM]


def test_a_denial_does_not_reach_past_a_comma_or_but(matcher: TermMatcher) -> None:
    values = [m.value for m in matcher.find("no fever, but a headache") if m.entity == SYMPTOM]
    assert "headache" in values


def test_conception_words_name_the_mens_referral_and_partner_words_need_the_topic(
    matcher: TermMatcher,
) -> None:
    from bot.terms import ITEM, ITEM_IF_TOPIC

    sperm = [(m.entity, m.value) for m in matcher.find("does it do anything to sperm")]
    assert (ITEM, "men") in sperm
    husband = [(m.entity, m.value) for m in matcher.find("my husband takes it, side effects?")]
    assert (ITEM_IF_TOPIC, "men") in husband and (ITEM, "men") not in husband


@pytest.mark.parametrize(
    "text",
    [
        "thanks, I'll ask my GP",
        "will bring it up with the neurologist on friday, bye",
        "ok i'll talk to mum's consultant at her next appointment",
        "cheers, going to ring the clinic",
    ],
)
def test_the_care_team_or_a_visit_is_noticed(matcher: TermMatcher, text: str) -> None:
    from bot.terms import CARE_TEAM

    assert CARE_TEAM in {m.entity for m in matcher.find(text)}


def test_a_closing_without_the_care_team_names_none(matcher: TermMatcher) -> None:
    from bot.terms import CARE_TEAM

    assert CARE_TEAM not in {m.entity for m in matcher.find("thanks, that helps, bye")}
