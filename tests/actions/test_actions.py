"""The custom actions with a real rasa_sdk tracker and dispatcher.

What each reply says is pinned by its outcome keys (``bot.answers.Answer.keys``) and by the
fact set itself, not by copied English.
"""

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionNotUnderstood, ActionReply
from actions.privacy import ActionForgetMe
from bot.answers import ALERT_FIELD, KEYS_FIELD
from bot.knowledge import Knowledge
from bot.safety import default_rules


def tracker(
    intent: str,
    entities: list[dict[str, Any]] | None = None,
    text: str = "...",
    events: list[dict[str, Any]] | None = None,
    ranking: list[tuple[str, float]] | None = None,
    metadata: dict[str, Any] | None = None,
    **slots: Any,
) -> Tracker:
    ranked = ranking or [(intent, 0.9)]
    latest = {
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": [{"name": name, "confidence": score} for name, score in ranked],
        "entities": entities or [],
        "text": text,
        "metadata": metadata,
    }
    return Tracker("patient-1", slots, latest, events or [], False, None, {}, "action_listen")


async def run(action: Any, t: Tracker) -> tuple[dict[str, Any], list[Any]]:
    """The action's one message and its events; every action ends the turn with "listen"."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    assert events[-1] == FollowupAction("action_listen")
    [message] = dispatcher.messages
    return message, events[:-1]


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": 1}


async def test_a_topic_is_answered_with_its_facts_keys_and_one_disclaimer(
    knowledge: Knowledge,
) -> None:
    message, events = await run(ActionReply(), tracker("ask_pregnancy"))
    assert message[KEYS_FIELD] == ["topic:pregnancy", "warning:pregnancy"]
    for fact in knowledge.topics["pregnancy"].facts:
        assert knowledge.facts[fact].text in message["text"]
    assert message["text"].count(knowledge.disclaimer) == 1
    assert events == [SlotSet("topic", "pregnancy")]


async def test_a_named_item_is_remembered_and_a_context_word_follows_it(
    knowledge: Knowledge,
) -> None:
    message, events = await run(
        ActionReply(), tracker("ask_interactions", [entity("item", "vaccines")])
    )
    assert "referral:vaccines" in message[KEYS_FIELD]
    assert SlotSet("topic", "referral:vaccines") in events
    follow_up = tracker(
        "ask_infection_risk",
        [entity("item_hint", "vaccines")],
        events=[
            {"event": "bot", "metadata": {KEYS_FIELD: message[KEYS_FIELD]}},
            {"event": "user", "text": "even the covid one?"},
        ],
        topic="referral:vaccines",
    )
    message, _ = await run(ActionReply(), follow_up)
    assert "referral:vaccines" in message[KEYS_FIELD]


async def test_the_same_topic_asked_again_after_its_answer_goes_further() -> None:
    first, _ = await run(ActionReply(), tracker("ask_how_it_works"))
    assert "topic:how_it_works" in first[KEYS_FIELD]
    again = tracker(
        "ask_how_it_works",
        events=[
            {"event": "bot", "metadata": {KEYS_FIELD: first[KEYS_FIELD]}},
            {"event": "user", "text": "but how does it actually work"},
        ],
        topic="how_it_works",
    )
    message, _ = await run(ActionReply(), again)
    assert "more:how_it_works" in message[KEYS_FIELD]


async def test_a_carer_gets_an_answer_about_the_other_person(knowledge: Knowledge) -> None:
    message, events = await run(
        ActionReply(), tracker("ask_infection_risk", [entity("subject", "other")])
    )
    assert "subject:other" in message[KEYS_FIELD]
    body = message["text"].replace(knowledge.disclaimer, "")
    assert " your " not in body and "their" in body
    assert SlotSet("subject", "other") in events


async def test_safety_guidance_comes_from_the_rules_entities(knowledge: Knowledge) -> None:
    flags = [entity("red_flag", "crisis.self_harm"), entity("red_flag", "emergency.overdose")]
    message, _ = await run(ActionReply(), tracker("crisis", flags))
    assert message[KEYS_FIELD][:2] == ["safety:emergency", "safety:crisis"]


async def test_the_alert_goes_with_the_message_as_data(knowledge: Knowledge) -> None:
    flags = [entity("red_flag", "crisis.self_harm")]
    message, _ = await run(ActionReply(), tracker("crisis", flags, metadata={"country": "GB"}))
    alert = message[ALERT_FIELD]
    assert alert["level"] == "crisis"
    assert message["text"] == alert["text"]
    assert alert["text"].endswith(knowledge.phrases["safety_line"])
    assert knowledge.disclaimer not in message["text"]
    gb = default_rules().numbers.countries["GB"]
    numbers = {n["number"]: n for n in alert["numbers"]}
    assert set(gb.emergency) <= set(numbers)
    assert all(numbers[n]["call"] for n in gb.emergency)
    assert all(line.call in numbers or line.text in numbers for line in gb.crisis)
    routine, _ = await run(ActionReply(), tracker("ask_pregnancy"))
    assert ALERT_FIELD not in routine


@pytest.mark.parametrize(
    ("bot_country", "metadata", "expected"),
    [
        (None, None, None),  # nothing set: "your local emergency number"
        ("NZ", None, "NZ"),  # the operator's setting
        ("NZ", {"country": "AU"}, "AU"),  # the channel's (the browser, the phone number)
        ("NZ", {"country": None}, None),  # the channel could not tell
        ("NZ", {"country": "JP"}, None),  # not listed
    ],
)
async def test_the_emergency_numbers_are_the_conversations(
    monkeypatch: pytest.MonkeyPatch,
    bot_country: str | None,
    metadata: dict[str, Any] | None,
    expected: str | None,
) -> None:
    if bot_country is None:
        monkeypatch.delenv("BOT_COUNTRY", raising=False)
    else:
        monkeypatch.setenv("BOT_COUNTRY", bot_country)
    flags = [entity("red_flag", "emergency.overdose")]
    message, _ = await run(ActionReply(), tracker("emergency", flags, metadata=metadata))
    numbers = default_rules().numbers
    if expected is None:
        assert "your local emergency number" in message["text"]
        assert all(e.number in message["text"] for e in numbers.unknown_emergency)
    else:
        country = numbers.countries[expected]
        assert f"{country.emergency[0]} in {country.name}" in message["text"]
        assert country.poison is not None and str(country.poison.call) in message["text"]


async def test_a_classifier_guess_of_emergency_alone_raises_no_alarm() -> None:
    t = tracker("emergency", ranking=[("emergency", 0.95), ("ask_dosage", 0.03)])
    message, _ = await run(ActionReply(), t)
    assert message[KEYS_FIELD] == ["referral:dosage"]


async def test_thanks_after_an_answer_records_positive_feedback() -> None:
    after_answer = [{"event": "bot", "metadata": {KEYS_FIELD: ["topic:cancer"]}},
                    {"event": "user", "text": "thanks"}]  # fmt: skip
    message, events = await run(ActionReply(), tracker("thank", events=after_answer))
    assert message[KEYS_FIELD] == ["chat:thanks"]
    assert events == [SlotSet("feedback", "positive")]


async def test_feedback_negative_is_recorded() -> None:
    message, events = await run(ActionReply(), tracker("feedback_negative"))
    assert message[KEYS_FIELD] == ["chat:feedback_negative"]
    assert events == [SlotSet("feedback", "negative")]


async def test_thanks_that_asks_about_a_symptom_is_answered_not_thanked() -> None:
    t = tracker("thank", [entity("side_effect", "skin_sensations")], text="thanks, is it pins?")
    message, _ = await run(ActionReply(), t)
    assert "side_effect:listed" in message[KEYS_FIELD]
    assert "chat:thanks" not in message[KEYS_FIELD]


@pytest.mark.parametrize(
    ("intent", "keys"),
    [
        ("greet", ["chat:greet"]),
        ("goodbye", ["chat:goodbye"]),
        ("bot_challenge", ["chat:about_bot"]),
        ("help", ["chat:help"]),
        ("express_feelings", ["chat:feelings"]),
        ("out_of_scope", ["out_of_scope"]),
    ],
)
async def test_small_talk_replies_state_no_facts(
    intent: str, keys: list[str], knowledge: Knowledge
) -> None:
    message, _ = await run(ActionReply(), tracker(intent))
    assert message[KEYS_FIELD] == keys
    assert knowledge.disclaimer not in message["text"]


async def test_first_miss_offers_did_you_mean_and_second_says_what_it_covers() -> None:
    first = tracker("nlu_fallback", ranking=[("nlu_fallback", 0.3), ("ask_pregnancy", 0.2)])
    message, _ = await run(ActionNotUnderstood(), first)
    assert message[KEYS_FIELD] == ["did_you_mean"]
    assert message["buttons"][0]["payload"] == "/ask_pregnancy"
    missed = [{"event": "bot", "metadata": {KEYS_FIELD: ["did_you_mean"]}},
              {"event": "user", "text": "?"}]  # fmt: skip
    message, _ = await run(ActionNotUnderstood(), tracker("nlu_fallback", events=missed))
    assert message[KEYS_FIELD] == ["out_of_scope"]


async def test_forget_me_confirms_without_a_disclaimer(knowledge: Knowledge) -> None:
    message, events = await run(ActionForgetMe(), tracker("forget_me"))
    assert message["text"] == knowledge.phrases["forgotten"]
    assert message[KEYS_FIELD] == ["chat:forget_me"]
    assert events == []


def test_every_custom_action_is_the_last_step_of_its_rules() -> None:
    """Custom actions end the turn (they say "listen next"), so no rule may go on after one."""
    from pathlib import Path

    import yaml

    from actions.reply import TurnEndingAction
    from bot.launch.settings import PROJECT_DIR

    def names(cls: type) -> set[str]:
        found = set()
        for sub in cls.__subclasses__():
            found |= {sub().name()} | names(sub)
        return found

    ours = names(TurnEndingAction)
    assert ours == {"action_reply", "action_default_fallback", "action_forget_me"}
    rules_checked = 0
    for path in sorted(Path(PROJECT_DIR, "data", "rules").glob("*.yml")):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            actions = [step["action"] for step in rule["steps"] if "action" in step]
            for action in actions[:-1]:
                assert action not in ours, f"{path.name}: '{rule['rule']}' goes on after {action}"
            rules_checked += 1
    assert rules_checked >= 30


async def test_a_clear_request_to_forget_runs_the_erasure_action() -> None:
    dispatcher = CollectingDispatcher()
    t = tracker("forget_me")
    t.latest_message["intent"]["confidence"] = 0.95
    events = await ActionReply().run(dispatcher, t, {})
    assert events == [FollowupAction("action_forget_me")]
    assert dispatcher.messages == []


async def test_an_unclear_request_to_forget_asks_first() -> None:
    t = tracker("forget_me")
    t.latest_message["intent"]["confidence"] = 0.5
    message, _ = await run(ActionReply(), t)
    assert message["buttons"][0]["payload"] == "/forget_me"
    assert message[KEYS_FIELD] == ["did_you_mean"]


async def test_a_question_in_another_language_is_never_taken_for_forget_me() -> None:
    t = tracker("forget_me", [entity("language", "SPANISH")])
    t.latest_message["intent"]["confidence"] = 0.95
    message, _ = await run(ActionReply(), t)
    assert message[KEYS_FIELD] == ["language:other"]
