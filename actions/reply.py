"""What every action shares: ending the turn, sending an answer, reading the tracker."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.answers import KEYS_FIELD, Answer, message_data

LISTEN = "action_listen"


class TurnEndingAction(Action, ABC):
    """An action that ends the bot's turn: the patient speaks next.

    Every custom action is the last step of its rules (``tests/test_rasa_project.py``
    checks), so after it Rasa would only run its policies again to learn that it should
    listen. Saying so with ``FollowupAction("action_listen")`` spares that prediction.
    """

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The events of :meth:`answer`, then "listen" (unless it names what runs next)."""
        events = await self.answer(dispatcher, tracker, domain)
        if any(e.get("event") == "followup" for e in events):
            return events
        return [*events, FollowupAction(LISTEN)]

    @abstractmethod
    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Send the answer; the events to record (slots)."""


def send(dispatcher: CollectingDispatcher, answer: Answer) -> None:
    """Utter ``answer`` as one message, with its buttons, outcome keys and any alert."""
    buttons = [{"title": b.title, "payload": b.payload} for b in answer.buttons]
    dispatcher.utter_message(text=answer.text, buttons=buttons, **message_data(answer))


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """Values of ``entity`` in the latest message, in message order."""
    return [str(v) for v in tracker.get_latest_entity_values(entity)]


def latest_intent(tracker: Tracker) -> str:
    """Name of the latest message's intent ("" when unknown)."""
    return str((tracker.latest_message.get("intent") or {}).get("name") or "")


def latest_confidence(tracker: Tracker) -> float:
    """Confidence of the latest message's intent (1.0 for a button's payload)."""
    value: Any = (tracker.latest_message.get("intent") or {}).get("confidence")
    return float(value) if value is not None else 1.0


def intent_ranking(tracker: Tracker) -> list[tuple[str, float]]:
    """The latest message's intents with their confidences, likeliest first."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    return [(str(r["name"]), float(r.get("confidence") or 0.0)) for r in ranking if r.get("name")]


def last_bot_keys(tracker: Tracker) -> list[str]:
    """The outcome keys of the bot's last message before the latest user message."""
    events = list(tracker.events)
    latest_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=0)
    for event in reversed(events[:latest_user]):
        if event.get("event") == "bot":
            return [str(k) for k in (event.get("metadata") or {}).get(KEYS_FIELD) or []]
    return []
