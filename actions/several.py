"""Answer a message that asks several questions at once."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reply import TurnEndingAction, entity_values, intent_ranking, send
from actions.topics import TOPIC_SLOT
from bot import answers, knowledge
from bot.terms import SYMPTOM

QUESTION_ENTITY = "question"


class ActionAnswerSeveral(TurnEndingAction):
    """One answer with a part for each question found, and one disclaimer."""

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_answer_several"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Answer each question; if none were found, offer the likeliest topics."""
        facts = knowledge.default()
        intents = entity_values(tracker, QUESTION_ENTITY)
        if len(intents) < 2:  # the classifier guessed "several" but no questions were found
            send(dispatcher, answers.did_you_mean(facts, intent_ranking(tracker)))
            return []
        send(dispatcher, answers.several_answer(facts, intents, entity_values(tracker, SYMPTOM)))
        last_topic = next(
            (t.id for i in reversed(intents) if (t := facts.topic_for_intent(i))), None
        )
        return [SlotSet(TOPIC_SLOT, last_topic)] if last_topic else []
