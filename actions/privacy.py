"""Erase the patient's stored conversation when they ask."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reply import TurnEndingAction, send
from bot import answers, knowledge


class ActionForgetMe(TurnEndingAction):
    """Confirms the erasure; the tracker store (bot/rasa/tracker_store.py) deletes the events.

    The store sees this action in the events it is asked to save and deletes every stored
    event of the conversation instead, this request and reply included, then checks that
    none is left. The channel holds this confirmation until then: if the erasure failed,
    the patient gets "I couldn't delete our conversation" and how to ask again instead
    (bot/channels/delivery.py).
    """

    def name(self) -> str:
        """Action name the tracker store watches for."""
        return "action_forget_me"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Tell the patient what is erased and what is not."""
        forgotten = knowledge.default().phrases["forgotten"]
        send(dispatcher, answers.Answer((forgotten,), kinds=("chat:forget_me",)))
        return []
