"""Each channel's conversations in its own namespace: issue 14's attacks, through the webhooks.

A REST client used to name any conversation by its id, a text-message patient's phone
number or a Telegram chat id among them, and so read its topic ("tell me more") or erase
it ("forget me"). Here the same requests reach only REST's own conversations.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot import migrate_ids
from bot.identity import REST, conversation_id
from harness.servers import BotServers
from tests.channels.platforms import SECRETS, FakePlatforms, has_disclaimer, thanked
from tests.channels.test_telegram import message
from tests.channels.test_telegram import send as send_telegram
from tests.channels.test_twilio import send as send_sms
from tests.channels.test_twilio import sms
from tests.reliability.client import request, say

pytestmark = pytest.mark.e2e

SCIENCE = "IMPDH2"  # only in the "tell me more" answer about how it works


def stored(db: Path, conversation: str) -> list[str]:
    """The user texts stored for ``conversation``."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (conversation,),
        ).fetchall()
    return [json.loads(data).get("text") for (data,) in rows]


def answers_with(text: str):  # type: ignore[no-untyped-def]
    return lambda sent: any(text in s.text for s in sent)


def test_rest_cannot_read_or_erase_a_text_message_patients_conversation(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    number = "+15551230010"
    patient = channel_bot.identities.hashed("twilio", number)
    db = channel_bot.settings.tracker_db
    assert send_sms(channel_bot, sms(number, "How does mycophenolate work?")).status == 200
    platforms.wait_for("twilio", number, has_disclaimer)
    for sender in (number, patient, "whatsapp:" + number):
        assert SCIENCE not in say(channel_bot.rasa_url, sender, "tell me more").texts
    say(channel_bot.rasa_url, number, "please delete my conversation")
    assert stored(db, patient) == ["How does mycophenolate work?"], "the SMS conversation stays"
    assert stored(db, conversation_id(REST, number)) == [], "REST erased only its own"
    assert send_sms(channel_bot, sms(number, "tell me more")).status == 200
    platforms.wait_for("twilio", number, answers_with(SCIENCE))


def test_rest_cannot_read_a_telegram_chat(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    chat = 4242
    assert send_telegram(channel_bot, message(chat, "How does mycophenolate work?")).status == 200
    platforms.wait_for("telegram", str(chat), has_disclaimer)
    for sender in (str(chat), f"telegram:{chat}"):
        assert SCIENCE not in say(channel_bot.rasa_url, sender, "tell me more").texts
    assert send_telegram(channel_bot, message(chat, "tell me more")).status == 200
    platforms.wait_for("telegram", str(chat), answers_with(SCIENCE))
    assert stored(channel_bot.settings.tracker_db, f"telegram:{chat}")[0].startswith("How does")


def test_phone_numbers_are_not_stored(channel_bot: BotServers, platforms: FakePlatforms) -> None:
    number = "+15551239876"
    assert send_sms(channel_bot, sms(number, "thank you")).status == 200
    platforms.wait_for("twilio", number, thanked)
    with sqlite3.connect(channel_bot.settings.tracker_db) as connection:
        rows = connection.execute("SELECT sender_id, data FROM events").fetchall()
    assert stored(channel_bot.settings.tracker_db, channel_bot.identities.hashed("twilio", number))
    assert not [row for row in rows if "5551239876" in row[0] + row[1]]


def test_the_rest_token_opens_rest_to_a_client_behind_a_proxy(channel_bot: BotServers) -> None:
    url = channel_bot.rasa_url + "/webhooks/rest/webhook"
    body = json.dumps({"sender": "script-1", "message": "what is LEMS"}).encode()
    proxied = {"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9"}
    assert request(url, body, proxied, method="POST").status == 403
    wrong = {**proxied, "Authorization": "Bearer " + "x" * 40}
    assert request(url, body, wrong, method="POST").status == 403
    token = {**proxied, "Authorization": f"Bearer {SECRETS['REST_TOKEN']}"}
    answer = request(url, body, token, method="POST")
    assert answer.status == 200 and "autoimmune" in answer.texts
    assert stored(channel_bot.settings.tracker_db, "rest:script-1") == ["what is LEMS"]


def test_a_conversation_stored_before_the_namespaces_continues_after_migrating(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    chat = 5151
    db = channel_bot.settings.tracker_db
    assert send_telegram(channel_bot, message(chat, "How does mycophenolate work?")).status == 200
    platforms.wait_for("telegram", str(chat), has_disclaimer)
    with sqlite3.connect(db) as connection:  # as an earlier version stored it: the bare chat id
        connection.execute(
            "UPDATE events SET sender_id = ? WHERE sender_id = ?", (str(chat), f"telegram:{chat}")
        )
    assert SCIENCE not in say(channel_bot.rasa_url, str(chat), "tell me more").texts
    migrated = migrate_ids.migrate(f"sqlite:///{db}", channel_bot.identities)
    assert migrated.renamed >= 1
    assert stored(db, str(chat)) == [], "moved into the Telegram namespace"
    assert send_telegram(channel_bot, message(chat, "tell me more")).status == 200
    platforms.wait_for("telegram", str(chat), answers_with(SCIENCE))
