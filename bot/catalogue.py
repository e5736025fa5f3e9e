"""Every answer the bot can give, named by the path that gives it.

One list, used by the disclaimer and no-copy tests, the reading-grade test and
``make bench``. Built from the fact set the way the planner builds its replies.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import answers
from bot.answers import Answer
from bot.channels.wording import CHANNEL_PHRASES
from bot.knowledge import Knowledge
from bot.person import for_other_person
from bot.planner import SMALL_TALK
from bot.safety import Alarm, SafetyRules


@dataclass(frozen=True)
class Entry:
    """One answer and the path that gives it."""

    name: str
    answer: Answer


def medical_answers(knowledge: Knowledge, rules: SafetyRules) -> list[Entry]:
    """Every medical answer, on every path."""
    found = [Entry(f"topic: {t}", answers.topic_answer(knowledge, t)) for t in knowledge.topics]
    found += [
        Entry(f"{intent}: {t}", answers.follow_up_answer(knowledge, t, intent))
        for t in (*knowledge.topics, *(answers.REFERRAL + r for r in knowledge.referrals))
        for intent in answers.FOLLOW_UPS
    ]
    found += [
        Entry(f"side effect: {s}", answers.side_effect_answer(knowledge, [s]))
        for s in knowledge.symptoms
    ]
    found += [
        Entry(f"side effect term: {t}", answers.side_effect_answer(knowledge, [t]))
        for t in knowledge.topic_terms
    ]
    found += [Entry("side effect: not recognised", answers.side_effect_answer(knowledge, []))]
    found += [
        Entry(f"referral: {r}", answers.referral_answer(knowledge, r)) for r in knowledge.referrals
    ]
    found += [
        Entry(
            "several: side effects, pregnancy, doses",
            answers.several_answer(knowledge, ["ask_side_effects", "ask_pregnancy", "ask_dosage"]),
        )
    ]
    found += [
        Entry(f"for someone else: {e.name}", for_other_person(e.answer))
        for e in list(found)
        if e.name.startswith(("topic: ", "referral: "))
    ]
    alarm_sets = {
        "safety: emergency": {Alarm.EMERGENCY},
        "safety: crisis": {Alarm.CRISIS},
        "safety: emergency + crisis": set(Alarm),
    }
    found += [
        Entry(name, answers.safety_answer(knowledge, rules, a)) for name, a in alarm_sets.items()
    ]
    found += [
        Entry(f"{name}, for someone else", answers.safety_answer(knowledge, rules, a, True))
        for name, a in alarm_sets.items()
    ]
    found += [
        Entry(f"likely {name}", answers.safety_answer(knowledge, rules, a, likely=True))
        for name, a in alarm_sets.items()
    ]
    return found + local_safety_answers(knowledge, rules)


def local_safety_answers(knowledge: Knowledge, rules: SafetyRules) -> list[Entry]:
    """The safety answers with each country's numbers (those above: country unknown).

    Both messages at once, for the patient and for someone else, and swallowed tablets
    where the country has a poison centre.
    """
    poison = sorted(rules.poison_groups)[:1]
    found = []
    for code, country in rules.numbers.countries.items():
        for other, whom in ((False, ""), (True, ", for someone else")):
            both = answers.safety_answer(knowledge, rules, set(Alarm), other, country=code)
            found.append(Entry(f"safety: emergency + crisis{whom} [{code}]", both))
            if country.poison is not None:
                swallowed = answers.safety_answer(
                    knowledge, rules, {Alarm.EMERGENCY}, other, country=code, groups=poison
                )
                found.append(Entry(f"safety: tablets swallowed{whom} [{code}]", swallowed))
    return found


def other_answers(knowledge: Knowledge) -> list[Entry]:
    """The replies that state no medical facts (menus, small talk, notices)."""
    found = [
        Entry("menu", answers.menu(knowledge)),
        Entry("menu: out of scope", answers.menu(knowledge, "out_of_scope")),
        Entry("menu: not understood", answers.menu(knowledge, "not_understood")),
        Entry("which topic", answers.follow_up_answer(knowledge, None, "ask_more")),
        Entry("did you mean", answers.did_you_mean(knowledge, ["ask_pregnancy"])),
        Entry("did you mean: delete", answers.confirm_forget(knowledge)),
        Entry("feedback: negative", answers.feedback_reply(knowledge, "feedback_negative")),
        Entry("forgotten", Answer((knowledge.phrases["forgotten"],))),
        Entry("action server unavailable", Answer((knowledge.phrases["action_unavailable"],))),
        Entry("not saved", Answer((knowledge.phrases["not_saved"],))),
        Entry("not forgotten", Answer((knowledge.phrases["not_forgotten"],))),
        *(Entry(f"channel: {key}", Answer((knowledge.phrases[key],))) for key in CHANNEL_PHRASES),
        Entry("another language (English notice)", Answer((knowledge.languages.english,))),
        *(
            Entry(f"closing: {key}", Answer((knowledge.phrases[key],)))
            for key in ("take_it_along_web", "take_it_along")
        ),
    ]
    found += [
        Entry(f"chat: {phrase}", answers.chat(knowledge, phrase, f"chat:{phrase}"))
        for phrase in dict.fromkeys(SMALL_TALK.values())
        if phrase in knowledge.phrases
    ]
    return found


def every_answer(knowledge: Knowledge, rules: SafetyRules) -> list[Entry]:
    """Every answer the bot can give in English."""
    return [*medical_answers(knowledge, rules), *other_answers(knowledge)]
