"""bot/channels/facebook.py: X-Hub-Signature-256, events, quick replies; end to end via Rasa."""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import urlencode

import pytest

from bot import knowledge
from bot.channels.base import Choice
from bot.channels.facebook import (
    MessengerOutput,
    is_valid_hub_signature,
    parse_events,
    quick_replies,
    short_title,
)
from harness.servers import BotServers
from tests.channels.platforms import (
    SECRETS,
    Answer,
    FakePlatforms,
    as_json,
    get,
    has_disclaimer,
    hub_signature_256,
    hub_signature_sha1,
    post,
    thanked,
    webhook_url,
)

SECRET = SECRETS["FACEBOOK_SECRET"]
PAGE_ID = "1234567890"
_ids = itertools.count(1)


def messaging(sender: str, **event: Any) -> dict[str, Any]:
    return {
        "sender": {"id": sender},
        "recipient": {"id": PAGE_ID},
        "timestamp": 1_700_000_000_000 + next(_ids),
        **event,
    }


def page_event(*events: dict[str, Any]) -> dict[str, Any]:
    """A webhook payload as Meta posts it for page messages."""
    entry = {"id": PAGE_ID, "time": 1_700_000_000_000, "messaging": list(events)}
    return {"object": "page", "entry": [entry]}


def text_message(sender: str, text: str, **extra: Any) -> dict[str, Any]:
    return messaging(sender, message={"mid": f"m_{next(_ids)}", "text": text, **extra})


# --- unit -------------------------------------------------------------------------------


def test_only_the_sha256_signature_of_the_exact_body_is_valid() -> None:
    body = b'{"object":"page"}'
    assert is_valid_hub_signature(SECRET, body, hub_signature_256(SECRET, body))
    assert not is_valid_hub_signature(SECRET, body + b" ", hub_signature_256(SECRET, body))
    assert not is_valid_hub_signature(SECRET, body, hub_signature_256("other", body))
    assert not is_valid_hub_signature(SECRET, body, hub_signature_sha1(SECRET, body))
    assert not is_valid_hub_signature(SECRET, body, "sha256=")


def test_quick_replies_keep_messengers_limits() -> None:
    assert short_title("Where my facts come from") == "Where my facts come…"
    assert len(short_title("Where my facts come from")) == 20
    assert short_title("Pregnancy") == "Pregnancy"
    replies = quick_replies([Choice(f"Topic number {i} long", f"/t{i}") for i in range(15)])
    assert len(replies) == 13
    assert replies[0] == {"content_type": "text", "title": "Topic number 0 long", "payload": "/t0"}


def test_events_give_texts_payloads_and_media() -> None:
    payload = page_event(
        text_message("P1", "hi"),
        text_message("P1", "Pregnancy", quick_reply={"payload": "/ask_pregnancy"}),
        messaging("P1", postback={"title": "Start", "payload": "hello", "mid": "m_pb"}),
        messaging("P1", message={"mid": "m_img", "attachments": [{"type": "image"}]}),
        text_message("P1", "echo of the page", is_echo=True),
        messaging("P1", delivery={"mids": ["m_1"]}),
    )
    found = [(i.sender, i.text, i.message_id) for i in parse_events(payload)]
    assert found[1:] == [
        ("P1", "/ask_pregnancy", found[1][2]),
        ("P1", "hello", "m_pb"),
        ("P1", None, "m_img"),
    ]
    assert found[0][1] == "hi"


async def test_long_replies_are_split_within_2000_characters(platforms: FakePlatforms) -> None:
    out = MessengerOutput("page-token", f"{platforms.url}/facebook/v21.0")
    text = "\n".join(["Immune cells stop growing. " * 20] * 8 + ["The disclaimer."])
    await out.send_text_with_buttons("unit-fb", text, [{"title": "More", "payload": "/ask_more"}])
    sent = platforms.messages("facebook", "unit-fb")
    assert len(sent) > 1
    assert all(len(s.text) <= 2000 for s in sent)
    assert sent[-1].text.endswith("The disclaimer.")
    assert "quick_replies" in sent[-1].body["message"]
    assert not any("quick_replies" in s.body["message"] for s in sent[:-1])
    assert sent[0].query["access_token"] == ["page-token"]
    assert sent[0].body["messaging_type"] == "RESPONSE"


# --- end to end -------------------------------------------------------------------------

e2e = pytest.mark.e2e


def send(bot: BotServers, payload: dict[str, Any], signature: str | None = None) -> Answer:
    body = as_json(payload)
    headers = {"Content-Type": "application/json"}
    headers["X-Hub-Signature-256"] = (
        hub_signature_256(SECRET, body) if signature is None else signature
    )
    if not headers["X-Hub-Signature-256"]:
        del headers["X-Hub-Signature-256"]
    return post(webhook_url(bot.rasa_url, "facebook"), body, headers)


