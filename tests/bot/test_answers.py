import re
from dataclasses import asdict

import pytest

from bot import answers
from bot.catalogue import every_answer, medical_answers
from bot.knowledge import Knowledge
from bot.safety import Alarm, default_rules

NUMBER = re.compile(r"\d(?:[\d -]*\d)?")  # as bot/emergency_numbers.py reads a number


def every_medical_answer(knowledge: Knowledge) -> list[answers.Answer]:
    """Every medical answer the bot can give, on every path."""
    return [e.answer for e in medical_answers(knowledge, default_rules())]


def test_every_medical_answer_ends_with_the_disclaimer_exactly_once(knowledge: Knowledge) -> None:
    routine = [a for a in every_medical_answer(knowledge) if a.alert is None]
    assert len(routine) > 100
    for answer in routine:
        assert answer.medical
        assert answer.disclaimer == knowledge.disclaimer
        assert answer.text.endswith(knowledge.disclaimer)
        assert answer.text.count(knowledge.disclaimer) == 1


def test_emergency_and_crisis_guidance_ends_with_the_safety_line_instead(
    knowledge: Knowledge,
) -> None:
    entries = medical_answers(knowledge, default_rules())
    alerts = [e for e in entries if e.answer.alert is not None]
    assert {e.name for e in alerts} == {e.name for e in entries if "safety" in e.name}
    safety_line = knowledge.phrases["safety_line"]
    for entry in alerts:
        answer = entry.answer
        assert answer.medical and answer.disclaimer is None
        assert answer.text.endswith("\n" + safety_line)
        assert answer.text.count(safety_line) == 1
        assert knowledge.disclaimer not in answer.text
        assert knowledge.disclaimer not in answer.text


def test_the_safety_line_says_the_chat_is_no_medical_service(knowledge: Knowledge) -> None:
    line = knowledge.phrases["safety_line"]
    assert "not a medical service" in line
    assert len(line.split()) <= 15  # short: it must not bury the guidance


@pytest.mark.parametrize(
    ("alarms", "level"),
    [
        pytest.param({Alarm.EMERGENCY}, Alarm.EMERGENCY, id="emergency"),
        pytest.param({Alarm.CRISIS}, Alarm.CRISIS, id="crisis"),
        pytest.param(set(Alarm), Alarm.EMERGENCY, id="both"),
    ],
)
@pytest.mark.parametrize("for_someone_else", [False, True], ids=["patient", "carer"])
@pytest.mark.parametrize("country", [None, "GB", "US", "AU"])
def test_an_alert_gives_the_guidance_its_level_its_numbers_and_the_safety_line(
    knowledge: Knowledge,
    alarms: set[Alarm],
    level: Alarm,
    for_someone_else: bool,
    country: str | None,
) -> None:
    rules = default_rules()
    answer = answers.safety_answer(knowledge, rules, alarms, for_someone_else, country=country)
    alert = answer.alert
    assert alert is not None and alert.level == level
    order = [a for a in (Alarm.EMERGENCY, Alarm.CRISIS) if a in alarms]
    # the carer's wording (messages_for_someone_else) when written about someone else
    assert alert.paragraphs == tuple(rules.message(a, country, for_someone_else) for a in order)
    assert alert.safety_line == knowledge.phrases["safety_line"]
    assert (answer.paragraphs, answer.disclaimer, answer.source_line) == ((), None, None)
    assert answer.text == alert.text == "\n".join([*alert.paragraphs, alert.safety_line])
    whom = ("subject:other",) if for_someone_else else ()
    assert answer.keys == (*(f"safety:{a.value}" for a in order), *whom)

    # the numbers: every one the guidance gives (a line's name aside), each once
    text = alert.text
    for line in rules.numbers.countries[country].crisis if country else ():
        text = text.replace(line.name, "")
    listed = [p.number for p in alert.phones]
    assert listed == list(dict.fromkeys(NUMBER.findall(text)))
    assert all(p.call or p.text for p in alert.phones)

    data = answers.message_data(answer)
    assert data == {
        answers.KEYS_FIELD: list(answer.keys),
        answers.ALERT_FIELD: {
            "level": level.value,
            "heading": knowledge.phrases[f"alert_heading_{level.value}"],
            "text": answer.text,
            "numbers": [asdict(p) for p in alert.phones],
        },
        answers.PARTS_FIELD: {
            "urgency": level.value,
            "body": [],
            "source": None,
            "disclaimer": None,
        },
    }


