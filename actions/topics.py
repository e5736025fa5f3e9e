"""Answer a patient topic from the fact set, and follow-ups about the topic in hand."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reply import TurnEndingAction, latest_intent, send
from bot import answers, knowledge

TOPIC_SLOT = "topic"


class ActionAnswerTopic(TurnEndingAction):
    """Answers the topic that the latest intent asks for (see bot/knowledge/facts.yml)."""

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_answer_topic"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Send the topic's answer and remember the topic."""
        facts = knowledge.default()
        topic = facts.topic_for_intent(latest_intent(tracker))
        if topic is None:  # a rule sent an intent that has no topic: refer, never guess
            send(dispatcher, answers.referral_answer(facts, "ask_not_covered"))
            return []
        send(dispatcher, answers.topic_answer(facts, topic.id))
        return [SlotSet(TOPIC_SLOT, topic.id)]


class ActionAnswerFollowUp(TurnEndingAction):
    """Follow-ups for the topic in hand: "tell me more", "is that common?", "what to do?"."""

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_answer_follow_up"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Answer the follow-up, or ask which topic is meant."""
        topic: Any = tracker.get_slot(TOPIC_SLOT)
        intent = latest_intent(tracker)
        if intent not in answers.FOLLOW_UPS:
            intent = "ask_more"
        send(dispatcher, answers.follow_up_answer(knowledge.default(), topic, intent))
        return []
