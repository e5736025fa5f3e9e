"""Answer "is X a side effect?" from the symptoms the source lists."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reply import TurnEndingAction, entity_values, latest_intent, send
from actions.topics import TOPIC_SLOT
from bot import answers, knowledge
from bot.terms import SYMPTOM


class ActionAnswerSideEffect(TurnEndingAction):
    """Side effects: the listed ones, or whether the source lists each symptom asked about.

    Serves both side-effect intents, so a specific symptom gets a specific answer even when
    the classifier took the question for a general one ("is hair loss a side effect?").
    """

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_answer_side_effect"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Answer for the symptoms found in the latest message."""
        facts = knowledge.default()
        specific = latest_intent(tracker) == "ask_side_effect_specific"
        mentioned = entity_values(tracker, SYMPTOM)
        send(dispatcher, answers.side_effect_answer(facts, mentioned, specific=specific))
        return [SlotSet(TOPIC_SLOT, facts.side_effects_topic.id)]