def test_a_routine_answer_carries_its_keys_and_no_alert(knowledge: Knowledge) -> None:
    answer = answers.topic_answer(knowledge, "pregnancy")
    assert answer.alert is None
    assert answers.message_data(answer) == {
        answers.KEYS_FIELD: list(answer.keys),
        answers.PARTS_FIELD: {
            "urgency": None,
            "body": list(answer.paragraphs),
            "source": knowledge.source_line,
            "disclaimer": knowledge.disclaimer,
        },
    }
    sent = {"text": answer.text, **answers.message_data(answer), "timestamp": 1.0}
    assert answers.reply_data(sent) == answers.message_data(answer)


def test_every_answers_parts_make_up_its_text(knowledge: Knowledge) -> None:
    """Alert, body, source line and disclaimer, in that order, are the text as sent."""
    catalogue = every_answer(knowledge, default_rules())
    assert any(e.answer.alert for e in catalogue) and any(e.answer.source_line for e in catalogue)
    for entry in catalogue:
        answer = entry.answer
        data = answers.message_data(answer)
        parts = data[answers.PARTS_FIELD]
        alert = data.get(answers.ALERT_FIELD)
        assert parts["urgency"] == (alert["level"] if alert else None), entry.name
        lines = [alert["text"]] if alert else []
        lines += [*parts["body"], *(parts[k] for k in ("source", "disclaimer") if parts[k])]
        assert "\n".join(lines) == answer.text, entry.name
        # a medical answer closes with the disclaimer; an alert alone, with its safety line
        assert (parts["disclaimer"] == knowledge.disclaimer) == (answer.disclaimer is not None)
        if answer.medical and parts["disclaimer"] is None:
            assert alert and not parts["body"], entry.name


def test_a_crisis_text_number_is_one_to_text(knowledge: Knowledge) -> None:
    rules = default_rules()
    gb = rules.numbers.countries["GB"]
    alert = answers.safety_answer(knowledge, rules, {Alarm.CRISIS}, country="GB").alert
    assert alert is not None
    phones = {p.number: p for p in alert.phones}
    texted = [line.text for line in gb.crisis if line.text and not line.call]
    assert texted and all(phones[n].text and not phones[n].call for n in texted)
    assert all(phones[n].call for n in gb.emergency)


def test_the_disclaimer_says_not_medical_advice_and_to_ask_the_care_team(
    knowledge: Knowledge,
) -> None:
    assert "not medical advice" in knowledge.disclaimer  # what it must say, not a copy
    assert "doctor or care team" in knowledge.disclaimer


def test_non_medical_replies_carry_no_disclaimer(knowledge: Knowledge) -> None:
    for reply in (answers.menu(knowledge), answers.more_answer(knowledge, None)):
        assert not reply.medical
        assert knowledge.disclaimer not in reply.text


def test_answers_are_one_message(knowledge: Knowledge) -> None:
    # Rasa splits a text at blank lines into separate messages.
    for answer in every_medical_answer(knowledge):
        assert "\n\n" not in answer.text


