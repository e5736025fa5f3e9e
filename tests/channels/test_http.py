"""bot/channels/http.py: a POST that reports failure as None instead of raising."""

from __future__ import annotations

from bot.channels.http import post
from harness.servers import free_port
from tests.channels.platforms import FakePlatforms


async def test_a_successful_call_returns_the_json_answer(platforms: FakePlatforms) -> None:
    answer = await post(
        f"{platforms.url}/slack/api/chat.postMessage",
        what="test",
        json_body={"channel": "C-http-test", "text": "hi"},
    )
    assert answer["ok"] is True
    [sent] = platforms.messages("slack", "C-http-test")
    assert sent.text == "hi"


async def test_a_form_body_is_form_encoded(platforms: FakePlatforms) -> None:
    await post(f"{platforms.url}/twilio/x/Messages.json", what="test", form={"To": "+1-http"})
    [sent] = platforms.messages("twilio", "+1-http")
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"


async def test_an_unreachable_api_gives_none() -> None:
    assert await post(f"http://127.0.0.1:{free_port()}/x", what="test", json_body={}) is None


async def test_an_error_status_gives_none(platforms: FakePlatforms) -> None:
    url = f"{platforms.url}/telegram/fail/sendMessage"
    assert await post(url, what="test", json_body={"chat_id": "x"}) is None
