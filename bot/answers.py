"""Compose the bot's replies from the fact set.

Every medical reply is an :class:`Answer` with a disclaimer; :attr:`Answer.text` is the
only place the disclaimer (and, for answers from the fact sheet, the source line) is
appended, exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.knowledge import Knowledge, Topic
from bot.safety import Alarm, SafetyRules

FOLLOW_UPS = ("ask_more", "ask_how_common", "ask_what_to_do")
FEEDBACK_INTENTS = ("feedback_positive", "feedback_negative")


@dataclass(frozen=True)
class Button:
    """A quick reply: what the patient sees and what it sends."""

    title: str
    payload: str


@dataclass(frozen=True)
class Answer:
    """One reply: its paragraphs, optional buttons, and the lines that close it."""

    paragraphs: tuple[str, ...]
    disclaimer: str | None = None
    buttons: tuple[Button, ...] = field(default=())
    source_line: str | None = None  # for answers stated from the fact sheet

    @property
    def medical(self) -> bool:
        """Whether this answer states medical information (and so carries the disclaimer)."""
        return self.disclaimer is not None

    @property
    def text(self) -> str:
        """The reply as sent: paragraphs, the source line, then the disclaimer.

        Paragraphs are joined by single newlines: Rasa splits a text at blank lines into
        separate messages, and the disclaimer must stay in the same message as the facts.
        """
        closing = [line for line in (self.source_line, self.disclaimer) if line]
        return "\n".join([*self.paragraphs, *closing])


def medical(
    knowledge: Knowledge,
    paragraphs: Iterable[str],
    buttons: tuple[Button, ...] = (),
    sourced: bool = False,
) -> Answer:
    """A medical answer: the paragraphs, the source line if ``sourced``, the disclaimer."""
    return Answer(
        tuple(paragraphs),
        disclaimer=knowledge.disclaimer,
        buttons=buttons,
        source_line=knowledge.source_line if sourced else None,
    )


def intent_payload(intent: str) -> str:
    """The payload a button sends to trigger ``intent`` directly."""
    return f"/{intent}"


def menu_buttons(knowledge: Knowledge) -> tuple[Button, ...]:
    """Buttons for the main topics, in menu order."""
    return tuple(
        Button(knowledge.topics[t].title, intent_payload(knowledge.topics[t].intent))
        for t in knowledge.menu
    )


def menu(knowledge: Knowledge, lead: str | None = None) -> Answer:
    """The topic menu offered on greeting, help and when the bot cannot help.

    ``lead`` names a phrase to say first ("out_of_scope", "not_understood").
    """
    paragraphs = [knowledge.phrases["menu_prompt"]]
    if lead is not None:
        paragraphs.insert(0, knowledge.phrases[lead])
    return Answer(tuple(paragraphs), buttons=menu_buttons(knowledge))


def did_you_mean(knowledge: Knowledge, ranking: Sequence[str], limit: int = 3) -> Answer:
    """Offer the likeliest intents of an unclear message, with "Something else"."""
    titles = knowledge.intent_titles
    likely = [intent for intent in dict.fromkeys(ranking) if intent in titles][:limit]
    if not likely:
        return menu(knowledge, lead="not_understood")
    buttons = [Button(titles[i], intent_payload(i)) for i in likely]
    buttons.append(Button(knowledge.phrases["something_else"], intent_payload("help")))
    return Answer((knowledge.phrases["did_you_mean"],), buttons=tuple(buttons))


def _bullets(items: Iterable[str]) -> str:
    # Each item ends with a full stop: read aloud (and scored for reading grade) as short
    # sentences rather than one long one.
    return "\n".join(f"• {item}." for item in items)


def _side_effect_list(knowledge: Knowledge) -> str:
    names = [s.name for s in knowledge.listed_symptoms]
    return _bullets(name[0].upper() + name[1:] for name in names)


def _topic_paragraphs(knowledge: Knowledge, topic: Topic, fact_ids: Sequence[str]) -> list[str]:
    paragraphs = [" ".join(knowledge.facts[f].text for f in fact_ids)]
    if topic.lists_side_effects:
        paragraphs.append(_side_effect_list(knowledge))
    if topic.note:
        paragraphs.append(topic.note)
    return paragraphs


def _answer_buttons(knowledge: Knowledge, topic: Topic | None = None) -> tuple[Button, ...]:
    more = () if topic is None or not topic.more else ("more_button",)
    return tuple(
        Button(knowledge.phrases[key], intent_payload(intent))
        for key, intent in (
            *((k, "ask_more") for k in more),
            ("feedback_yes_button", "feedback_positive"),
            ("feedback_no_button", "feedback_negative"),
        )
    )


def topic_answer(knowledge: Knowledge, topic_id: str) -> Answer:
    """The answer for a topic, with "tell me more" when it has more, and feedback buttons."""
    topic = knowledge.topics[topic_id]
    return medical(
        knowledge,
        _topic_paragraphs(knowledge, topic, topic.facts),
        buttons=_answer_buttons(knowledge, topic),
        sourced=True,
    )


def _which_topic(knowledge: Knowledge) -> Answer:
    return Answer((knowledge.phrases["more_which_topic"],), buttons=menu_buttons(knowledge))


def more_answer(knowledge: Knowledge, topic_id: str | None) -> Answer:
    """The detail for the current topic, or a question about which topic is meant."""
    return follow_up_answer(knowledge, topic_id, "ask_more")


def follow_up_answer(knowledge: Knowledge, topic_id: str | None, intent: str) -> Answer:
    """Answer a follow-up ("tell me more", "is that common?", "what should I do?").

    Answered for the topic in hand from its facts; where the fact sheet says nothing the
    patient is referred to the care team; with no topic yet, the bot asks which one.
    """
    if topic_id is None or topic_id not in knowledge.topics:
        return _which_topic(knowledge)
    topic = knowledge.topics[topic_id]
    title = topic.title.lower()
    if intent == "ask_how_common" and topic.how_common:
        facts = [knowledge.facts[f].text for f in topic.how_common]
        return medical(knowledge, facts, buttons=_answer_buttons(knowledge), sourced=True)
    if intent == "ask_what_to_do":
        return medical(knowledge, [topic.note or knowledge.phrases["what_to_do_unknown"]])
    if intent == "ask_more" and topic.more:
        detail = " ".join(knowledge.facts[f].text for f in topic.more)
        return medical(knowledge, [detail], buttons=_answer_buttons(knowledge), sourced=True)
    key = "how_common_unknown" if intent == "ask_how_common" else "more_none"
    return medical(knowledge, [knowledge.phrases[key].format(title=title)])


def _side_effect_paragraphs(knowledge: Knowledge, mentioned: Sequence[str]) -> list[str]:
    paragraphs: list[str] = []
    for item in dict.fromkeys(mentioned):  # keep order, drop repeats
        symptom = knowledge.symptoms.get(item)
        if symptom is not None:
            key = "side_effect_listed" if symptom.listed else "side_effect_not_listed"
            paragraphs.append(knowledge.phrases[key].format(name=symptom.name))
        elif item in knowledge.topics:
            topic = knowledge.topics[item]
            paragraphs.extend(_topic_paragraphs(knowledge, topic, topic.facts))
    return paragraphs


def side_effect_answer(
    knowledge: Knowledge, mentioned: Sequence[str], specific: bool = True
) -> Answer:
    """Answer a side-effect question, given the symptom or topic ids it mentions.

    A symptom the source lists is confirmed as listed; one it does not list is neither
    confirmed nor denied; a term that belongs to a topic (e.g. lymphoma) gets that topic's
    facts. With nothing recognised, a general question (``specific=False``) gets the
    side-effects topic, a specific one the listed effects and a referral.
    """
    if not specific and not mentioned:
        return topic_answer(knowledge, knowledge.side_effects_topic.id)
    paragraphs = _side_effect_paragraphs(knowledge, mentioned) or [
        knowledge.phrases["side_effect_unknown"],
        _side_effect_list(knowledge),
        knowledge.phrases["side_effect_unknown_after"],
    ]
    return medical(knowledge, paragraphs, buttons=_answer_buttons(knowledge), sourced=True)


def referral_answer(knowledge: Knowledge, intent: str) -> Answer:
    """A kind referral to the care team for a question the source cannot answer."""
    referral = knowledge.referrals.get(intent) or knowledge.referrals["ask_not_covered"]
    return medical(knowledge, [referral.text])


def several_answer(
    knowledge: Knowledge, intents: Sequence[str], symptoms: Sequence[str] = ()
) -> Answer:
    """One answer to several questions: a titled part for each, then one disclaimer."""
    paragraphs: list[str] = []
    sourced = False
    for intent in dict.fromkeys(intents):
        topic = knowledge.topic_for_intent(intent)
        if topic is not None and topic.lists_side_effects and symptoms:
            part = _side_effect_paragraphs(knowledge, symptoms)
        elif topic is not None:
            part = _topic_paragraphs(knowledge, topic, topic.facts)
        elif intent in knowledge.referrals:
            part = [knowledge.referrals[intent].text]
        else:
            continue
        sourced = sourced or topic is not None
        paragraphs.append(f"{knowledge.intent_titles[intent]}: {part[0]}")
        paragraphs.extend(part[1:])
    if not paragraphs:
        return menu(knowledge, lead="not_understood")
    return medical(knowledge, paragraphs, buttons=_answer_buttons(knowledge), sourced=sourced)


def feedback_reply(knowledge: Knowledge, intent: str) -> Answer:
    """Thank the patient for rating an answer (not a medical reply)."""
    key = "feedback_thanks" if intent == "feedback_positive" else "feedback_sorry"
    return Answer((knowledge.phrases[key],))


def safety_answer(knowledge: Knowledge, rules: SafetyRules, alarms: Iterable[Alarm]) -> Answer:
    """Emergency guidance first, then crisis support, for the alarms raised."""
    raised = set(alarms)
    order = (Alarm.EMERGENCY, Alarm.CRISIS)
    return medical(knowledge, [rules.messages[a] for a in order if a in raised])
