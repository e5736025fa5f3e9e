"""Bad input on the socket.io channel, through python-socketio's client and the real server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import socketio

from bot.channels import socketio as channel
from bot.safety import default_rules
from tests.servers import BotServers

WAIT_SECONDS = 30


def test_check_event_cleans_a_message_and_keeps_its_session() -> None:
    checked = channel.check_event(
        {"message": "hi\x00" + "x" * 5000, "session_id": "abc", "metadata": '{"a": 1}'},
        "metadata",
        session_persistence=True,
        rooms=["sid", "abc"],
    )
    assert checked["message"].startswith("hi ") and len(checked["message"]) == 2000
    assert checked["session_id"] == "abc" and checked["metadata"] == {"a": 1}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("hello", channel.RequestError),
        (["hello"], channel.RequestError),
        (None, channel.RequestError),
        ({"message": 5, "session_id": "abc"}, channel.RequestError),
        ({"message": "hi", "metadata": "{not json", "session_id": "abc"}, channel.RequestError),
        ({"message": "hi"}, channel.RequestError),
        ({"message": "hi", "session_id": "a\ud800"}, channel.RequestError),
        ({"message": "hi", "session_id": "someone-else"}, channel.UnknownSessionError),
    ],
)
def test_check_event_refuses_what_rasa_cannot_handle(data: Any, error: type) -> None:
    with pytest.raises(error):
        channel.check_event(data, "metadata", session_persistence=True, rooms=["sid", "abc"])


@pytest.mark.parametrize("wanted", [None, "", "a\ud800", "x" * 300, {"a": 1}, 42])
def test_an_unusable_session_request_gets_a_new_id(wanted: Any) -> None:
    session = channel.requested_session({"session_id": wanted})
    assert len(session) == 32 and session != wanted


class Chat:
    """One socket.io connection to the bot, collecting what it says."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.confirmed: asyncio.Queue[str] = asyncio.Queue()
        self.client.on("bot_uttered", self.replies.put)
        self.client.on("session_confirm", self.confirmed.put)

    async def open(self, session_id: Any) -> str:
        # polling: python-engineio's websocket client needs a newer aiohttp than Rasa's
        await self.client.connect(
            self.url, socketio_path="/socket.io", transports=["polling"], wait_timeout=20
        )
        await self.client.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.confirmed.get(), WAIT_SECONDS)

    async def send(self, data: Any) -> str:
        """Emit ``data`` as a user message; the text of the first reply."""
        await self.client.emit("user_uttered", data)
        reply = await asyncio.wait_for(self.replies.get(), WAIT_SECONDS)
        await asyncio.sleep(0.5)  # let the rest of this turn's replies arrive
        texts = [str(reply.get("text", ""))]
        while not self.replies.empty():
            texts.append(str(self.replies.get_nowait().get("text", "")))
        return "\n".join(texts)


@pytest.fixture
async def chat(bot: BotServers) -> AsyncIterator[Chat]:
    connection = Chat(bot.rasa_url)
    try:
        yield connection
    finally:
        await connection.client.disconnect()


@pytest.mark.e2e
async def test_a_session_gets_answers(chat: Chat) -> None:
    session = uuid.uuid4().hex
    assert await chat.open(session) == session
    assert "autoimmune" in await chat.send({"message": "what is LEMS", "session_id": session})


@pytest.mark.e2e
async def test_replies_carry_their_keys_and_any_alert(chat: Chat) -> None:
    session = await chat.open(uuid.uuid4().hex)
    message = {"message": "I want to end my life", "session_id": session}
    await chat.client.emit("user_uttered", {**message, "metadata": {"country": "GB"}})
    reply = await asyncio.wait_for(chat.replies.get(), WAIT_SECONDS)
    assert reply["keys"] == ["safety:crisis"]
    alert = reply["alert"]
    assert alert["level"] == "crisis" and alert["text"] == reply["text"]
    gb = default_rules().numbers.countries["GB"]
    assert {n["number"] for n in alert["numbers"]} >= set(gb.emergency)

    await chat.client.emit("user_uttered", {"message": "what is LEMS", "session_id": session})
    routine = await asyncio.wait_for(chat.replies.get(), WAIT_SECONDS)
    assert "autoimmune" in routine["text"] and "alert" not in routine
    assert any(k.startswith("topic:") for k in routine["keys"])
    assert [b["payload"] for b in routine["quick_replies"]][-1] == "/feedback_negative"


class Emits:
    """Stands in for python-socketio's server: records what is emitted."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def emit(self, event: str, data: Any, room: str) -> None:
        self.sent.append(data)


async def test_a_message_without_data_goes_as_rasa_sends_it() -> None:
    sio = Emits()
    output = channel.ReplyDataOutput(sio, "bot_uttered")  # type: ignore[arg-type]
    await output.send_response("s", {"text": "one\n\ntwo", "timestamp": 1.0})
    assert sio.sent == [{"text": "one"}, {"text": "two"}]
    button = {"title": "Yes", "payload": "/thank"}
    await output.send_response("s", {"text": "Ok?", "buttons": [button], "keys": ["k"]})
    quick = {"content_type": "text", **button}
    assert sio.sent[-1] == {"text": "Ok?", "quick_replies": [quick], "keys": ["k"]}


BAD_EVENTS = {
    "a string": "what is LEMS",
    "a list": ["what is LEMS"],
    "a number message": {"message": 5, "session_id": "SESSION"},
    "an object message": {"message": {"text": "hi"}, "session_id": "SESSION"},
    "bad metadata": {"message": "hi", "session_id": "SESSION", "metadata": "{oops"},
}


@pytest.mark.e2e
@pytest.mark.parametrize("case", list(BAD_EVENTS))
async def test_an_unreadable_event_gets_a_kind_reply_and_the_chat_goes_on(
    chat: Chat, case: str
) -> None:
    session = await chat.open(uuid.uuid4().hex)
    data = BAD_EVENTS[case]
    if isinstance(data, dict):
        data = {**data, "session_id": session}
    assert await chat.send(data) == channel.UNREADABLE
    assert "autoimmune" in await chat.send({"message": "what is LEMS", "session_id": session})


@pytest.mark.e2e
@pytest.mark.parametrize("session_id", [None, "", "a\ud800", "a\x00b", "x" * 300], ids=repr)
async def test_an_unusable_session_id_is_replaced(chat: Chat, session_id: Any) -> None:
    session = await chat.open(session_id)
    assert len(session) == 32 and session != session_id
    assert "autoimmune" in await chat.send({"message": "what is LEMS", "session_id": session})


@pytest.mark.e2e
async def test_a_message_for_a_session_not_opened_here_is_refused(chat: Chat) -> None:
    await chat.open(uuid.uuid4().hex)
    other = uuid.uuid4().hex
    assert await chat.send({"message": "what is LEMS", "session_id": other}) == channel.NO_SESSION
    assert await chat.send({"message": "what is LEMS"}) == channel.UNREADABLE


@pytest.mark.e2e
@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀🙏", "ما هو الميكوفينولات؟", "<script>alert(1)</script>", "x" * 100_000],
    ids=["empty", "whitespace", "emoji", "RTL", "HTML", "100k characters"],
)
async def test_odd_text_gets_a_reply(chat: Chat, text: str) -> None:
    session = await chat.open(uuid.uuid4().hex)
    assert (await chat.send({"message": text, "session_id": session})).strip()
    assert "autoimmune" in await chat.send({"message": "what is LEMS", "session_id": session})
