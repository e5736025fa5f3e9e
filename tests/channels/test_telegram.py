"""bot/channels/telegram.py: secret token, updates, inline keyboards; end to end via Rasa."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot import knowledge
from bot.channels.base import Choice
from bot.channels.telegram import (
    TelegramOutput,
    command_text,
    inline_keyboard,
    is_valid_secret_token,
    parse_update,
)
from harness.servers import BotServers
from tests.channels.platforms import (
    SECRETS,
    Answer,
    FakePlatforms,
    Sent,
    as_json,
    has_disclaimer,
    post,
    thanked,
    webhook_url,
)

BOT_NAME = SECRETS["TELEGRAM_BOT_NAME"]
_ids = itertools.count(1000)


def message(chat_id: int, text: str | None = None, **extra: Any) -> dict[str, Any]:
    """An update as Telegram posts it for a private-chat message."""
    msg: dict[str, Any] = {
        "message_id": next(_ids),
        "from": {"id": chat_id, "is_bot": False, "first_name": "Pat", "language_code": "en"},
        "chat": {"id": chat_id, "first_name": "Pat", "type": "private"},
        "date": 1_700_000_000,
        **extra,
    }
    if text is not None:
        msg["text"] = text
    return {"update_id": next(_ids), "message": msg}


def button_press(chat_id: int, data: str) -> dict[str, Any]:
    """An update as Telegram posts it when an inline button is pressed."""
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": f"cb{next(_ids)}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Pat"},
            "message": {
                "message_id": next(_ids),
                "chat": {"id": chat_id, "type": "private"},
                "date": 1_700_000_000,
                "text": "You can ask me in your own words, or pick a topic:",
            },
            "chat_instance": "-123",
            "data": data,
        },
    }


# --- unit -------------------------------------------------------------------------------


def test_the_secret_token_must_match_when_configured() -> None:
    assert is_valid_secret_token("s3cret", "s3cret")
    assert not is_valid_secret_token("s3cret", "other")
    assert not is_valid_secret_token("s3cret", None)
    assert is_valid_secret_token(None, None)


def test_commands_and_mentions_become_words() -> None:
    assert command_text("/start", "LemsBot") == "hello"
    assert command_text("/start@LemsBot", "@LemsBot") == "hello"
    assert command_text("@lemsbot what is mycophenolate?", "LemsBot") == "what is mycophenolate?"
    assert command_text("/ask_pregnancy", "LemsBot") == "/ask_pregnancy"


def test_updates_are_read_for_text_buttons_and_media() -> None:
    text = parse_update(message(7, "hi"), BOT_NAME)
    assert text is not None and (text.sender, text.text, text.press) == ("7", "hi", None)
    photo = parse_update(message(7, photo=[{"file_id": "x"}], caption="Is this a rash?"), "")
    assert photo is not None and photo.text == "Is this a rash?"
    sticker = parse_update(message(7, sticker={"file_id": "x"}), "")
    assert sticker is not None and sticker.text is None
    press = parse_update(button_press(7, "/ask_more"), "")
    assert press is not None and (press.sender, press.text) == ("7", "/ask_more")
    assert press.press
    assert parse_update(message(7, new_chat_members=[{"id": 1}]), "") is None
    assert parse_update({"update_id": 1, "edited_message": message(7, "x")["message"]}, "") is None


def test_buttons_become_an_inline_keyboard_of_payloads() -> None:
    keyboard = inline_keyboard(
        [Choice("How it works", "/ask_how_it_works"), Choice("Too long", "/" + "x" * 64)]
    )
    assert keyboard == {
        "inline_keyboard": [[{"text": "How it works", "callback_data": "/ask_how_it_works"}]]
    }


async def test_long_replies_are_split_within_4096_utf16_units(platforms: FakePlatforms) -> None:
    out = TelegramOutput(SECRETS["TELEGRAM_ACCESS_TOKEN"], f"{platforms.url}/telegram")
    text = "\n".join(["💊 " + "word " * 200] * 10 + ["This is general information."])
    await out.send_text_with_buttons("unit-1", text, [{"title": "More", "payload": "/ask_more"}])
    sent = platforms.messages("telegram", "unit-1")
    assert len(sent) > 1
    assert all(len(s.text.encode("utf-16-le")) // 2 <= 4096 for s in sent)
    assert sent[-1].text.endswith("This is general information.")
    assert [("reply_markup" in s.body) for s in sent] == [False] * (len(sent) - 1) + [True]
    assert sent[0].path == f"/telegram/bot{SECRETS['TELEGRAM_ACCESS_TOKEN']}/sendMessage"


# --- end to end -------------------------------------------------------------------------

e2e = pytest.mark.e2e


def send(bot: BotServers, update: dict[str, Any], secret: str | None = None) -> Answer:
    headers = {"Content-Type": "application/json"}
    token = SECRETS["TELEGRAM_SECRET_TOKEN"] if secret is None else secret
    if token:
        headers["X-Telegram-Bot-Api-Secret-Token"] = token
    return post(webhook_url(bot.rasa_url, "telegram"), as_json(update), headers)


def replies(platforms: FakePlatforms, chat_id: int) -> list[Sent]:
    return platforms.messages("telegram", str(chat_id), "sendMessage")


def settle(bot: BotServers, platforms: FakePlatforms, chat_id: int) -> None:
    """Send "thank you" and wait for its answer: everything sent before has been handled."""
    assert send(bot, message(chat_id, "thank you")).status == 200
    platforms.wait_for("telegram", str(chat_id), thanked)


@e2e
def test_the_webhook_is_registered_with_the_secret_token(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    [call] = [s for s in platforms.sent if s.method == "setWebhook"]
    assert call.body["url"] == SECRETS["TELEGRAM_WEBHOOK_URL"]
    assert call.body["secret_token"] == SECRETS["TELEGRAM_SECRET_TOKEN"]


@e2e
def test_a_question_gets_the_answer_with_the_disclaimer(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    assert send(channel_bot, message(101, "How does mycophenolate work?")).status == 200
    sent = platforms.wait_for("telegram", "101", has_disclaimer)
    answer = replies(platforms, 101)[-1]
    assert "immune system" in answer.text
    assert answer.text.rstrip().endswith("care team about your care.")
    assert answer.body["reply_markup"]["inline_keyboard"] == [
        [{"text": "Tell me more", "callback_data": "/ask_more"}],
        [{"text": "Helpful", "callback_data": "/thank"}],
        [{"text": "Not helpful", "callback_data": "/feedback_negative"}],
    ]
    assert sent[0].path.startswith("/telegram/bot")


@e2e
def test_start_greets_with_a_topic_keyboard_and_a_press_answers(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    assert send(channel_bot, message(102, "/start")).status == 200
    sent = platforms.wait_for("telegram", "102", lambda s: any("reply_markup" in x.body for x in s))
    keyboard = sent[-1].body["reply_markup"]["inline_keyboard"]
    assert len(keyboard) == 6
    assert keyboard[0] == [{"text": "How it works", "callback_data": "/ask_how_it_works"}]
    assert send(channel_bot, button_press(102, "/ask_pregnancy")).status == 200
    platforms.wait_for("telegram", "102", has_disclaimer)
    assert "miscarriage" in replies(platforms, 102)[-1].text
    acks = platforms.messages("telegram", "", "answerCallbackQuery")
    assert acks  # the button's spinner is stopped


@e2e
@pytest.mark.parametrize(("secret", "status"), [("", 401), ("wrong-secret", 403)])
def test_an_update_without_the_secret_token_is_refused(
    channel_bot: BotServers, platforms: FakePlatforms, secret: str, status: int
) -> None:
    chat = 103 if status == 401 else 104
    assert send(channel_bot, message(chat, "How does it work?"), secret=secret).status == status
    settle(channel_bot, platforms, chat)
    assert not has_disclaimer(replies(platforms, chat))


@e2e
def test_a_redelivered_update_is_answered_once(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    update = message(105, "What are the side effects?")
    assert send(channel_bot, update).status == 200
    assert send(channel_bot, update).status == 200  # Telegram retrying the same update_id
    settle(channel_bot, platforms, 105)
    assert sum(has_disclaimer([s]) for s in replies(platforms, 105)) == 1


@e2e
def test_a_photo_without_caption_gets_a_kind_reply(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    assert send(channel_bot, message(106, photo=[{"file_id": "abc", "width": 1}])).status == 200
    [reply] = platforms.wait_for("telegram", "106", bool)
    assert reply.text == knowledge.default().phrases["media_only"]


def deeply_nested(depth: int = 990) -> str:
    """JSON nested ``depth`` levels deep, in about two bytes a level."""
    return "[" * depth + "]" * depth


ODD_UPDATES = {
    "chat not an object": '{"update_id": 1, "message": {"chat": "id", "text": "hi"}}',
    "text not a string": '{"update_id": 1, "message": {"chat": {"id": 7}, "text": ["hi"]}}',
    "button message not an object": '{"update_id": 1, "callback_query": {"message": "x"}}',
    "button chat a number": '{"update_id": 1, "callback_query": {"message": {"chat": 5}}}',
    "update id an object": '{"update_id": {"a": 1}, "message": {"chat": {"id": 7}}}',
    "deeply nested": '{"update_id": 1, "message": ' + deeply_nested() + "}",
}


@e2e
@pytest.mark.parametrize("case", list(ODD_UPDATES))
def test_a_signed_but_oddly_shaped_update_is_a_400(
    channel_bot: BotServers, platforms: FakePlatforms, case: str
) -> None:
    """A 500 would make Telegram send the update again and again."""
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": SECRETS["TELEGRAM_SECRET_TOKEN"],
    }
    body = ODD_UPDATES[case].replace('"update_id": 1', f'"update_id": {next(_ids)}').encode()
    answer = post(webhook_url(channel_bot.rasa_url, "telegram"), body, headers)
    assert answer.status == 400, answer
