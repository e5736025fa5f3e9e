"""Record whether the last answer helped."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reply import TurnEndingAction, latest_intent, send
from bot import answers, knowledge

FEEDBACK_SLOT = "feedback"


class ActionRecordFeedback(TurnEndingAction):
    """Stores the rating with the conversation (a slot event) and thanks the patient."""

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_record_feedback"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Thank the patient and keep the rating."""
        intent = latest_intent(tracker)
        send(dispatcher, answers.feedback_reply(knowledge.default(), intent))
        rating = "positive" if intent == "feedback_positive" else "negative"
        return [SlotSet(FEEDBACK_SLOT, rating)]
