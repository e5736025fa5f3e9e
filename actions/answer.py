"""The one answering action: hands what the NLU heard to :mod:`bot.planner`."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reply import (
    TurnEndingAction,
    entity_values,
    intent_ranking,
    last_bot_keys,
    latest_confidence,
    latest_intent,
    send,
)
from bot import knowledge
from bot.answers import REFERRAL
from bot.emergency_numbers import conversation_country
from bot.identity import WEB, namespace_of
from bot.launch.settings import Settings
from bot.planner import Context, Heard, plan
from bot.questions import asks
from bot.safety import RED_FLAG_ENTITY, default_rules
from bot.terms import (
    CARE_TEAM,
    DRUG,
    FEELING,
    ITEM,
    ITEM_HINT,
    ITEM_IF_TOPIC,
    LANGUAGE,
    SUBJECT,
    SYMPTOM,
)

FORGET_ACTION = "action_forget_me"
TOPIC_SLOT = "topic"
SYMPTOMS_SLOT = "symptoms"
SUBJECT_SLOT = "subject"
FEEDBACK_SLOT = "feedback"
QUESTION_ENTITY = "question"
TOPIC_KEY = "topic:"  # the key of a topic's answer ("topic:pregnancy")
ANSWERED = (TOPIC_KEY, REFERRAL, "side_effect:", "more:", "how_common:", "what_to_do:")
MISSED = ("did_you_mean", "not_understood")


def heard(tracker: Tracker) -> Heard:
    """What the NLU found in the latest message."""
    groups = entity_values(tracker, RED_FLAG_ENTITY)
    ranked = intent_ranking(tracker)
    text = str(tracker.latest_message.get("text") or "")
    return Heard(
        intent=latest_intent(tracker),
        confidence=latest_confidence(tracker),
        ranking=tuple(name for name, _ in ranked),
        scores=tuple(score for _, score in ranked),
        asks=asks(text),
        words=len(text.split()),
        terms=tuple(entity_values(tracker, SYMPTOM)),
        items=tuple(entity_values(tracker, ITEM)),
        topic_items=tuple(entity_values(tracker, ITEM_IF_TOPIC)),
        hints=tuple(entity_values(tracker, ITEM_HINT)),
        questions=tuple(entity_values(tracker, QUESTION_ENTITY)),
        red_flags=tuple(groups),
        names_drug=bool(entity_values(tracker, DRUG)),
        other_person=bool(entity_values(tracker, SUBJECT)),
        upset=bool(entity_values(tracker, FEELING)),
        care_team=bool(entity_values(tracker, CARE_TEAM)),
        language=next(iter(entity_values(tracker, LANGUAGE)), None),
    )


def context(tracker: Tracker) -> Context:
    """What the conversation holds: the topic in hand, whom it is about, the last reply.

    Its country is the one the channel sent with the message (metadata), else the
    operator's ``BOT_COUNTRY``.
    """
    keys = last_bot_keys(tracker)
    topic = tracker.get_slot(TOPIC_SLOT)
    symptoms = tracker.get_slot(SYMPTOMS_SLOT) or []
    return Context(
        topic=str(topic) if topic else None,
        symptoms=tuple(str(s) for s in symptoms),
        other_person=tracker.get_slot(SUBJECT_SLOT) == "other",
        after_answer=any(k.startswith(ANSWERED) for k in keys),
        after_miss=any(k in MISSED for k in keys),
        recent=tuple(k.removeprefix(REFERRAL) for k in keys if k.startswith(REFERRAL)),
        answered=tuple(k.removeprefix(TOPIC_KEY) for k in keys if k.startswith(TOPIC_KEY)),
        country=conversation_country(
            tracker.latest_message.get("metadata"), Settings.from_env().country
        ),
        web=namespace_of(tracker.sender_id) == WEB,
    )


class ActionReply(TurnEndingAction):
    """Answers every message but "forget me": safety, topics, referrals, small talk."""

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_reply"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Send the planned reply; remember the topic, the person and any rating."""
        reply = plan(knowledge.default(), default_rules(), heard(tracker), context(tracker))
        if reply.forget:  # the erasure action confirms; the tracker store sees it run
            return [FollowupAction(FORGET_ACTION)]
        send(dispatcher, reply.answer)
        events: list[EventType] = []
        if reply.topic is not None:
            events.append(SlotSet(TOPIC_SLOT, reply.topic))
        if reply.symptoms:
            events.append(SlotSet(SYMPTOMS_SLOT, list(reply.symptoms)))
        if reply.other_person != (tracker.get_slot(SUBJECT_SLOT) == "other"):
            events.append(SlotSet(SUBJECT_SLOT, "other" if reply.other_person else None))
        if reply.feedback is not None:
            events.append(SlotSet(FEEDBACK_SLOT, reply.feedback))
        return events


class ActionNotUnderstood(ActionReply):
    """Rasa's fallback (no rule applies, or the NLU was unsure), answered the same way."""

    def name(self) -> str:
        """Overrides Rasa's default fallback action."""
        return "action_default_fallback"
