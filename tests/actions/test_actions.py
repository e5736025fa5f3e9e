"""Each custom action with a real rasa_sdk tracker and dispatcher."""

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.care_team import ActionReferToCareTeam
from actions.feedback import ActionRecordFeedback
from actions.menu import ActionHandleOutOfScope, ActionNotUnderstood, ActionOfferTopics
from actions.privacy import ActionForgetMe
from actions.safety import ActionSafetyGuidance
from actions.several import ActionAnswerSeveral
from actions.side_effects import ActionAnswerSideEffect
from actions.topics import ActionAnswerFollowUp, ActionAnswerTopic
from bot.knowledge import Knowledge

DISCLAIMER_START = "This is general information, not medical advice."


def tracker(intent: str, entities: list[dict[str, Any]] | None = None, **slots: Any) -> Tracker:
    latest = {
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "text": "...",
    }
    return Tracker("patient-1", slots, latest, [], False, None, {}, "action_listen")


async def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[Any]]:
    """The action's messages and events; every action ends the turn with "listen"."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    assert events[-1] == FollowupAction("action_listen")
    return dispatcher.messages, events[:-1]


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": 1}


async def test_topic_action_answers_the_intents_topic_and_remembers_it() -> None:
    messages, events = await run(ActionAnswerTopic(), tracker("ask_pregnancy"))
    [message] = messages
    assert "miscarriage" in message["text"]
    assert message["text"].count(DISCLAIMER_START) == 1
    assert events == [SlotSet("topic", "pregnancy")]


async def test_topic_action_refers_an_intent_without_a_topic() -> None:
    messages, events = await run(ActionAnswerTopic(), tracker("greet"))
    assert "doesn't cover" in messages[0]["text"]
    assert events == []


async def test_how_it_works_offers_more_and_more_gives_the_detail() -> None:
    messages, _ = await run(ActionAnswerTopic(), tracker("ask_how_it_works"))
    assert messages[0]["buttons"][0] == {"title": "Tell me more", "payload": "/ask_more"}
    messages, _ = await run(ActionAnswerFollowUp(), tracker("ask_more", topic="how_it_works"))
    assert "IMPDH2" in messages[0]["text"]
    assert messages[0]["text"].endswith("your care.")


async def test_more_without_topic_asks_which_topic() -> None:
    messages, _ = await run(ActionAnswerFollowUp(), tracker("ask_more"))
    assert "Which topic" in messages[0]["text"]
    assert len(messages[0]["buttons"]) == 6


@pytest.mark.parametrize(
    ("intent", "values", "expected"),
    [
        ("ask_side_effect_specific", ["headache"], "Yes. My source lists headache"),
        ("ask_side_effect_specific", ["hair_loss"], "doesn't list hair loss"),
        ("ask_side_effects", ["hair_loss"], "doesn't list hair loss"),
        ("ask_side_effect_specific", [], "couldn't find that symptom"),
        ("ask_side_effects", [], "My source lists these common side effects"),
    ],
)
async def test_side_effect_action(intent: str, values: list[str], expected: str) -> None:
    entities = [entity("side_effect", v) for v in values]
    messages, events = await run(ActionAnswerSideEffect(), tracker(intent, entities))
    assert expected in messages[0]["text"]
    assert messages[0]["text"].count(DISCLAIMER_START) == 1
    assert events == [SlotSet("topic", "side_effects")]


@pytest.mark.parametrize(
    ("intent", "expected"),
    [("ask_dosage", "doses"), ("ask_interactions", "other medicines"), ("ask_stopping", "stop")],
)
async def test_care_team_referrals(intent: str, expected: str) -> None:
    messages, _ = await run(ActionReferToCareTeam(), tracker(intent))
    assert expected in messages[0]["text"]
    assert messages[0]["text"].count(DISCLAIMER_START) == 1


async def test_safety_action_gives_emergency_guidance() -> None:
    messages, _ = await run(
        ActionSafetyGuidance(), tracker("emergency", [entity("red_flag", "emergency.chest_pain")])
    )
    assert "911" in messages[0]["text"]
    assert "988" not in messages[0]["text"]


async def test_safety_action_gives_both_when_both_are_raised() -> None:
    flags = [entity("red_flag", "crisis.self_harm"), entity("red_flag", "emergency.overdose")]
    messages, _ = await run(ActionSafetyGuidance(), tracker("crisis", flags))
    text = messages[0]["text"]
    assert text.index("911 in the US, 999") < text.index("988")


async def test_menu_action_offers_topic_buttons(knowledge: Knowledge) -> None:
    messages, _ = await run(ActionOfferTopics(), tracker("greet"))
    assert [b["title"] for b in messages[0]["buttons"]][:2] == ["How it works", "Side effects"]
    assert DISCLAIMER_START not in messages[0]["text"]


async def test_out_of_scope_says_what_it_can_help_with() -> None:
    messages, _ = await run(ActionHandleOutOfScope(), tracker("out_of_scope"))
    [message] = messages
    assert message["text"].startswith("Sorry, I can only help with questions about mycophenolate")
    assert len(message["buttons"]) == 6
    assert DISCLAIMER_START not in message["text"]


async def test_not_understood_without_candidates_is_honest_and_offers_topics() -> None:
    messages, _ = await run(ActionNotUnderstood(), tracker("nlu_fallback"))
    assert messages[0]["text"].startswith("Sorry, I didn't understand that.")
    assert len(messages[0]["buttons"]) == 6


async def test_out_of_scope_question_naming_the_drug_is_referred() -> None:
    messages, _ = await run(
        ActionHandleOutOfScope(), tracker("out_of_scope", [entity("drug", "mycophenolate")])
    )
    [message] = messages
    assert "doesn't cover" in message["text"]


async def test_follow_up_action_answers_how_common_for_the_topic() -> None:
    messages, _ = await run(ActionAnswerFollowUp(), tracker("ask_how_common", topic="side_effects"))
    assert "doesn't say how often" in messages[0]["text"]


async def test_several_questions_action_answers_each() -> None:
    questions = [entity("question", "ask_side_effects"), entity("question", "ask_pregnancy")]
    messages, events = await run(ActionAnswerSeveral(), tracker("ask_several", questions))
    assert "Side effects: " in messages[0]["text"] and "Pregnancy: " in messages[0]["text"]
    assert events == [SlotSet("topic", "pregnancy")]


async def test_several_questions_action_without_questions_offers_topics() -> None:
    t = tracker("ask_several")
    t.latest_message["intent_ranking"] = [{"name": "ask_several"}, {"name": "ask_evidence"}]
    messages, _ = await run(ActionAnswerSeveral(), t)
    assert [b["title"] for b in messages[0]["buttons"]] == ["Evidence in LEMS", "Something else"]


@pytest.mark.parametrize(
    ("intent", "rating"), [("feedback_positive", "positive"), ("feedback_negative", "negative")]
)
async def test_feedback_is_recorded_as_a_slot(intent: str, rating: str) -> None:
    messages, events = await run(ActionRecordFeedback(), tracker(intent, topic="pregnancy"))
    assert events == [SlotSet("feedback", rating)]
    assert messages[0]["text"]


def user_event(intent: str) -> dict[str, Any]:
    return {"event": "user", "text": "...", "parse_data": {"intent": {"name": intent}}}


async def test_first_miss_offers_did_you_mean_and_second_says_what_it_covers() -> None:
    first = tracker("nlu_fallback")
    first.latest_message["intent_ranking"] = [{"name": "nlu_fallback"}, {"name": "ask_pregnancy"}]
    first.events = [user_event("ask_what_is"), user_event("nlu_fallback")]
    messages, _ = await run(ActionNotUnderstood(), first)
    assert messages[0]["text"].startswith("I'm not sure I understood")
    assert messages[0]["buttons"][0]["title"] == "Pregnancy"
    second = tracker("nlu_fallback")
    second.events = [user_event("nlu_fallback"), user_event("nlu_fallback")]
    messages, _ = await run(ActionNotUnderstood(), second)
    assert messages[0]["text"].startswith(
        "Sorry, I can only help with questions about mycophenolate"
    )


async def test_forget_me_confirms_without_a_disclaimer() -> None:
    messages, events = await run(ActionForgetMe(), tracker("forget_me"))
    assert messages[0]["text"].startswith("Done. I have deleted our conversation")
    assert DISCLAIMER_START not in messages[0]["text"]
    assert events == []


def test_every_custom_action_is_the_last_step_of_its_rules() -> None:
    """Custom actions end the turn (they say "listen next"), so no rule may go on after one."""
    from pathlib import Path

    import yaml

    from actions.reply import TurnEndingAction
    from bot.launch.settings import PROJECT_DIR

    ours = {cls().name() for cls in TurnEndingAction.__subclasses__()}
    assert len(ours) == 11
    rules_checked = 0
    for path in sorted(Path(PROJECT_DIR, "data", "rules").glob("*.yml")):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            actions = [step["action"] for step in rule["steps"] if "action" in step]
            for action in actions[:-1]:
                assert action not in ours, f"{path.name}: '{rule['rule']}' goes on after {action}"
            rules_checked += 1
    assert rules_checked >= 30
