"""The planner's choices, pinned by outcome keys: what the reply does, not its wording."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.answers import Answer
from bot.knowledge import Knowledge
from bot.language import UNKNOWN
from bot.planner import Context, Heard, plan
from bot.safety import Alarm, default_rules


def keys(knowledge: Knowledge, heard: Heard, context: Context | None = None) -> tuple[str, ...]:
    return plan(knowledge, default_rules(), heard, context or Context()).answer.keys


def alert_paragraphs(answer: Answer) -> tuple[str, ...]:
    assert answer.alert is not None, "no alert"
    return answer.alert.paragraphs


@pytest.mark.parametrize(
    "heard",
    [
        Heard("ask_pregnancy"),
        Heard("ask_dosage", terms=("pregnancy",)),  # the classifier chose doses
        Heard("ask_interactions", items=("alcohol",), terms=("pregnancy",)),  # a referral
        Heard("nlu_fallback", terms=("pregnancy",)),  # "ivf??"
        Heard("thank", terms=("pregnancy",)),
        Heard("ask_not_covered", items=("contraception",)),
    ],
)
def test_the_pregnancy_warning_is_never_missed(knowledge: Knowledge, heard: Heard) -> None:
    assert "warning:pregnancy" in keys(knowledge, heard)


def test_infection_and_cancer_facts_are_never_missed(knowledge: Knowledge) -> None:
    assert "warning:infection" in keys(knowledge, Heard("ask_side_effects", terms=("infections",)))
    assert "warning:cancer" in keys(knowledge, Heard("ask_stopping", terms=("cancer",)))
    assert "warning:cancer" in keys(knowledge, Heard("ask_not_covered", items=("sun",)))


def test_a_mans_question_gets_the_womens_fact_as_such_and_a_referral(
    knowledge: Knowledge,
) -> None:
    found = keys(knowledge, Heard("ask_pregnancy", topic_items=("men",), terms=("pregnancy",)))
    assert "referral:men" in found and "warning:pregnancy" in found
    assert "topic:pregnancy" not in found
    said = plan(
        knowledge,
        default_rules(),
        Heard("ask_pregnancy", topic_items=("men",)),
        Context("pregnancy"),
    ).answer.text
    assert knowledge.referrals["men"].text in said


def test_men_words_mean_nothing_without_pregnancy(knowledge: Knowledge) -> None:
    heard = Heard("ask_side_effects", topic_items=("men",))  # "my husband is on it"
    assert "referral:men" not in keys(knowledge, heard)


def test_a_word_about_conception_names_the_mens_referral_on_its_own(
    knowledge: Knowledge,
) -> None:
    found = keys(knowledge, Heard("ask_not_covered", items=("men",)))  # "sperm"
    assert "referral:men" in found and "warning:pregnancy" in found


@pytest.mark.parametrize(
    "item",
    [
        "breastfeeding",
        "contraception",
        "men",
        "sun",
        "monitoring",
        "brands",
        "vaccines",
        "painkillers",
        "alcohol",
        "interactions",
    ],
)
def test_each_named_referral_is_named(knowledge: Knowledge, item: str) -> None:
    found = keys(knowledge, Heard("ask_not_covered", items=(item,)), Context("pregnancy"))
    assert f"referral:{item}" in found
    assert "referral:not_covered" not in found


def test_a_half_covered_question_answers_the_covered_part_and_names_the_other(
    knowledge: Knowledge,
) -> None:
    found = keys(knowledge, Heard("ask_interactions", items=("painkillers",), terms=("headache",)))
    assert {"side_effect:listed", "referral:painkillers"} <= set(found)


def test_an_unlisted_effect_is_never_denied(knowledge: Knowledge) -> None:
    reply = plan(
        knowledge,
        default_rules(),
        Heard("ask_side_effect_specific", terms=("tiredness",)),
        Context(),
    )
    assert "side_effect:unlisted" in reply.answer.keys
    text = reply.answer.text.lower()
    assert "doesn't cause" not in text and "does not cause" not in text


def test_feelings_come_first(knowledge: Knowledge) -> None:
    reply = plan(knowledge, default_rules(), Heard("express_feelings"), Context())
    assert reply.answer.keys == ("chat:feelings",)
    assert not reply.answer.medical and reply.answer.buttons
    asked = plan(knowledge, default_rules(), Heard("ask_cancer_risk", upset=True), Context())
    assert asked.answer.paragraphs[0] == knowledge.phrases["feelings_lead"]
    assert "topic:cancer" in asked.answer.keys


@pytest.mark.parametrize("intent", ["thank", "feedback_negative", "greet", "goodbye"])
def test_small_talk_is_never_the_reply_to_a_message_that_asks_something(
    knowledge: Knowledge, intent: str
) -> None:
    found = keys(knowledge, Heard(intent, terms=("skin_sensations",)))
    assert found[0] == "side_effect:listed"
    asked = Heard(intent, ranking=(intent, "ask_dosage"), scores=(0.6, 0.3), asks=True)
    assert keys(knowledge, asked) == ("referral:dosage",)


def test_a_carer_hears_about_them(knowledge: Knowledge) -> None:
    reply = plan(knowledge, default_rules(), Heard("ask_what_is", other_person=True), Context())
    assert "subject:other" in reply.answer.keys
    assert reply.other_person
    body = "\n".join(reply.answer.paragraphs)
    assert "you take" not in body and "they take" in body
    later = plan(
        knowledge, default_rules(), Heard("ask_infection_risk"), Context(other_person=True)
    )
    assert "subject:other" in later.answer.keys


@pytest.mark.parametrize("after_answer", [True, False])
@pytest.mark.parametrize("intent", ["thank", "greet", "feedback_negative", "express_feelings"])
def test_small_talk_keeps_whom_the_conversation_is_about(
    knowledge: Knowledge, intent: str, after_answer: bool
) -> None:
    context = Context(other_person=True, after_answer=after_answer, topic="side_effects")
    assert plan(knowledge, default_rules(), Heard(intent), context).other_person


def test_another_language_gets_the_notice_with_safety_first(knowledge: Knowledge) -> None:
    assert keys(knowledge, Heard("nlu_fallback", language="SPANISH")) == ("language:other",)
    text = plan(knowledge, default_rules(), Heard("x", language="SPANISH"), Context()).answer.text
    assert text == knowledge.languages.notice("SPANISH")
    unknown = plan(knowledge, default_rules(), Heard("x", language=UNKNOWN), Context()).answer
    assert unknown.keys == ("language:other",)
    assert unknown.text == knowledge.languages.english  # a language lingua could not name
    heard = Heard("x", language="GERMAN", red_flags=("emergency.other_language",))
    urgent = plan(knowledge, default_rules(), heard, Context()).answer
    assert urgent.keys[:2] == ("safety:emergency", "language:other")
    # the alert opens with the notice in the reader's language, and still closes as an alert
    assert urgent.alert is not None
    assert urgent.alert.paragraphs[0] == knowledge.languages.notice("GERMAN")
    assert urgent.paragraphs == () and urgent.disclaimer is None
    assert urgent.text.endswith(knowledge.phrases["safety_line"])


def test_a_likely_alarm_gives_the_guidance_then_answers_with_the_disclaimer(
    knowledge: Knowledge,
) -> None:
    rules = default_rules()
    heard = Heard("ask_interactions", red_flags=("emergency.backstop",))
    answer = plan(knowledge, rules, heard, Context()).answer
    assert answer.keys[:2] == ("safety:emergency", "referral:interactions")
    alert = answer.alert
    assert alert is not None and alert.level == Alarm.EMERGENCY
    assert alert.paragraphs == (
        knowledge.phrases["likely_alarm_lead"],
        rules.message(Alarm.EMERGENCY),
    )
    # the alert first, closed by the safety line; the question's answer after it is a
    # routine medical answer, closed by the one disclaimer
    referral = knowledge.referrals["interactions"].text
    assert answer.paragraphs == (referral,)
    assert answer.disclaimer == knowledge.disclaimer
    assert answer.text == "\n".join([alert.text, referral, knowledge.disclaimer])
    assert answer.text.count(knowledge.phrases["safety_line"]) == 1
    assert answer.text.count(knowledge.disclaimer) == 1

    alone = Heard("nlu_fallback", red_flags=("crisis.backstop",))
    only = plan(knowledge, rules, alone, Context()).answer  # nothing asked: the alert alone
    assert only.alert is not None and only.alert.level == Alarm.CRISIS
    assert only.disclaimer is None and only.text.endswith(knowledge.phrases["safety_line"])


def test_safety_wins_over_everything(knowledge: Knowledge) -> None:
    heard = Heard("ask_pregnancy", terms=("pregnancy",), red_flags=("emergency.chest_pain",))
    assert keys(knowledge, heard) == ("safety:emergency",)


@pytest.mark.parametrize(
    ("heard", "context", "expected"),
    [
        # "what about tiredness" after side effects
        (Heard("ask_more", terms=("tiredness",)), Context("side_effects"), "side_effect:unlisted"),
        # "and alcohol?"
        (Heard("ask_more", items=("alcohol",)), Context("side_effects"), "referral:alcohol"),
        # "even the covid one?" after a vaccine answer
        (
            Heard("ask_infection_risk", hints=("vaccines",)),
            Context("infections", recent=("vaccines",)),
            "referral:vaccines",
        ),
        # "and my firdapse?"
        (
            Heard("ask_more", items=("interactions",)),
            Context("side_effects"),
            "referral:interactions",
        ),
        # "what kind?" / "how serious?" / "why?"
        (Heard("ask_more"), Context("infections"), "more:infections"),
        (Heard("ask_how_common"), Context("side_effects"), "how_common:side_effects"),
        # "is that too much?" after a dose was mentioned
        (Heard("ask_how_common"), Context("referral:dosage"), "referral:dosage"),
        # "what about for men?" after pregnancy
        (Heard("ask_more", items=("men",)), Context("pregnancy"), "referral:men"),
    ],
)
def test_follow_ups_are_answered_within_the_topic_in_hand(
    knowledge: Knowledge, heard: Heard, context: Context, expected: str
) -> None:
    assert expected in keys(knowledge, heard, context)


def test_a_topic_asked_again_right_after_its_answer_goes_further(knowledge: Knowledge) -> None:
    again = Context("how_it_works", after_answer=True, answered=("how_it_works",))
    # the answer again (it may have been missed), then what the source says beyond it
    assert {"topic:how_it_works", "more:how_it_works"} <= set(
        keys(knowledge, Heard("ask_how_it_works"), again)
    )
    # asked first, or after another topic's answer: the topic's own answer
    assert "topic:how_it_works" in keys(knowledge, Heard("ask_how_it_works"), Context())
    other = Context("lems", after_answer=True, answered=("lems",))
    assert "topic:how_it_works" in keys(knowledge, Heard("ask_how_it_works"), other)
    # a topic with nothing more in the source is answered again, not "nothing more"
    deepest = Context("mechanism", after_answer=True, answered=("mechanism",))
    assert "topic:mechanism" in keys(knowledge, Heard("ask_mechanism_detail"), deepest)


def test_a_follow_up_on_a_safety_topic_restates_its_warning(knowledge: Knowledge) -> None:
    assert "warning:pregnancy" in keys(knowledge, Heard("ask_more"), Context("pregnancy"))
    assert "warning:cancer" in keys(knowledge, Heard("ask_how_common"), Context("cancer"))


def test_painkillers_for_the_symptom_in_hand(knowledge: Knowledge) -> None:
    found = keys(knowledge, Heard("ask_interactions", items=("painkillers",)),
                 Context("side_effects", symptoms=("headache",)))  # fmt: skip
    assert {"side_effect:listed", "referral:painkillers"} <= set(found)


def test_the_topic_in_hand_is_remembered(knowledge: Knowledge) -> None:
    reply = plan(knowledge, default_rules(), Heard("ask_dosage"), Context())
    assert reply.topic == "referral:dosage"
    reply = plan(
        knowledge, default_rules(), Heard("ask_side_effect_specific", terms=("gas",)), Context()
    )
    assert reply.topic == "side_effects" and reply.symptoms == ("gas",)


def test_a_short_unsure_message_naming_nothing_refers_back(knowledge: Knowledge) -> None:
    # "only one glass, also no?" after alcohol: DIET guessed something else, unsure
    heard = Heard("ask_what_is_lems", confidence=0.4, words=5)
    assert "referral:alcohol" in keys(knowledge, heard, Context("referral:alcohol"))
    sure = Heard("ask_what_is_lems", confidence=0.9, words=5)
    assert "topic:lems" in keys(knowledge, sure, Context("referral:alcohol"))


def test_a_dose_question_with_a_named_item_answers_both(knowledge: Knowledge) -> None:
    reply = plan(knowledge, default_rules(), Heard("ask_dosage", items=("monitoring",)), Context())
    assert {"referral:dosage", "referral:monitoring"} <= set(reply.answer.keys)


def test_a_carer_reporting_a_crisis_is_spoken_to_as_the_carer(knowledge: Knowledge) -> None:
    rules = default_rules()
    heard = Heard("crisis", red_flags=("crisis.self_harm",), other_person=True)
    reply = plan(knowledge, rules, heard, Context())
    assert reply.answer.keys == ("safety:crisis", "subject:other")
    assert alert_paragraphs(reply.answer) == (
        rules.message(Alarm.CRISIS, None, for_someone_else=True),
    )
    own = plan(knowledge, rules, Heard("crisis", red_flags=("crisis.self_harm",)), Context())
    assert alert_paragraphs(own.answer) == (rules.message(Alarm.CRISIS, None),)
    assert alert_paragraphs(own.answer) != alert_paragraphs(reply.answer)


@pytest.mark.parametrize("country", [None, "GB", "US", "AU", "NANP", "JP"])
def test_the_safety_answer_gives_the_conversations_numbers(
    knowledge: Knowledge, country: str | None
) -> None:
    rules = default_rules()
    heard = Heard("emergency", red_flags=("emergency.chest_pain", "crisis.self_harm"))
    reply = plan(knowledge, rules, heard, Context(country=country))
    paragraphs = alert_paragraphs(reply.answer)
    assert paragraphs == tuple(rules.message(a, country) for a in Alarm)
    place = rules.numbers.country(country)
    if place is None:  # unset or not listed
        assert "your local emergency number" in paragraphs[0]
    else:
        assert all(n in paragraphs[0] for n in place.emergency)


def test_a_child_who_swallowed_tablets_gets_the_poison_centre(knowledge: Knowledge) -> None:
    rules = default_rules()
    heard = Heard(
        "emergency",
        red_flags=("emergency.swallowed_by_someone_else",),
        other_person=True,
    )
    for code in ("US", "AU", "NZ"):
        poison = rules.numbers.countries[code].poison
        assert poison is not None and poison.call is not None
        text = plan(knowledge, rules, heard, Context(country=code)).answer.text
        assert poison.call in text and "Stay with them" in text
    # no poison centre listed for the UK: the same guidance as for any emergency
    unnamed = replace(heard, red_flags=("emergency.fainting",))
    in_gb = Context(country="GB")
    assert plan(knowledge, rules, heard, in_gb) == plan(knowledge, rules, unnamed, in_gb)


@pytest.mark.parametrize("intent", ["thank", "goodbye"])
@pytest.mark.parametrize(("web", "along"), [(True, "take_it_along_web"), (False, "take_it_along")])
def test_a_closing_that_names_the_care_team_says_how_to_take_the_chat_along(
    knowledge: Knowledge, intent: str, web: bool, along: str
) -> None:
    reply = plan(knowledge, default_rules(), Heard(intent, care_team=True), Context(web=web))
    assert f"chat:{along}" in reply.answer.keys
    assert knowledge.phrases[along] in reply.answer.paragraphs
    if intent == "goodbye":  # the goodbye still closes it
        assert reply.answer.paragraphs[-1] == knowledge.phrases["goodbye"]


def test_a_thank_you_after_an_answer_still_rates_it_and_offers_to_take_it_along(
    knowledge: Knowledge,
) -> None:
    context = Context(after_answer=True, web=True)
    reply = plan(knowledge, default_rules(), Heard("thank", care_team=True), context)
    assert reply.feedback == "positive" and "chat:take_it_along_web" in reply.answer.keys


@pytest.mark.parametrize(
    "heard",
    [
        Heard("thank"),  # no care team named
        Heard("greet", care_team=True),  # "hello, my doctor sent me here"
        Heard("ask_dosage", care_team=True),  # a question: answered, not closed
    ],
)
def test_no_offer_without_a_closing_that_names_the_care_team(
    knowledge: Knowledge, heard: Heard
) -> None:
    reply_keys = keys(knowledge, heard, Context(web=True))
    assert not any(k.startswith("chat:take_it_along") for k in reply_keys)


def test_one_question_the_classifier_took_for_several_is_answered(knowledge: Knowledge) -> None:
    # "and how it works?": the classifier reads "and ..." as several questions; one was found
    heard = Heard("ask_several", confidence=0.85, questions=("ask_how_it_works",))
    found = keys(knowledge, heard, Context("what_is", after_answer=True, answered=("what_is",)))
    assert "topic:how_it_works" in found and "topic:side_effects" not in found


def test_a_context_word_of_another_referral_does_not_stop_a_short_follow_up(
    knowledge: Knowledge,
) -> None:
    # "just the one at christmas?" after alcohol: "one" is a vaccines context word ("the
    # covid one") but vaccines are not in hand, so the message refers back to alcohol
    heard = Heard("nlu_fallback", confidence=0.2, hints=("vaccines",), words=5)
    in_hand = Context("referral:alcohol", after_answer=True, recent=("alcohol",))
    assert "referral:alcohol" in keys(knowledge, heard, in_hand)


def test_my_source_does_not_cover_it_keeps_the_topic_in_hand(knowledge: Knowledge) -> None:
    # "so much wind" -> "how long does that go on for" -> "anything I can do about it"
    reply = plan(knowledge, default_rules(), Heard("ask_not_covered"), Context("side_effects"))
    assert "referral:not_covered" in reply.answer.keys and reply.topic is None
    first = plan(knowledge, default_rules(), Heard("ask_not_covered"), Context())
    assert first.topic == "referral:not_covered"  # nothing was in hand
