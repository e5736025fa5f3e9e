"""Send a composed :class:`bot.answers.Answer` through the rasa_sdk dispatcher."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.answers import Answer


def send(dispatcher: CollectingDispatcher, answer: Answer) -> None:
    """Utter ``answer`` as one message, with its buttons as quick replies."""
    buttons = [{"title": b.title, "payload": b.payload} for b in answer.buttons]
    dispatcher.utter_message(text=answer.text, buttons=buttons)


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """Values of ``entity`` in the latest message, in message order."""
    return [str(v) for v in tracker.get_latest_entity_values(entity)]


def latest_intent(tracker: Tracker) -> str:
    """Name of the latest message's intent ("" when unknown)."""
    return str((tracker.latest_message.get("intent") or {}).get("name") or "")


def intent_ranking(tracker: Tracker) -> list[str]:
    """The latest message's intents, likeliest first."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    return [str(r.get("name")) for r in ranking if r.get("name")]


def previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the user message before the latest one, if any."""
    user_events = [e for e in tracker.events if e.get("event") == "user"]
    if len(user_events) < 2:
        return None
    return str(((user_events[-2].get("parse_data") or {}).get("intent") or {}).get("name"))
