"""The topic menu, and replies for messages outside what the bot covers."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reply import (
    TurnEndingAction,
    entity_values,
    intent_ranking,
    previous_user_intent,
    send,
)
from bot import answers, knowledge
from bot.terms import DRUG

NOT_UNDERSTOOD = "nlu_fallback"


class ActionOfferTopics(TurnEndingAction):
    """Offers the main topics as quick-reply buttons."""

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_offer_topics"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Send the menu."""
        send(dispatcher, answers.menu(knowledge.default()))
        return []


class ActionHandleOutOfScope(TurnEndingAction):
    """Out of scope, unless the message names the medicine: then it's an unanswered question."""

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_handle_out_of_scope"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Refer a question about the medicine; otherwise say what the bot can help with."""
        facts = knowledge.default()
        if entity_values(tracker, DRUG):
            send(dispatcher, answers.referral_answer(facts, "ask_not_covered"))
            return []
        send(dispatcher, answers.menu(facts, lead="out_of_scope"))
        return []


class ActionNotUnderstood(TurnEndingAction):
    """Rasa's fallback, replaced: "did you mean...?", then an honest "I can't help".

    Runs for low-confidence messages (nlu_fallback) and when no rule applies. The first miss
    offers the likeliest topics; a second miss in a row says what the bot can help with.
    """

    def name(self) -> str:
        """Overrides Rasa's default fallback action."""
        return "action_default_fallback"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Offer the likeliest topics, or after two misses say what the bot covers."""
        facts = knowledge.default()
        if previous_user_intent(tracker) == NOT_UNDERSTOOD:
            send(dispatcher, answers.menu(facts, lead="out_of_scope"))
        else:
            send(dispatcher, answers.did_you_mean(facts, intent_ranking(tracker)))
        return []
