"""bot/channels/slack.py: signing secret, events, blocks; end to end via Rasa."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import pytest

from bot.channels.base import Choice
from bot.channels.parts import plain
from bot.channels.slack import (
    MAX_BLOCK_CHARS,
    is_valid_slack_request,
    parse_event,
    parse_interaction,
    plain_text,
    slack_messages,
)
from harness.servers import BotServers
from tests.channels.platforms import (
    SECRETS,
    Answer,
    FakePlatforms,
    as_form,
    as_json,
    has_disclaimer,
    post,
    slack_headers,
    thanked,
    webhook_url,
)

SECRET = SECRETS["SLACK_SIGNING_SECRET"]
_ids = itertools.count(1)


def dm_event(user: str, channel: str, text: str) -> dict[str, Any]:
    """An Events API envelope for a direct message, as Slack posts it."""
    n = next(_ids)
    return {
        "token": "deprecated-verification-token",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "event": {
            "type": "message",
            "channel_type": "im",
            "user": user,
            "text": text,
            "ts": f"1700000000.{n:06d}",
            "channel": channel,
            "event_ts": f"1700000000.{n:06d}",
            "client_msg_id": f"msg-{n}",
        },
        "type": "event_callback",
        "event_id": f"Ev{n:08d}",
        "event_time": 1_700_000_000,
        "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
    }


def button_click(user: str, channel: str, value: str) -> dict[str, Any]:
    """A ``block_actions`` payload, as Slack posts it (form field ``payload``)."""
    n = next(_ids)
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "pat", "team_id": "T0001"},
        "api_app_id": "A0001",
        "container": {"type": "message", "channel_id": channel, "message_ts": "1.1"},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "ts": "1700000000.000001", "text": "pick"},
        "actions": [
            {
                "type": "button",
                "action_id": "choice_0",
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "Pregnancy"},
                "value": value,
                "action_ts": f"1700000001.{n:06d}",
            }
        ],
    }


# --- unit -------------------------------------------------------------------------------


def test_a_signature_is_valid_only_for_its_body_secret_and_time() -> None:
    body = b'{"type":"event_callback"}'
    now = time.time()
    h = slack_headers(SECRET, body, int(now))
    ts, sig = h["X-Slack-Request-Timestamp"], h["X-Slack-Signature"]
    assert is_valid_slack_request(SECRET, ts, sig, body, now)
    assert not is_valid_slack_request(SECRET, ts, sig, body + b" ", now)
    assert not is_valid_slack_request("other-secret", ts, sig, body, now)
    assert not is_valid_slack_request(SECRET, ts, sig, body, now + 5 * 60 + 1)  # a replay
    assert is_valid_slack_request(SECRET, ts, sig, body, now + 5 * 60 - 1)
    assert not is_valid_slack_request(SECRET, "not-a-time", sig, body, now)


def test_text_loses_mentions_and_slack_markup() -> None:
    assert plain_text("<@UBOT> is it safe &amp; <https://x.org|this> &lt;3") == (
        "is it safe & this <3"
    )


def test_only_direct_messages_and_mentions_are_answered() -> None:
    dm = parse_event(dm_event("U1", "D1", "hi"))
    assert dm is not None and (dm.sender, dm.chat, dm.text, dm.thread) == (
        "U1",
        "D1",
        "hi",
        None,
    )
    mention = dm_event("U1", "C1", "<@UBOT> hi")
    mention["event"].update(type="app_mention", channel_type=None)
    found = parse_event(mention)
    assert found is not None and found.thread == mention["event"]["ts"]  # answers in thread
    for change in ({"bot_id": "B1"}, {"subtype": "message_changed"}, {"channel_type": "channel"}):
        event = dm_event("U1", "D1", "hi")
        event["event"].update(change)
        assert parse_event(event) is None


def test_a_button_click_sends_its_value() -> None:
    found = parse_interaction(button_click("U1", "D1", "/ask_pregnancy"))
    assert found is not None and (found.sender, found.chat, found.text) == (
        "U1",
        "D1",
        "/ask_pregnancy",
    )


def test_long_replies_become_blocks_within_slacks_limits() -> None:
    text = "\n".join(["A sentence about immune cells. " * 20] * 60 + ["The disclaimer."])
    messages = slack_messages(plain(text), [Choice(f"Topic {i}", f"/t{i}") for i in range(30)])
    assert len(messages) == 2  # over 40000 characters
    sections = [b for m in messages for b in m["blocks"] if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= MAX_BLOCK_CHARS for b in sections)
    assert all(
        sum(len(b["text"]["text"]) for b in m["blocks"] if "text" in b) <= 40000 for m in messages
    )
    assert sections[-1]["text"]["text"].endswith("The disclaimer.")
    actions = [b for b in messages[-1]["blocks"] if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 5]
    assert actions[0]["elements"][0]["value"] == "/t0"
    assert not any(b["type"] == "actions" for b in messages[0]["blocks"])


# --- end to end -------------------------------------------------------------------------

e2e = pytest.mark.e2e


def send(bot: BotServers, payload: dict[str, Any], **headers: str) -> Answer:
    body = as_json(payload)
    signed = {"Content-Type": "application/json", **slack_headers(SECRET, body), **headers}
    return post(webhook_url(bot.rasa_url, "slack"), body, signed)


def click(bot: BotServers, payload: dict[str, Any]) -> Answer:
    body = as_form({"payload": json.dumps(payload)})
    headers = {"Content-Type": "application/x-www-form-urlencoded", **slack_headers(SECRET, body)}
    return post(webhook_url(bot.rasa_url, "slack"), body, headers)


def settle(bot: BotServers, platforms: FakePlatforms, user: str, channel: str) -> None:
    assert send(bot, dm_event(user, channel, "thank you")).status == 200
    platforms.wait_for("slack", channel, thanked)


@e2e
def test_the_url_verification_challenge_is_answered(channel_bot: BotServers) -> None:
    challenge = {
        "token": "t",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    answer = send(channel_bot, challenge)
    assert answer.status == 200
    assert json.loads(answer.text) == {"challenge": challenge["challenge"]}


@e2e
def test_a_direct_message_gets_the_answer_with_the_disclaimer(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    assert send(channel_bot, dm_event("U201", "D201", "Can I take it when pregnant?")).status == 200
    sent = platforms.wait_for("slack", "D201", has_disclaimer)
    assert "miscarriage" in sent[-1].text
    assert sent[-1].headers["Authorization"] == f"Bearer {SECRETS['SLACK_TOKEN']}"
    assert sent[-1].method == "chat.postMessage"


@e2e
def test_the_greeting_offers_buttons_and_a_click_answers(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    assert send(channel_bot, dm_event("U202", "D202", "hello")).status == 200
    sent = platforms.wait_for(
        "slack", "D202", lambda s: any(b["type"] == "actions" for x in s for b in x.body["blocks"])
    )
    [actions] = [b for b in sent[-1].body["blocks"] if b["type"] == "actions"]
    assert [e["value"] for e in actions["elements"]][:2] == [
        "/ask_how_it_works",
        "/ask_side_effects",
    ]
    assert click(channel_bot, button_click("U202", "D202", "/ask_pregnancy")).status == 200
    platforms.wait_for("slack", "D202", has_disclaimer)


@e2e
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""}, 401),
        ({"X-Slack-Signature": "v0=" + "0" * 64}, 403),
        (slack_headers(SECRET, b"{}", int(time.time()) - 10 * 60), 403),  # stale and wrong body
    ],
)
def test_unsigned_or_wrongly_signed_requests_are_refused(
    channel_bot: BotServers, platforms: FakePlatforms, headers: dict[str, str], status: int
) -> None:
    channel = f"D203-{status}-{len(headers)}"
    assert send(channel_bot, dm_event("U203", channel, "What is it?"), **headers).status == status
    settle(channel_bot, platforms, "U203", channel)
    assert not has_disclaimer(platforms.messages("slack", channel))


@e2e
def test_an_old_but_correctly_signed_request_is_refused(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    body = as_json(dm_event("U204", "D204", "What is it?"))
    headers = {
        "Content-Type": "application/json",
        **slack_headers(SECRET, body, int(time.time()) - 600),
    }
    assert post(webhook_url(channel_bot.rasa_url, "slack"), body, headers).status == 403


@e2e
def test_slack_retries_are_acknowledged_without_a_second_answer(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    event = dm_event("U205", "D205", "What are the side effects?")
    assert send(channel_bot, event).status == 200
    retry = send(
        channel_bot, event, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert retry.status == 200
    again = send(channel_bot, event)  # the same event_id delivered again, without retry headers
    assert again.status == 200
    settle(channel_bot, platforms, "U205", "D205")
    assert sum(has_disclaimer([s]) for s in platforms.messages("slack", "D205")) == 1


def deeply_nested(depth: int = 990) -> str:
    return "[" * depth + "]" * depth


def odd_envelopes() -> dict[str, bytes]:
    event = dm_event("U206", "D206", "hi")
    user_object = json.loads(json.dumps(event))
    user_object["event"]["user"] = {"id": "U206"}
    return {
        "event id a list": as_json({**event, "event_id": ["Ev1"]}),
        "user an object": as_json(user_object),
        "event a string": as_json({**event, "event": "message"}),
        "deeply nested": b'{"type": "event_callback", "event": ' + deeply_nested().encode() + b"}",
    }


@e2e
@pytest.mark.parametrize("case", list(odd_envelopes()))
def test_a_signed_but_oddly_shaped_request_is_a_400(channel_bot: BotServers, case: str) -> None:
    body = odd_envelopes()[case]
    headers = {"Content-Type": "application/json", **slack_headers(SECRET, body)}
    answer = post(webhook_url(channel_bot.rasa_url, "slack"), body, headers)
    assert answer.status == 400, answer


@e2e
def test_a_signed_but_oddly_shaped_button_click_is_a_400(channel_bot: BotServers) -> None:
    payload = button_click("U207", "D207", "/ask_pregnancy")
    payload["actions"][0]["value"] = {"not": "text"}
    body = as_form({"payload": json.dumps(payload)})
    headers = {"Content-Type": "application/x-www-form-urlencoded", **slack_headers(SECRET, body)}
    assert post(webhook_url(channel_bot.rasa_url, "slack"), body, headers).status == 400