def test_how_it_works_is_short_with_more_on_request(knowledge: Knowledge) -> None:
    short = answers.topic_answer(knowledge, "how_it_works")
    assert "calms the immune system" in short.text
    assert "IMPDH" not in short.text
    assert [b.payload for b in short.buttons] == [
        "/ask_more",
        "/thank",
        "/feedback_negative",
    ]
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
    rules = default_rules()
    text = answers.safety_answer(knowledge, rules, set(Alarm)).text
    assert text.index("emergency number") < text.index(rules.numbers.unknown_crisis[0].number)
    gb = rules.numbers.countries["GB"]
    text = answers.safety_answer(knowledge, rules, set(Alarm), country="GB").text
    assert text.index(gb.emergency[0]) < text.index(gb.crisis[0].call or "")


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


def test_answers_from_the_fact_sheet_name_their_source_before_the_disclaimer(
    knowledge: Knowledge,
) -> None:
    text = answers.topic_answer(knowledge, "evidence").text
    assert text.endswith("Source: Lambert-Eaton News, updated July 2019.\n" + knowledge.disclaimer)
    assert "Source:" not in answers.referral_answer(knowledge, "ask_dosage").text


def test_several_questions_get_one_titled_part_each_and_one_disclaimer(
    knowledge: Knowledge,
) -> None:
    text = answers.several_answer(
        knowledge, ["ask_side_effects", "ask_pregnancy", "ask_dosage"]
    ).text
    assert text.index("Side effects: ") < text.index("Pregnancy: ") < text.index("Doses: ")
    assert "Constipation" in text and "miscarriage" in text and "prescriber or pharmacist" in text
    assert text.count(knowledge.disclaimer) == 1 and text.endswith(knowledge.disclaimer)


def test_several_questions_with_a_symptom_answer_the_symptom(knowledge: Knowledge) -> None:
    text = answers.several_answer(
        knowledge, ["ask_side_effects", "ask_cancer_risk"], ["hair_loss"]
    ).text
    assert "doesn't list hair loss" in text and "lymphoma" in text


@pytest.mark.parametrize(
    ("topic", "intent", "expected"),
    [
        ("how_it_works", "ask_more", "IMPDH2"),
        ("side_effects", "ask_how_common", "doesn't say how often each one happens"),
        ("cancer", "ask_how_common", "doesn't say how often this happens"),
        ("side_effects", "ask_what_to_do", "tell your care team"),
        ("infections", "ask_what_to_do", "high fever"),
        ("evidence", "ask_what_to_do", "talk to your care team"),
        ("pregnancy", "ask_more", "That's all my fact sheet says about pregnancy"),
    ],
)
def test_follow_ups_answer_for_the_topic_in_hand(
    knowledge: Knowledge, topic: str, intent: str, expected: str
) -> None:
    assert expected in answers.follow_up_answer(knowledge, topic, intent).text


@pytest.mark.parametrize("intent", answers.FOLLOW_UPS)
def test_a_follow_up_without_a_topic_asks_which(knowledge: Knowledge, intent: str) -> None:
    reply = answers.follow_up_answer(knowledge, None, intent)
    assert not reply.medical and "Which topic" in reply.text


def test_did_you_mean_offers_the_likeliest_topics_with_natural_titles(knowledge: Knowledge) -> None:
    reply = answers.did_you_mean(
        knowledge,
        [
            "nlu_fallback",
            "ask_side_effects",
            "greet",
            "ask_pregnancy",
            "ask_dosage",
            "ask_evidence",
        ],
    )
    assert [b.title for b in reply.buttons] == [
        "Side effects",
        "Pregnancy",
        "Doses",
        "Something else",
    ]
    assert not reply.medical


def test_did_you_mean_without_candidates_says_it_did_not_understand(knowledge: Knowledge) -> None:
    assert answers.did_you_mean(knowledge, ["nlu_fallback", "greet"]).text.startswith(
        "Sorry, I didn't understand"
    )


def test_feedback_replies_are_not_medical(knowledge: Knowledge) -> None:
    assert answers.feedback_reply(knowledge, "thank").text.startswith("Thank you")
    assert "sorry" in answers.feedback_reply(knowledge, "feedback_negative").text
    assert not answers.feedback_reply(knowledge, "feedback_negative").medical
