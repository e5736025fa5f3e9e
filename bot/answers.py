"""Compose the bot's replies from the fact set.

Every medical reply is an :class:`Answer` with a disclaimer; :attr:`Answer.text` is the
only place the disclaimer (and, for answers from the fact sheet, the source line) is
appended, exactly once. Emergency and crisis guidance is an :class:`Alert` instead: it
comes first and closes with a short safety line (phrase ``safety_line``), not with the
routine disclaimer; an answer given after it (a likely alarm's) keeps its disclaimer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bot.emergency_numbers import Phone
from bot.knowledge import Knowledge, Topic
from bot.safety import Alarm, SafetyRules

KEYS_FIELD = "keys"  # where a sent message carries its answer's outcome keys
ALERT_FIELD = "alert"  # ... and its emergency or crisis guidance as data (Alert.data)
PARTS_FIELD = "parts"  # ... and its parts, for a channel to render each its own way
# what the channels pass on with a message's text
REPLY_FIELDS = (KEYS_FIELD, ALERT_FIELD, PARTS_FIELD)
REFERRAL = "referral:"  # a referral's key ("referral:vaccines"), also its topic in hand
FOR_SOMEONE_ELSE = "subject:other"  # the key of an answer told about another person
FOLLOW_UPS = ("ask_more", "ask_how_common", "ask_what_to_do")
FOLLOW_UP_KEYS = {
    "ask_more": "more",
    "ask_how_common": "how_common",
    "ask_what_to_do": "what_to_do",
}
# the topics whose facts must never be missed when a message touches them
WARNINGS = {
    "pregnancy": "warning:pregnancy",
    "infections": "warning:infection",
    "cancer": "warning:cancer",
}


@dataclass(frozen=True)
class Button:
    """A quick reply: what the patient sees and what it sends."""

    title: str
    payload: str


@dataclass(frozen=True)
class Alert:
    """Emergency or crisis guidance: it comes first, and the safety line closes it."""

    level: Alarm  # the most urgent alarm raised (emergency before crisis)
    heading: str  # what the alert is headed, in words ("Emergency")
    paragraphs: tuple[str, ...]
    safety_line: str
    phones: tuple[Phone, ...] = ()  # the numbers its paragraphs give, to call or text

    @property
    def text(self) -> str:
        """The guidance, then the safety line."""
        return "\n".join([*self.paragraphs, self.safety_line])

    def data(self) -> dict[str, Any]:
        """The alert as a channel sends it (``ALERT_FIELD``): level, text and numbers."""
        return {
            "level": self.level.value,
            "heading": self.heading,
            "text": self.text,
            "numbers": [asdict(phone) for phone in self.phones],
        }


@dataclass(frozen=True)
class Answer:
    """One reply: any alert, its paragraphs, optional buttons, and the lines that close it."""

    paragraphs: tuple[str, ...]
    disclaimer: str | None = None
    buttons: tuple[Button, ...] = field(default=())
    source_line: str | None = None  # for answers stated from the fact sheet
    kinds: tuple[str, ...] = ()  # what the reply does: "topic:pregnancy", "referral:vaccines"
    facts: tuple[str, ...] = ()  # ids of the facts it states
    alert: Alert | None = None  # emergency or crisis guidance, before everything else

    @property
    def keys(self) -> tuple[str, ...]:
        """Its kinds, and a ``warning:`` key for each safety topic whose facts it states."""
        warnings = [
            WARNINGS[f.split(".", 1)[0]] for f in self.facts if f.split(".", 1)[0] in WARNINGS
        ]
        return tuple(dict.fromkeys((*self.kinds, *warnings)))

    @property
    def medical(self) -> bool:
        """Whether this answer states medical information.

        A medical answer closes with the disclaimer; an alert alone, with its safety line.
        """
        return self.disclaimer is not None or self.alert is not None

    @property
    def text(self) -> str:
        """The reply as sent: any alert, the paragraphs, the source line, the disclaimer.

        Paragraphs are joined by single newlines: Rasa splits a text at blank lines into
        separate messages, and the disclaimer must stay in the same message as the facts.
        """
        alert = [self.alert.text] if self.alert else []
        closing = [line for line in (self.source_line, self.disclaimer) if line]
        return "\n".join([*alert, *self.paragraphs, *closing])

    def parts(self) -> dict[str, Any]:
        """The text's parts after any alert (``PARTS_FIELD``), for channels that style them.

        ``urgency`` is the alert's level, or None; the alert itself is ``ALERT_FIELD``.
        Any alert's text, the body's paragraphs, the source line and the disclaimer, joined
        by newlines, are :attr:`text`.
        """
        return {
            "urgency": self.alert.level.value if self.alert else None,
            "body": list(self.paragraphs),
            "source": self.source_line,
            "disclaimer": self.disclaimer,
        }


def message_data(answer: Answer) -> dict[str, Any]:
    """What a message carries beside its text and buttons (``REPLY_FIELDS``)."""
    data: dict[str, Any] = {KEYS_FIELD: list(answer.keys), PARTS_FIELD: answer.parts()}
    if answer.alert is not None:
        data[ALERT_FIELD] = answer.alert.data()
    return data


def as_message(answer: Answer) -> dict[str, Any]:
    """``answer`` as a message a channel sends: its text and its data (``REPLY_FIELDS``)."""
    return {"text": answer.text, **message_data(answer)}


def reply_data(message: Mapping[str, Any]) -> dict[str, Any]:
    """The ``REPLY_FIELDS`` a sent message holds, for a channel to pass on."""
    return {name: message[name] for name in REPLY_FIELDS if message.get(name)}


def medical(
    knowledge: Knowledge,
    paragraphs: Iterable[str],
    buttons: tuple[Button, ...] = (),
    sourced: bool = False,
    kinds: Iterable[str] = (),
    facts: Iterable[str] = (),
) -> Answer:
    """A medical answer: the paragraphs, the source line if ``sourced``, the disclaimer."""
    return Answer(
        tuple(paragraphs),
        disclaimer=knowledge.disclaimer,
        buttons=buttons,
        source_line=knowledge.source_line if sourced else None,
        kinds=tuple(kinds),
        facts=tuple(facts),
    )


def chat(knowledge: Knowledge, phrase: str, kind: str, buttons: bool = False) -> Answer:
    """A reply that states no medical facts: one fixed phrase, perhaps the topic buttons."""
    return Answer(
        (knowledge.phrases[phrase],),
        buttons=menu_buttons(knowledge) if buttons else (),
        kinds=(kind,),
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
    kind = {"out_of_scope": "out_of_scope", "not_understood": "not_understood"}.get(
        lead or "", "chat:menu"
    )
    return Answer(tuple(paragraphs), buttons=menu_buttons(knowledge), kinds=(kind,))


def did_you_mean(knowledge: Knowledge, ranking: Sequence[str], limit: int = 3) -> Answer:
    """Offer the likeliest intents of an unclear message, with "Something else"."""
    titles = knowledge.intent_titles
    likely = [intent for intent in dict.fromkeys(ranking) if intent in titles][:limit]
    if not likely:
        return menu(knowledge, lead="not_understood")
    return _did_you_mean(knowledge, [Button(titles[i], intent_payload(i)) for i in likely])


def confirm_forget(knowledge: Knowledge) -> Answer:
    """Ask before erasing: a button that sends the request, and "Something else"."""
    forget = Button(knowledge.phrases["forget_button"], intent_payload("forget_me"))
    return _did_you_mean(knowledge, [forget])


def _did_you_mean(knowledge: Knowledge, choices: Sequence[Button]) -> Answer:
    something_else = Button(knowledge.phrases["something_else"], intent_payload("help"))
    return Answer(
        (knowledge.phrases["did_you_mean"],),
        buttons=(*choices, something_else),
        kinds=("did_you_mean",),
    )


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
            ("feedback_yes_button", "thank"),
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
        kinds=(f"topic:{topic.id}",),
        facts=topic.facts,
    )


def _which_topic(knowledge: Knowledge) -> Answer:
    return Answer(
        (knowledge.phrases["more_which_topic"],),
        buttons=menu_buttons(knowledge),
        kinds=("which_topic",),
    )


def more_answer(knowledge: Knowledge, topic_id: str | None) -> Answer:
    """The detail for the current topic, or a question about which topic is meant."""
    return follow_up_answer(knowledge, topic_id, "ask_more")


def follow_up_answer(knowledge: Knowledge, topic_id: str | None, intent: str) -> Answer:
    """Answer a follow-up ("tell me more", "is that common?", "what should I do?").

    Answered for the topic in hand from its facts; where the fact sheet says nothing the
    patient is referred to the care team; with no topic yet, the bot asks which one. A
    referral in hand ("referral:alcohol") is given again: the source has nothing more.
    """
    if topic_id is not None and topic_id.startswith(REFERRAL):
        referral_id = topic_id.removeprefix(REFERRAL)
        if referral_id in knowledge.referrals:
            answer = referral_answer(knowledge, referral_id)
            kind = f"{FOLLOW_UP_KEYS.get(intent, 'more')}:{referral_id}"
            return replace(answer, kinds=(*answer.kinds, kind))
    if topic_id is None or topic_id not in knowledge.topics:
        return _which_topic(knowledge)
    topic = knowledge.topics[topic_id]
    answer = _follow_up(knowledge, topic, intent)
    if topic.id in WARNINGS and not set(answer.facts) & set(topic.facts):
        # a follow-up on a safety topic restates its warning ("why?" after pregnancy)
        warning = " ".join(knowledge.facts[f].text for f in topic.facts)
        answer = replace(
            answer,
            paragraphs=(warning, *answer.paragraphs),
            facts=(*topic.facts, *answer.facts),
            source_line=knowledge.source_line,
        )
    return answer


def _follow_up(knowledge: Knowledge, topic: Topic, intent: str) -> Answer:
    title = topic.title.lower()
    kind = f"{FOLLOW_UP_KEYS.get(intent, 'more')}:{topic.id}"
    if intent == "ask_how_common" and topic.how_common:
        return medical(
            knowledge,
            [knowledge.facts[f].text for f in topic.how_common],
            buttons=_answer_buttons(knowledge),
            sourced=True,
            kinds=(kind,),
            facts=topic.how_common,
        )
    if intent == "ask_what_to_do":
        return medical(
            knowledge, [topic.note or knowledge.phrases["what_to_do_unknown"]], kinds=(kind,)
        )
    if intent == "ask_more" and topic.more:
        detail = " ".join(knowledge.facts[f].text for f in topic.more)
        return medical(
            knowledge,
            [detail],
            buttons=_answer_buttons(knowledge),
            sourced=True,
            kinds=(kind,),
            facts=topic.more,
        )
    key = "how_common_unknown" if intent == "ask_how_common" else "more_none"
    return medical(knowledge, [knowledge.phrases[key].format(title=title)], kinds=(kind,))


def _side_effect_paragraphs(
    knowledge: Knowledge, mentioned: Sequence[str]
) -> tuple[list[str], list[str], list[str]]:
    """Paragraphs, kinds and fact ids for the symptoms and topic words mentioned."""
    paragraphs: list[str] = []
    kinds: list[str] = []
    facts: list[str] = []
    for item in dict.fromkeys(mentioned):  # keep order, drop repeats
        symptom = knowledge.symptoms.get(item)
        if symptom is not None:
            key = "side_effect_listed" if symptom.listed else "side_effect_not_listed"
            paragraphs.append(knowledge.phrases[key].format(name=symptom.name))
            kinds += [
                f"side_effect:{'listed' if symptom.listed else 'unlisted'}",
                f"side_effect:{symptom.id}",
            ]
        elif item in knowledge.topics:
            topic = knowledge.topics[item]
            paragraphs.extend(_topic_paragraphs(knowledge, topic, topic.facts))
            kinds.append(f"topic:{topic.id}")
            facts.extend(topic.facts)
    return paragraphs, kinds, facts


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
    paragraphs, kinds, facts = _side_effect_paragraphs(knowledge, mentioned)
    if not paragraphs:
        topic = knowledge.side_effects_topic
        paragraphs = [
            knowledge.phrases["side_effect_unknown"],
            _side_effect_list(knowledge),
            knowledge.phrases["side_effect_unknown_after"],
        ]
        kinds = ["side_effect:unknown", f"topic:{topic.id}"]
        facts = list(topic.facts)
    return medical(
        knowledge,
        paragraphs,
        buttons=_answer_buttons(knowledge),
        sourced=True,
        kinds=kinds,
        facts=facts,
    )


def referral_answer(knowledge: Knowledge, referral_id: str) -> Answer:
    """A kind referral for a question the source cannot answer, with what it does say.

    ``referral_id`` names a referral in ``referrals.yml`` (or, for callers that still
    have one, the intent that asks for it); an unknown one gets the general referral.
    """
    referral = knowledge.referrals.get(referral_id) or knowledge.referral_for_intent(referral_id)
    if referral is None:
        referral = knowledge.referral_for_intent("ask_not_covered")
        assert referral is not None  # the loader checks there is one
    paragraphs = [referral.text]
    if referral.facts:
        paragraphs.insert(0, " ".join(knowledge.facts[f].text for f in referral.facts))
    return medical(
        knowledge,
        paragraphs,
        sourced=bool(referral.facts),
        kinds=(REFERRAL + referral.id,),
        facts=referral.facts,
    )


def combine(knowledge: Knowledge, parts: Sequence[tuple[str, Answer]]) -> Answer:
    """One answer from several: a titled part for each, then one source line and disclaimer.

    ``parts`` pairs each answer with its title. A single part is returned as it is.
    """
    if len(parts) == 1:
        return parts[0][1]
    paragraphs: list[str] = []
    for title, part in parts:
        paragraphs.append(f"{title}: {part.paragraphs[0]}" if title else part.paragraphs[0])
        paragraphs.extend(part.paragraphs[1:])
    answers = [a for _, a in parts]
    return medical(
        knowledge,
        paragraphs,
        buttons=_answer_buttons(knowledge),
        sourced=any(a.source_line for a in answers),
        kinds=[k for a in answers for k in a.kinds],
        facts=[f for a in answers for f in a.facts],
    )


def several_answer(
    knowledge: Knowledge, intents: Sequence[str], symptoms: Sequence[str] = ()
) -> Answer:
    """One answer to several questions: a titled part for each, then one disclaimer."""
    parts: list[tuple[str, Answer]] = []
    for intent in dict.fromkeys(intents):
        topic = knowledge.topic_for_intent(intent)
        if topic is not None and topic.lists_side_effects and symptoms:
            part = side_effect_answer(knowledge, symptoms)
        elif topic is not None:
            part = topic_answer(knowledge, topic.id)
        elif knowledge.referral_for_intent(intent) is not None:
            part = referral_answer(knowledge, intent)
        else:
            continue
        parts.append((knowledge.intent_titles[intent], part))
    if not parts:
        return menu(knowledge, lead="not_understood")
    return combine(knowledge, parts)


def feedback_reply(knowledge: Knowledge, intent: str) -> Answer:
    """Thank the patient for rating an answer (not a medical reply)."""
    if intent == "feedback_negative":
        return Answer((knowledge.phrases["feedback_sorry"],), kinds=("chat:feedback_negative",))
    return Answer((knowledge.phrases["feedback_thanks"],), kinds=("chat:thanks",))


def safety_answer(
    knowledge: Knowledge,
    rules: SafetyRules,
    alarms: Iterable[Alarm],
    for_someone_else: bool = False,
    country: str | None = None,
    groups: Iterable[str] = (),
    likely: bool = False,
) -> Answer:
    """Emergency guidance first, then crisis support, for the alarms raised: an alert.

    ``for_someone_else``: the writer speaks for another person ("my husband").
    ``likely``: the statistical backstop raised them, not a rule: say it may be a misreading.
    ``country``: whose numbers to give (None or not listed: "your local emergency
    number", with examples). ``groups``: the rule groups that fired, so that swallowed
    tablets also get the poison centre.
    """
    raised = set(alarms)
    order = [a for a in (Alarm.EMERGENCY, Alarm.CRISIS) if a in raised]
    fired = tuple(groups)
    kinds = [f"safety:{a.value}" for a in order]
    if for_someone_else:
        kinds.append(FOR_SOMEONE_ELSE)
    lead = [knowledge.phrases["likely_alarm_lead"]] if likely else []
    messages = [rules.message(a, country, for_someone_else, fired) for a in order]
    alert = Alert(
        level=order[0],
        heading=knowledge.phrases[f"alert_heading_{order[0].value}"],
        paragraphs=(*lead, *messages),
        safety_line=knowledge.phrases["safety_line"],
        phones=rules.phones(order, country, for_someone_else, fired),
    )
    return Answer((), alert=alert, kinds=tuple(kinds))


def after_alert(safety: Answer, answer: Answer) -> Answer:
    """``answer`` given after the alert of ``safety`` (a likely alarm's question answered)."""
    return replace(answer, alert=safety.alert, kinds=(*safety.kinds, *answer.kinds))
