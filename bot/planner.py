"""Decide the reply to one message from what the NLU heard and the conversation so far.

The classifier's intent is one signal among several: the rule-based terms (symptoms, topic
words, named referrals), the safety rules, the language and the topic in hand. The order
is fixed: safety first, then another language, then what the message asks (named items
before the intent's generic answer), then small talk only when nothing was asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot import answers
from bot.answers import Answer, Button
from bot.knowledge import Knowledge
from bot.person import for_other_person
from bot.safety import Alarm, SafetyRules, alarms_of, raised_by_rules

FOLLOW_UPS = frozenset(answers.FOLLOW_UPS)
# intents that ask nothing of the fact set: their reply is used only when nothing is asked
SMALL_TALK = {
    "greet": "greet",
    "goodbye": "goodbye",
    "thank": "thanks",
    "feedback_negative": "feedback_negative",
    "bot_challenge": "about_bot",
    "help": "help",
    "express_feelings": "feelings",
}
UNSURE = frozenset({"nlu_fallback", "out_of_scope"})
CLOSINGS = frozenset({"thank", "goodbye"})  # may name the care team: how to take it along
SIDE_EFFECT_INTENTS = frozenset({"ask_side_effects", "ask_side_effect_specific"})
SEVERAL = "ask_several"
FORGET = "forget_me"
FORGET_CONFIDENCE = 0.8  # erasing cannot be undone: only on a clear request
ALARMS = frozenset(a.value for a in Alarm)
# Alarms come from the safety rules alone. Measured on the labelled red-flag set and the
# patient-voice set, DIET's own emergency/crisis guesses (even at 0.97 confidence) raised
# about 26 false alarms for each alarm the rules missed; a DIET guess of emergency or
# crisis is answered with its next likeliest intent instead.
REFERRAL = answers.REFERRAL
GENERIC_REFERRALS = frozenset({"interactions", "not_covered"})  # a named item says more
NOT_COVERED = REFERRAL + "not_covered"  # "my source does not say": not a topic to follow
SHORT = 6  # words: a short, unsure message with nothing named refers back
UNSURE_CONFIDENCE = 0.6
FOR_A_SYMPTOM = frozenset({"painkillers", "interactions"})  # asked "for" a symptom in hand
PREGNANCY_IN_HAND = frozenset({"pregnancy", REFERRAL + "men", REFERRAL + "contraception"})
SURE = 0.8  # DIET at least this sure is not overruled by question words
QUESTION_CONFIDENCE = 0.1  # a question's likeliest medical intent, when DIET said small talk


@dataclass(frozen=True)
class Heard:
    """What the NLU found in one message."""

    intent: str
    confidence: float = 1.0
    ranking: tuple[str, ...] = ()
    scores: tuple[float, ...] = ()  # the ranking's confidences
    terms: tuple[str, ...] = ()  # symptom ids and topic ids, in message order
    items: tuple[str, ...] = ()  # referrals named by their words
    topic_items: tuple[str, ...] = ()  # referrals named by words that need their topic
    hints: tuple[str, ...] = ()  # referrals whose context words appear
    questions: tuple[str, ...] = ()  # intents of the several questions asked
    red_flags: tuple[str, ...] = ()  # the red-flag groups raised ("emergency.overdose")
    names_drug: bool = False
    asks: bool = False  # written as a question ("?", or starting "can", "is", "what"...)
    words: int = 0  # how many words the message has
    other_person: bool = False
    upset: bool = False
    care_team: bool = False  # names the care team or a visit ("I'll ask my GP")
    language: str | None = None  # lingua's name of another language

    @property
    def alarms(self) -> frozenset[Alarm]:
        """The alarms raised by the safety rules or the backstop."""
        return alarms_of(self.red_flags)

    @property
    def alarms_by_rules(self) -> bool:
        """Whether a rule raised them (False: only the statistical backstop did)."""
        return raised_by_rules(self.red_flags)


@dataclass(frozen=True)
class Context:
    """What the conversation holds before this message."""

    topic: str | None = None  # topic id, or "referral:<id>"
    symptoms: tuple[str, ...] = ()  # the symptoms last asked about ("can I take X for it?")
    other_person: bool = False
    after_answer: bool = False  # the bot's last reply was a medical answer
    after_miss: bool = False  # the previous message was not understood
    recent: tuple[str, ...] = ()  # referrals the bot's last reply gave
    answered: tuple[str, ...] = ()  # topics whose answer the bot's last reply gave
    country: str | None = None  # whose emergency numbers to give (None: unknown)
    web: bool = False  # the web chat, which can save and print the conversation


@dataclass(frozen=True)
class Reply:
    """The answer, and what to remember for the next message."""

    answer: Answer
    topic: str | None = None  # the topic now in hand (None: unchanged)
    symptoms: tuple[str, ...] = ()  # symptoms asked about now (empty: unchanged)
    other_person: bool = False
    feedback: str | None = None  # "positive" or "negative" when the patient rated
    forget: bool = False  # erase the conversation (the patient asked, clearly)


def plan(knowledge: Knowledge, rules: SafetyRules, heard: Heard, context: Context) -> Reply:
    """The reply to ``heard`` in ``context``."""
    other = heard.other_person or context.other_person
    alarms = set(heard.alarms)
    if alarms:
        sure = heard.alarms_by_rules or bool(heard.language)
        answer = answers.safety_answer(
            knowledge,
            rules,
            alarms,
            other,
            country=context.country,
            groups=heard.red_flags,
            likely=not sure,
        )
        if heard.language:
            answer = _with_language(knowledge, answer, heard.language)
        elif not sure:  # a likely alarm, not a sure one: answer the question as well
            parts = _asked(knowledge, heard, context)
            if parts:  # after the alert, with its own disclaimer: a routine answer
                answer = answers.after_alert(answer, answers.combine(knowledge, parts))
        return Reply(answer, other_person=other)
    if heard.language:
        notice = knowledge.languages.notice(heard.language)
        return Reply(Answer((notice,), kinds=("language:other",)), other_person=other)

    parts = _asked(knowledge, heard, context)
    if heard.intent == FORGET and not parts:
        if heard.confidence >= FORGET_CONFIDENCE:
            return Reply(Answer(()), forget=True)
        return Reply(answers.confirm_forget(knowledge), other_person=other)
    if parts:
        answer = answers.combine(knowledge, parts)
        if heard.upset or heard.intent == "express_feelings":
            answer = replace(
                answer, paragraphs=(knowledge.phrases["feelings_lead"], *answer.paragraphs)
            )
        if other and answer.medical:
            answer = for_other_person(answer)
        symptoms = tuple(t for t in heard.terms if t in knowledge.symptoms)
        topic = _topic_of(answer)
        if topic == NOT_COVERED and context.topic:  # nothing to follow up: keep the topic
            topic = None
        return Reply(answer, topic=topic, symptoms=symptoms, other_person=other)
    return _without_question(knowledge, heard, context, other)


def _asked(knowledge: Knowledge, heard: Heard, context: Context) -> list[tuple[str, Answer]]:
    """The answers to what the message asks, each with its title, in a sensible order."""
    in_hand = context.topic
    topic_words = [t for t in heard.terms if t in knowledge.topics]
    symptoms = [t for t in heard.terms if t in knowledge.symptoms]
    referrals = _named_referrals(knowledge, heard, in_hand, topic_words, context.recent)
    parts: list[tuple[str, Answer]] = []
    if symptoms:
        parts.append(("Side effects", answers.side_effect_answer(knowledge, symptoms)))
    for referral_id in referrals:
        title = knowledge.referrals[referral_id].title
        parts.append((title, answers.referral_answer(knowledge, referral_id)))

    for intent in _intents_asked(heard, context):
        topic = knowledge.topic_for_intent(intent)
        referral = knowledge.referral_for_intent(intent)
        if topic is not None:
            if topic.lists_side_effects and (symptoms or referrals):
                continue  # the symptom or named item is what is asked
            if topic.id == "pregnancy" and "men" in referrals:
                continue  # the men's answer tells the women's fact as such
            parts.append((topic.title, answers.topic_answer(knowledge, topic.id)))
            if topic.id in context.answered and topic.more and not topic.lists_side_effects:
                # asked again right after its answer: the answer, and what goes beyond it
                parts.append(("", answers.follow_up_answer(knowledge, topic.id, "ask_more")))
        elif referral is not None and not (referrals and referral.id in GENERIC_REFERRALS):
            parts.append((referral.title, answers.referral_answer(knowledge, referral.id)))
        elif intent in FOLLOW_UPS and not parts:
            parts.append(("", answers.follow_up_answer(knowledge, in_hand, intent)))

    if referrals and not symptoms and context.symptoms and set(referrals) & FOR_A_SYMPTOM:
        # "can I take ibuprofen for it?" after a symptom: answer for that symptom too
        parts.insert(0, ("Side effects", answers.side_effect_answer(knowledge, context.symptoms)))
    if not parts and heard.intent in SIDE_EFFECT_INTENTS | {SEVERAL}:
        specific = heard.intent == "ask_side_effect_specific"
        parts.append(("Side effects", answers.side_effect_answer(knowledge, [], specific)))
    for topic_id in topic_words:  # safety facts are never missed when a message names them
        stated = {f for _, a in parts for f in a.facts}
        topic = knowledge.topics[topic_id]
        if not stated & set(topic.facts) and not _men_only(referrals, topic_id):
            parts.append((topic.title, answers.topic_answer(knowledge, topic_id)))
    if not parts and heard.names_drug and heard.intent in UNSURE:
        parts.append(("", answers.referral_answer(knowledge, "not_covered")))
    if parts and in_hand in PREGNANCY_IN_HAND:  # the pregnancy warning stays in view
        stated = {f for _, a in parts for f in a.facts}
        pregnancy = knowledge.topics["pregnancy"]
        if not stated & set(pregnancy.facts):
            parts.append((pregnancy.title, answers.topic_answer(knowledge, pregnancy.id)))
    return _distinct(parts)


def _refers_back(heard: Heard, context: Context) -> bool:
    """A short message that names nothing and DIET is unsure of ("only one glass?")."""
    in_hand_id = context.topic.removeprefix(REFERRAL) if context.topic else None
    hints = [h for h in heard.hints if h == in_hand_id or h in context.recent]
    named = heard.terms or heard.items or heard.topic_items or hints or len(heard.questions) > 0
    return (
        context.topic is not None
        and not named
        and 0 < heard.words <= SHORT
        and heard.confidence < UNSURE_CONFIDENCE
        and heard.intent not in SMALL_TALK
        and heard.intent not in ALARMS
    )


def _intents_asked(heard: Heard, context: Context | None = None) -> list[str]:
    if context is not None and _refers_back(heard, context):
        return ["ask_more"]
    if heard.intent == SEVERAL and len(set(heard.questions)) >= 2:
        return list(dict.fromkeys(heard.questions))
    if heard.intent == SEVERAL and heard.questions:  # "and how it works?": one question
        return [heard.questions[0]]
    if heard.intent == SEVERAL and not heard.questions:  # DIET's guess; no question found
        return [i for i in heard.ranking[1:2] if i not in ALARMS and i not in SMALL_TALK]
    if (
        len(heard.questions) == 1
        and heard.questions[0] != heard.intent
        and heard.confidence < SURE
        and heard.intent not in ALARMS
    ):
        # the question's own words ("what is lems") beat an unsure classifier
        return [heard.questions[0]]
    if heard.intent in SMALL_TALK or heard.intent in UNSURE or heard.intent == FORGET:
        # a question DIET took for small talk: its likeliest medical intent
        if heard.asks and heard.intent != FORGET:
            for intent, score in zip(heard.ranking, heard.scores, strict=False):
                if intent not in SMALL_TALK and intent not in UNSURE and intent not in ALARMS:
                    return [intent] if score >= QUESTION_CONFIDENCE else []
        return []
    if heard.intent in ALARMS:  # DIET was not sure enough: its next guess
        return [i for i in heard.ranking[1:2] if i not in ALARMS]
    return [heard.intent]


def _named_referrals(
    knowledge: Knowledge,
    heard: Heard,
    in_hand: str | None,
    topic_words: Sequence[str],
    recent: Sequence[str] = (),
) -> list[str]:
    """Referrals named in the message, and context words that point at the one in hand."""
    in_hand_id = in_hand.removeprefix(REFERRAL) if in_hand else None
    intent_topic = knowledge.topic_for_intent(heard.intent)
    around = {*topic_words, *heard.items, in_hand_id or ""}
    if intent_topic is not None:
        around.add(intent_topic.id)
    named = list(dict.fromkeys(heard.items))
    for referral_id in dict.fromkeys(heard.topic_items):
        needs = knowledge.referrals[referral_id].needs_topic
        if set(needs) & around and referral_id not in named:
            named.append(referral_id)
    if not named:
        named.extend(r for r in dict.fromkeys(heard.hints) if r == in_hand_id or r in recent)
    return named


def _men_only(referrals: Sequence[str], topic_id: str) -> bool:
    return topic_id == "pregnancy" and "men" in referrals


def _distinct(parts: list[tuple[str, Answer]]) -> list[tuple[str, Answer]]:
    """Drop a part whose kinds an earlier part already gave."""
    seen: set[str] = set()
    kept = []
    for title, answer in parts:
        if set(answer.kinds) <= seen:
            continue
        seen.update(answer.kinds)
        kept.append((title, answer))
    return kept


def _topic_of(answer: Answer) -> str | None:
    """The topic in hand after ``answer``: its last topic, or else its last referral."""
    topics = [k.removeprefix("topic:") for k in answer.kinds if k.startswith("topic:")]
    if topics:
        return topics[-1]
    if any(k.startswith("side_effect:") for k in answer.kinds):
        return "side_effects"
    referrals = [k for k in answer.kinds if k.startswith(REFERRAL)]
    return referrals[-1] if referrals else None


def _without_question(knowledge: Knowledge, heard: Heard, context: Context, other: bool) -> Reply:
    """Small talk, feelings, or "I didn't understand" for a message that asks nothing.

    A thank-you or goodbye that names the care team or a visit ("thanks, I'll ask my GP")
    also says how to take the conversation along.
    """
    reply = _small_talk(knowledge, heard, context, other)
    if heard.care_team and heard.intent in CLOSINGS:
        along = "take_it_along_web" if context.web else "take_it_along"
        if heard.intent == "goodbye":  # the goodbye last
            paragraphs = (knowledge.phrases[along], *reply.answer.paragraphs)
        else:
            paragraphs = (*reply.answer.paragraphs, knowledge.phrases[along])
        kinds = (*reply.answer.kinds, f"chat:{along}")
        return replace(reply, answer=replace(reply.answer, paragraphs=paragraphs, kinds=kinds))
    return reply


def _small_talk(knowledge: Knowledge, heard: Heard, context: Context, other: bool) -> Reply:
    if heard.intent == "thank":  # after an answer, thanks (or the Helpful button) rates it
        if context.after_answer:
            answer = answers.feedback_reply(knowledge, "thank")
            return Reply(answer, feedback="positive", other_person=other)
        return Reply(answers.chat(knowledge, "thanks", "chat:thanks"), other_person=other)
    if heard.intent == "feedback_negative":
        answer = answers.feedback_reply(knowledge, heard.intent)
        return Reply(answer, feedback="negative", other_person=other)
    if heard.intent in SMALL_TALK or (heard.upset and heard.intent in UNSURE):
        phrase = SMALL_TALK.get(heard.intent, "feelings")
        buttons = phrase in {"greet", "help", "feelings"}
        answer = answers.chat(knowledge, phrase, f"chat:{phrase}", buttons=buttons)
        if phrase == "feelings":
            answer = replace(
                answer, paragraphs=(*answer.paragraphs, knowledge.phrases["offer_help"])
            )
        return Reply(answer, other_person=other)
    if heard.intent == "out_of_scope":
        return Reply(answers.menu(knowledge, lead="out_of_scope"), other_person=other)
    if context.after_miss:
        answer = answers.menu(knowledge, lead="out_of_scope")
        return Reply(answer, other_person=other)
    answer = answers.did_you_mean(knowledge, heard.ranking)
    return Reply(answer, other_person=other)


def _with_language(knowledge: Knowledge, answer: Answer, language: str) -> Answer:
    """``answer`` (an alert) opening with the notice in ``language``: a reader can follow."""
    notice = knowledge.languages.notice(language)
    kinds = (*answer.kinds, "language:other")
    if answer.alert is None:
        return replace(answer, paragraphs=(notice, *answer.paragraphs), kinds=kinds)
    alert = replace(answer.alert, paragraphs=(notice, *answer.alert.paragraphs))
    return replace(answer, alert=alert, kinds=kinds)


__all__ = ["Button", "Context", "Heard", "Reply", "plan"]
