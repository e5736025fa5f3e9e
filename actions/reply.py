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
