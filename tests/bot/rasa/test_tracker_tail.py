"""A long conversation is handed out as its last turns, with its slots as they stand."""

from __future__ import annotations

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.tracker_tail import recent_part

DOMAIN = Domain.from_yaml(
    """
intents: [greet]
slots:
  topic: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  subject: {type: text, influence_conversation: false, mappings: [{type: custom}]}
"""
)


def turn(number: int) -> list[Event]:
    events: list[Event] = [
        UserUttered(f"message {number}", intent={"name": "greet", "confidence": 1.0}),
        ActionExecuted("action_reply"),
        BotUttered(f"reply {number}"),
    ]
    if number == 1:
        events.insert(2, SlotSet("subject", "other"))
    events.insert(2, SlotSet("topic", f"topic {number}"))
    return [*events, ActionExecuted("action_listen")]


def conversation(turns: int, *extra: Event) -> DialogueStateTracker:
    events: list[Event] = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
    ]
    for number in range(1, turns + 1):
        events += turn(number)
    return DialogueStateTracker.from_events("patient", [*events, *extra], DOMAIN.slots)


def test_a_short_conversation_is_handed_out_whole() -> None:
    tracker = conversation(10)
    assert recent_part(tracker, turns=10) is tracker


def test_a_long_one_keeps_its_last_turns_and_every_slot_value() -> None:
    tracker = conversation(400)
    part = recent_part(tracker, turns=10)
    texts = [e.text for e in part.events if isinstance(e, UserUttered)]
    assert texts == [f"message {n}" for n in range(391, 401)]
    assert part.current_slot_values() == tracker.current_slot_values()
    assert part.get_slot("subject") == "other"  # set at turn 1, long before the cut
    assert part.latest_message.text == "message 400"
    assert part.latest_bot_utterance.text == "reply 400"
    assert part.latest_action_name == "action_listen"
    assert isinstance(part.events[1], SessionStarted)  # it still reads as one session
    assert len(part.events) < 60


def test_the_kept_part_starts_where_the_bot_listened() -> None:
    part = recent_part(conversation(30), turns=5)
    first_user = next(i for i, e in enumerate(part.events) if isinstance(e, UserUttered))
    before = part.events[first_user - 1]
    assert isinstance(before, ActionExecuted) and before.action_name == "action_listen"


def test_a_conversation_with_an_undo_is_kept_whole() -> None:
    tracker = conversation(30, UserUtteranceReverted())
    assert recent_part(tracker, turns=5) is tracker
