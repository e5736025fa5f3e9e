"""Compose the bot's replies from the fact set.

Every medical reply is an :class:`Answer` with ``medical=True``; its :attr:`Answer.text`
is the only place the disclaimer is appended, exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.knowledge import Knowledge, Topic
from bot.safety import Alarm, SafetyRules


@dataclass(frozen=True)
class Button:
    """A quick reply: what the patient sees and what it sends."""

    title: str
    payload: str


@dataclass(frozen=True)
class Answer:
    """One reply: its paragraphs, optional buttons, and whether it is medical."""

    paragraphs: tuple[str, ...]
    disclaimer: str | None = None
    buttons: tuple[Button, ...] = field(default=())

    @property
    def medical(self) -> bool:
        """Whether this answer states medical information (and so carries the disclaimer)."""
        return self.disclaimer is not None

    @property
    def text(self) -> str:
        """The reply as sent: paragraphs, then the disclaimer for medical answers.

        Paragraphs are joined by single newlines: Rasa splits a text at blank lines into
        separate messages, and the disclaimer must stay in the same message as the facts.
        """
        parts = [*self.paragraphs, self.disclaimer] if self.disclaimer else self.paragraphs
        return "\n".join(parts)


def medical(
    knowledge: Knowledge, paragraphs: Iterable[str], buttons: tuple[Button, ...] = ()
) -> Answer:
    """A medical answer: the paragraphs followed by the one disclaimer."""
    return Answer(tuple(paragraphs), disclaimer=knowledge.disclaimer, buttons=buttons)


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


def _more_buttons(knowledge: Knowledge, topic: Topic) -> tuple[Button, ...]:
    if not topic.more:
        return ()
    return (Button(knowledge.phrases["more_button"], intent_payload("ask_more")),)


def topic_answer(knowledge: Knowledge, topic_id: str) -> Answer:
    """The answer for a topic, with a "tell me more" button when it has more detail."""
    topic = knowledge.topics[topic_id]
    return medical(
        knowledge,
        _topic_paragraphs(knowledge, topic, topic.facts),
        buttons=_more_buttons(knowledge, topic),
    )


def more_answer(knowledge: Knowledge, topic_id: str | None) -> Answer:
    """The detail for the current topic, or a question about which topic is meant."""
    if topic_id is None or topic_id not in knowledge.topics:
        return Answer((knowledge.phrases["more_which_topic"],), buttons=menu_buttons(knowledge))
    topic = knowledge.topics[topic_id]
    if not topic.more:
        return medical(
            knowledge, [knowledge.phrases["more_none"].format(title=topic.title.lower())]
        )
    return medical(knowledge, [" ".join(knowledge.facts[f].text for f in topic.more)])


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
    paragraphs: list[str] = []
    for item in dict.fromkeys(mentioned):  # keep order, drop repeats
        symptom = knowledge.symptoms.get(item)
        if symptom is not None:
            key = "side_effect_listed" if symptom.listed else "side_effect_not_listed"
            paragraphs.append(knowledge.phrases[key].format(name=symptom.name))
        elif item in knowledge.topics:
            topic = knowledge.topics[item]
            paragraphs.extend(_topic_paragraphs(knowledge, topic, topic.facts))
    if not paragraphs:
        paragraphs = [
            knowledge.phrases["side_effect_unknown"],
            _side_effect_list(knowledge),
            knowledge.phrases["side_effect_unknown_after"],
        ]
    return medical(knowledge, paragraphs)


def referral_answer(knowledge: Knowledge, intent: str) -> Answer:
    """A kind referral to the care team for a question the source cannot answer."""
    text = knowledge.referrals.get(intent, knowledge.referrals["ask_not_covered"])
    return medical(knowledge, [text])


def safety_answer(knowledge: Knowledge, rules: SafetyRules, alarms: Iterable[Alarm]) -> Answer:
    """Emergency guidance first, then crisis support, for the alarms raised."""
    raised = set(alarms)
    order = (Alarm.EMERGENCY, Alarm.CRISIS)
    return medical(knowledge, [rules.messages[a] for a in order if a in raised])
