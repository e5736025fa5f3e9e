"""Refer questions the fact sheet cannot answer (doses, interactions, stopping...)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reply import TurnEndingAction, latest_intent, send
from bot import answers, knowledge


class ActionReferToCareTeam(TurnEndingAction):
    """Sends the referral written for the latest intent in bot/knowledge/referrals.yml."""

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_refer_to_care_team"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Send the referral."""
        send(dispatcher, answers.referral_answer(knowledge.default(), latest_intent(tracker)))
        return []
