"""End to end: multi-turn conversations through the REST channel, and what gets stored."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest

from bot import knowledge
from bot.identity import REST, conversation_id
from harness.servers import BotServers, texts

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DISCLAIMER = knowledge.default().disclaimer


def sender() -> str:
    return f"patient-{uuid.uuid4().hex[:8]}"


def stored_slots(bot: BotServers, me: str, slot: str) -> list[object]:
    with sqlite3.connect(bot.settings.tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot' ORDER BY id",
            (conversation_id(REST, me),),
        ).fetchall()
    return [json.loads(d)["value"] for (d,) in rows if json.loads(d)["name"] == slot]


def test_a_follow_up_chain_stays_on_topic(bot: BotServers) -> None:
    me = sender()
    assert "Constipation" in texts(bot.say(me, "what are the side effects?"))
    common = texts(bot.say(me, "is that common?"))
    assert "doesn't say how often each one happens" in common
    assert common.count(DISCLAIMER) == 1
    assert "care team" in texts(bot.say(me, "what should I do about it?"))
    lymphoma = texts(bot.say(me, "and what about lymphoma?"))
    assert "cancer that begins in immune cells" in lymphoma


def test_a_follow_up_without_a_topic_asks_which(bot: BotServers) -> None:
    assert "Which topic" in texts(bot.say(sender(), "is that common?"))


def test_several_questions_get_an_answer_each_and_one_disclaimer(bot: BotServers) -> None:
    answer = texts(bot.say(sender(), "what are the side effects and can I take it while pregnant?"))
    assert "Side effects: " in answer and "Pregnancy: " in answer
    assert "Constipation" in answer and "miscarriage" in answer
    assert answer.count(DISCLAIMER) == 1


def test_a_red_flag_wins_over_several_questions(bot: BotServers) -> None:
    answer = texts(
        bot.say(sender(), "what are the side effects and is it safe in pregnancy? I can't breathe")
    )
    assert answer.startswith("This could be an emergency.")


def test_feedback_is_stored_with_the_conversation(bot: BotServers) -> None:
    me = sender()
    bot.say(me, "does it cause cancer?")
    assert "glad it helped" in texts(bot.say(me, "/thank"))
    bot.say(me, "how does it work?")
    assert "sorry it didn't help" in texts(bot.say(me, "that didn't help"))
    assert stored_slots(bot, me, "feedback") == ["positive", "negative"]
    assert stored_slots(bot, me, "topic") == ["cancer", "how_it_works"]


def test_asking_for_a_person_gets_an_honest_answer(bot: BotServers) -> None:
    answer = texts(bot.say(sender(), "can I talk to a nurse please"))
    assert "no staff behind this chat" in answer
    assert "emergency number" in answer


def test_answers_name_their_source(bot: BotServers) -> None:
    answer = texts(bot.say(sender(), "has it been tested in LEMS?"))
    assert "Source: Lambert-Eaton News, updated July 2019." in answer