def settle(bot: BotServers, platforms: FakePlatforms, sender: str) -> None:
    assert send(bot, page_event(text_message(sender, "thank you"))).status == 200
    platforms.wait_for("facebook", sender, thanked)


@e2e
def test_the_verify_token_handshake(channel_bot: BotServers) -> None:
    url = webhook_url(channel_bot.rasa_url, "facebook")
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    ok = get(f"{url}?{urlencode({**query, 'hub.verify_token': SECRETS['FACEBOOK_VERIFY_TOKEN']})}")
    assert (ok.status, ok.text) == (200, "1158201444")
    wrong = get(f"{url}?{urlencode({**query, 'hub.verify_token': 'guess'})}")
    assert wrong.status == 403


@e2e
def test_a_message_gets_the_answer_with_the_disclaimer(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    assert (
        send(channel_bot, page_event(text_message("P301", "Does it raise cancer risk?"))).status
        == 200
    )
    sent = platforms.wait_for("facebook", "P301", has_disclaimer)
    assert "lymphoma" in sent[-1].text
    assert sent[-1].path == "/facebook/v21.0/me/messages"
    assert sent[-1].query["access_token"] == [SECRETS["FACEBOOK_PAGE_ACCESS_TOKEN"]]


@e2e
def test_the_greeting_offers_quick_replies_and_one_answers(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    assert send(channel_bot, page_event(text_message("P302", "hello"))).status == 200
    sent = platforms.wait_for(
        "facebook", "P302", lambda s: any("quick_replies" in x.body["message"] for x in s)
    )
    replies = sent[-1].body["message"]["quick_replies"]
    assert len(replies) == 6
    assert all(len(r["title"]) <= 20 for r in replies)
    assert replies[0]["payload"] == "/ask_how_it_works"
    tap = text_message("P302", replies[2]["title"], quick_reply={"payload": replies[2]["payload"]})
    assert send(channel_bot, page_event(tap)).status == 200
    platforms.wait_for("facebook", "P302", has_disclaimer)


@e2e
def test_a_photo_gets_a_kind_reply(channel_bot: BotServers, platforms: FakePlatforms) -> None:
    photo = messaging(
        "P303",
        message={
            "mid": "m_photo_303",
            "attachments": [{"type": "image", "payload": {"url": "https://x/y.jpg"}}],
        },
    )
    assert send(channel_bot, page_event(photo)).status == 200
    [reply] = platforms.wait_for("facebook", "P303", bool)
    assert reply.text == knowledge.default().phrases["media_only"]


@e2e
@pytest.mark.parametrize(
    ("signature", "status"),
    [
        ("", 401),
        ("sha256=" + "0" * 64, 403),
        ("sha1-only", 403),  # what stock Rasa accepts
    ],
)
def test_unsigned_or_wrongly_signed_events_are_refused(
    channel_bot: BotServers, platforms: FakePlatforms, signature: str, status: int
) -> None:
    sender = f"P304-{signature[:4] or 'none'}"
    payload = page_event(text_message(sender, "What is mycophenolate?"))
    if signature == "sha1-only":
        signature = hub_signature_sha1(SECRET, as_json(payload))
    assert send(channel_bot, payload, signature=signature).status == status
    settle(channel_bot, platforms, sender)
    assert not has_disclaimer(platforms.messages("facebook", sender))


@e2e
def test_a_redelivered_message_is_answered_once(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    payload = page_event(text_message("P305", "Is it safe in pregnancy?"))
    assert send(channel_bot, payload).status == 200
    assert send(channel_bot, json.loads(json.dumps(payload))).status == 200  # same mid again
    settle(channel_bot, platforms, "P305")
    assert sum(has_disclaimer([s]) for s in platforms.messages("facebook", "P305")) == 1


ODD_PAYLOADS = {
    "sender id an object": page_event(
        messaging({"id": "P306"}, message={"mid": "m_odd", "text": "hi"})  # type: ignore[arg-type]
    ),
    "entry a string": {"object": "page", "entry": "P307"},
    "not an object": ["page"],
}


@e2e
@pytest.mark.parametrize("case", [*ODD_PAYLOADS, "deeply nested"])
def test_a_signed_but_oddly_shaped_payload_is_a_400(channel_bot: BotServers, case: str) -> None:
    if case == "deeply nested":
        body = b'{"object": "page", "entry": ' + b"[" * 990 + b"]" * 990 + b"}"
    else:
        body = as_json(ODD_PAYLOADS[case])
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": hub_signature_256(SECRET, body),
    }
    answer = post(webhook_url(channel_bot.rasa_url, "facebook"), body, headers)
    assert answer.status == 400, answer
