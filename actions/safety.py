"""Emergency and crisis guidance, before anything else."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reply import TurnEndingAction, entity_values, latest_intent, send
from bot import answers, knowledge
from bot.safety import Alarm, default_rules

RED_FLAG_ENTITY = "red_flag"


def alarms_in(tracker: Tracker) -> set[Alarm]:
    """The alarms raised by the latest message: its intent and its red-flag entities."""
    names = {latest_intent(tracker)}
    names.update(value.split(".", 1)[0] for value in entity_values(tracker, RED_FLAG_ENTITY))
    return {alarm for alarm in Alarm if alarm.value in names}


class ActionSafetyGuidance(TurnEndingAction):
    """Emergency guidance, crisis support, or both (emergency first)."""

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_safety_guidance"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Send the guidance for every alarm raised."""
        alarms = alarms_in(tracker) or {Alarm.EMERGENCY}
        send(dispatcher, answers.safety_answer(knowledge.default(), default_rules(), alarms))
        return []
