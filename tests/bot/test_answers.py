import re

import pytest

from bot import answers
from bot.knowledge import Knowledge
from bot.safety import Alarm, default_rules

DISCLAIMER_START = "This is general information, not medical advice."


def every_medical_answer(knowledge: Knowledge) -> list[answers.Answer]:
    """Every medical answer the bot can give, on every path."""
    found = [answers.topic_answer(knowledge, t) for t in knowledge.topics]
    found += [answers.more_answer(knowledge, t) for t in knowledge.topics]
    found += [answers.side_effect_answer(knowledge, [s]) for s in knowledge.symptoms]
    found += [answers.side_effect_answer(knowledge, [t]) for t in knowledge.topic_terms]
    found += [answers.side_effect_answer(knowledge, [])]
    found += [answers.referral_answer(knowledge, i) for i in knowledge.referrals]
    rules = default_rules()
    found += [
        answers.safety_answer(knowledge, rules, a)
        for a in ({Alarm.EMERGENCY}, {Alarm.CRISIS}, set(Alarm))
    ]
    return found


def test_every_medical_answer_ends_with_the_disclaimer_exactly_once(knowledge: Knowledge) -> None:
    for answer in every_medical_answer(knowledge):
        assert answer.medical
        assert answer.text.endswith(knowledge.disclaimer)
        assert answer.text.count(DISCLAIMER_START) == 1


def test_the_disclaimer_says_not_medical_advice_and_to_ask_the_care_team(
    knowledge: Knowledge,
) -> None:
    assert knowledge.disclaimer.startswith(DISCLAIMER_START)
    assert "doctor or care team" in knowledge.disclaimer


def test_non_medical_replies_carry_no_disclaimer(knowledge: Knowledge) -> None:
    for reply in (answers.menu(knowledge), answers.more_answer(knowledge, None)):
        assert not reply.medical
        assert DISCLAIMER_START not in reply.text


def test_answers_are_one_message(knowledge: Knowledge) -> None:
    # Rasa splits a text at blank lines into separate messages.
    for answer in every_medical_answer(knowledge):
        assert "\n\n" not in answer.text


def test_how_it_works_is_short_with_more_on_request(knowledge: Knowledge) -> None:
    short = answers.topic_answer(knowledge, "how_it_works")
    assert "calms the immune system" in short.text
    assert "IMPDH" not in short.text
    assert short.buttons == (answers.Button("Tell me more", "/ask_more"),)
    detail = answers.more_answer(knowledge, "how_it_works").text
    for term in (
        "IMPDH1",
        "IMPDH2",
        "guanosine",
        "DNA and RNA",
        "T cells and B cells",
        "break apart",
    ):
        assert term in detail


def test_pregnancy_answer_is_unambiguous(knowledge: Knowledge) -> None:
    text = answers.topic_answer(knowledge, "pregnancy").text
    assert "must not take it" in text
    assert "miscarriage" in text and "birth defects" in text


def test_side_effects_topic_lists_all_ten(knowledge: Knowledge) -> None:
    text = answers.topic_answer(knowledge, "side_effects").text
    assert text.count("• ") == 10
    assert "Headache" in text and "Constipation" in text


@pytest.mark.parametrize("symptom", ["headache", "skin_sensations", "trouble_sleeping"])
def test_a_listed_side_effect_is_confirmed_as_listed(knowledge: Knowledge, symptom: str) -> None:
    text = answers.side_effect_answer(knowledge, [symptom]).text
    assert text.startswith("Yes. My source lists")
    assert knowledge.symptoms[symptom].name in text


@pytest.mark.parametrize("symptom", ["hair_loss", "weight_gain", "diarrhoea"])
def test_an_unlisted_effect_is_neither_confirmed_nor_denied(
    knowledge: Knowledge, symptom: str
) -> None:
    text = answers.side_effect_answer(knowledge, [symptom]).text
    assert "doesn't list" in text
    assert "care team" in text
    assert not re.search(r"\b(yes|no)\b", text, re.IGNORECASE)


def test_several_symptoms_are_each_answered(knowledge: Knowledge) -> None:
    text = answers.side_effect_answer(knowledge, ["headache", "hair_loss", "headache"]).text
    assert text.count("headache") == 1
    assert "hair loss" in text


def test_a_topic_word_gets_that_topics_facts(knowledge: Knowledge) -> None:
    text = answers.side_effect_answer(knowledge, ["cancer"]).text
    assert "lymphoma" in text and "immune cells" in text


def test_an_unrecognised_symptom_gets_the_list_and_a_referral(knowledge: Knowledge) -> None:
    text = answers.side_effect_answer(knowledge, []).text
    assert "couldn't find that symptom" in text
    assert text.count("• ") == 10


def test_a_general_side_effect_question_gets_the_topic(knowledge: Knowledge) -> None:
    general = answers.side_effect_answer(knowledge, [], specific=False)
    assert general == answers.topic_answer(knowledge, "side_effects")


@pytest.mark.parametrize(
    "intent", ["ask_dosage", "ask_interactions", "ask_stopping", "ask_not_covered", "unknown"]
)
def test_referrals_give_no_number_and_name_the_care_team(knowledge: Knowledge, intent: str) -> None:
    text = answers.referral_answer(knowledge, intent).text
    assert not re.search(r"\d", text)
    assert re.search(r"prescriber|pharmacist|care team|neurologist", text)


def test_more_without_a_topic_asks_which(knowledge: Knowledge) -> None:
    reply = answers.more_answer(knowledge, None)
    assert "Which topic" in reply.text
    assert len(reply.buttons) == len(knowledge.menu)


def test_more_on_a_topic_without_detail_says_so(knowledge: Knowledge) -> None:
    assert (
        "That's all my fact sheet says about pregnancy"
        in answers.more_answer(knowledge, "pregnancy").text
    )


def test_menu_offers_the_main_topics(knowledge: Knowledge) -> None:
    titles = [b.title for b in answers.menu_buttons(knowledge)]
    assert titles == [
        "How it works",
        "Side effects",
        "Pregnancy",
        "Infections",
        "Cancer risk",
        "Evidence in LEMS",
    ]
    assert all(b.payload.startswith("/ask_") for b in answers.menu_buttons(knowledge))


def test_emergency_guidance_comes_before_crisis_support(knowledge: Knowledge) -> None:
    text = answers.safety_answer(knowledge, default_rules(), set(Alarm)).text
    assert text.index("emergency number") < text.index("988")


def test_no_answer_repeats_ten_words_of_the_source(knowledge: Knowledge, source_text: str) -> None:
    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower())

    source = words(source_text)
    runs = {tuple(source[i : i + 10]) for i in range(len(source) - 9)}
    for answer in every_medical_answer(knowledge):
        said = words(answer.text)
        copied = [
            " ".join(said[i : i + 10])
            for i in range(len(said) - 9)
            if tuple(said[i : i + 10]) in runs
        ]
        assert copied == []
