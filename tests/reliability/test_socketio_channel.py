"""The socket.io channel through python-socketio's client and the real server: bad input,
and sessions that only the server issues and only their token holder resumes."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
import socketio

from bot import knowledge
from bot.channels import socketio as channel
from bot.channels.payload import RequestError
from bot.safety import default_rules
from harness.servers import BotServers
from tests.reliability.client import REST_PATH, Answer, request

WAIT_SECONDS = 30


PHRASES = knowledge.default().phrases
UNREADABLE, SESSION_ENDED = PHRASES["unreadable"], PHRASES["session_ended"]


def test_check_event_reads_a_message_and_keeps_its_session() -> None:
    """The text is cleaned later, once, by the pipeline (tests/channels/test_inbound.py)."""
    checked = channel.check_event(
        {"message": "hi\x00", "session_id": "tok", "metadata": '{"a": 1}'},
        "metadata",
        session="tok",
    )
    assert (checked.sender, checked.text, checked.metadata) == ("tok", "hi\x00", {"a": 1})


@pytest.mark.parametrize(
    ("data", "session", "error"),
    [
        ("hello", "tok", channel.RequestError),
        (["hello"], "tok", channel.RequestError),
        (None, "tok", channel.RequestError),
        ({"message": 5, "session_id": "tok"}, "tok", channel.RequestError),
        ({"message": "hi", "metadata": "{not json", "session_id": "tok"}, "tok", RequestError),
        ({"message": "hi"}, "tok", channel.RequestError),
        (
            {
                "message": "hi",
                "session_id": "tok",
                "metadata": {"a": json.loads("[" * 40 + "]" * 40)},
            },
            "tok",
            RequestError,
        ),
        ({"message": "hi", "session_id": "a\ud800"}, "tok", channel.UnknownSessionError),
        ({"message": "hi", "session_id": "someone-else"}, "tok", channel.UnknownSessionError),
        ({"message": "hi", "session_id": "tok"}, None, channel.UnknownSessionError),
    ],
)
def test_check_event_refuses_what_rasa_cannot_handle(
    data: Any, session: str | None, error: type
) -> None:
    with pytest.raises(error):
        channel.check_event(data, "metadata", session=session)


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

    async def heard_nothing(self, seconds: float = 3) -> bool:
        """Whether no reply came to this connection in ``seconds``."""
        await asyncio.sleep(seconds)
        return self.replies.empty()


@pytest.fixture
async def chats(bot: BotServers) -> AsyncIterator[Callable[[], Chat]]:
    """A factory of socket.io connections, all closed at the end."""
    opened: list[Chat] = []

    def connect() -> Chat:
        opened.append(Chat(bot.rasa_url))
        return opened[-1]

    try:
        yield connect
    finally:
        for connection in opened:
            await connection.client.disconnect()


@pytest.fixture
def chat(chats: Callable[[], Chat]) -> Chat:
    return chats()


@pytest.mark.e2e
async def test_the_server_issues_the_session_and_it_gets_answers(
    chat: Chat, bot: BotServers
) -> None:
    session = await chat.open(None)
    assert bot.identities.web_conversation(session) == f"web:{session.split('.')[0]}"
    assert "autoimmune" in await chat.send({"message": "what is LEMS", "session_id": session})


@pytest.mark.e2e
async def test_a_new_connection_with_its_token_resumes_the_conversation(
    chats: Callable[[], Chat],
) -> None:
    first = chats()
    session = await first.open(None)
    assert "immune system" in await first.send(
        {"message": "how does it work?", "session_id": session}
    )
    await first.client.disconnect()  # a reload, or the server restarting
    again = chats()
    assert await again.open(session) == session
    assert "IMPDH2" in await again.send({"message": "tell me more", "session_id": session})


@pytest.mark.e2e
async def test_a_known_session_id_cannot_take_over_the_conversation(
    chats: Callable[[], Chat],
) -> None:
    victim = chats()
    session = await victim.open(None)
    assert "immune system" in await victim.send(
        {"message": "how does it work?", "session_id": session}
    )
    session_id = session.split(".")[0]  # as stored: web:<id>, in the database and reports
    attackers = [chats() for _ in range(3)]
    for attacker, claimed in zip(
        attackers, (session_id, f"{session_id}.{'0' * 32}", f"web:{session_id}"), strict=True
    ):
        assert await attacker.open(claimed) not in (session, claimed)
        await attacker.client.emit(
            "user_uttered", {"message": "tell me more", "session_id": session}
        )
        reply = await asyncio.wait_for(attacker.replies.get(), WAIT_SECONDS)
        assert reply["text"] == SESSION_ENDED
    assert "autoimmune" in await victim.send({"message": "what is LEMS", "session_id": session})
    for attacker in attackers:
        assert await attacker.heard_nothing(seconds=1)


@pytest.mark.e2e
async def test_replies_go_only_to_the_connection_that_asked(chats: Callable[[], Chat]) -> None:
    """Even a copied token (a shared computer) does not receive another tab's replies."""
    first, second = chats(), chats()
    session = await first.open(None)
    assert await second.open(session) == session
    assert "autoimmune" in await first.send({"message": "what is LEMS", "session_id": session})
    assert await second.heard_nothing()


@pytest.mark.e2e
async def test_the_widgets_rest_fallback_continues_its_session_even_through_a_proxy(
    chat: Chat, bot: BotServers
) -> None:
    session = await chat.open(None)
    assert "immune system" in await chat.send(
        {"message": "how does it work?", "session_id": session}
    )
    proxied = {"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9"}

    def rest(sender: str) -> Answer:
        body = json.dumps({"sender": sender, "message": "tell me more"}).encode()
        return request(bot.rasa_url + REST_PATH, body, proxied, method="POST")

    answer = rest(session)
    assert answer.status == 200 and "IMPDH2" in answer.texts
    assert rest(session.split(".")[0]).status == 403, "an unsigned id is a plain REST sender"


@pytest.mark.e2e
async def test_replies_carry_their_keys_and_any_alert(chat: Chat) -> None:
    session = await chat.open(None)
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


async def test_a_packet_too_deep_to_decode_is_refused_not_only_logged() -> None:
    refused: list[tuple[str, str]] = []

    async def refusal(eio_sid: str, problem: str) -> None:
        refused.append((eio_sid, problem))

    server = channel.CheckedSocketServer(refusal, async_mode="sanic")
    await server._handle_eio_message("eio-1", "2" + "[" * 100_000 + "]" * 100_000)
    assert refused == [("eio-1", "the packet cannot be read: nested too deeply")]


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
    session = await chat.open(None)
    data = BAD_EVENTS[case]
    if isinstance(data, dict):
        data = {**data, "session_id": session}
    assert await chat.send(data) == UNREADABLE
    assert "autoimmune" in await chat.send({"message": "what is LEMS", "session_id": session})


@pytest.mark.e2e
@pytest.mark.parametrize(
    "session_id",
    [None, "", "a\ud800", "a\x00b", "x" * 300, {"a": 1}, 42, uuid.uuid4().hex],
    ids=repr,
)
async def test_an_unusable_or_unsigned_session_id_is_replaced(
    chat: Chat, bot: BotServers, session_id: Any
) -> None:
    session = await chat.open(session_id)
    assert session != session_id and bot.identities.web_conversation(session)
    assert "autoimmune" in await chat.send({"message": "what is LEMS", "session_id": session})


@pytest.mark.e2e
async def test_a_message_for_a_session_not_opened_here_is_refused(
    chat: Chat, bot: BotServers
) -> None:
    await chat.open(None)
    other = bot.identities.new_session()  # validly signed, but not this connection's
    assert await chat.send({"message": "what is LEMS", "session_id": other}) == SESSION_ENDED
    assert await chat.send({"message": "what is LEMS"}) == UNREADABLE


@pytest.mark.e2e
@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀🙏", "ما هو الميكوفينولات؟", "<script>alert(1)</script>", "x" * 100_000],
    ids=["empty", "whitespace", "emoji", "RTL", "HTML", "100k characters"],
)
async def test_odd_text_gets_a_reply(chat: Chat, text: str) -> None:
    session = await chat.open(None)
    assert (await chat.send({"message": text, "session_id": session})).strip()
    assert "autoimmune" in await chat.send({"message": "what is LEMS", "session_id": session})


# ------------------------------------------------------------ nesting and origins

DEEP = "[" * 990 + "]" * 990  # about 2 KB, deeper than Python's JSON functions recurse


@pytest.mark.e2e
@pytest.mark.parametrize("form", ["a JSON string", "an object"])
async def test_deeply_nested_metadata_gets_a_clear_error(chat: Chat, form: str) -> None:
    session = await chat.open(None)
    metadata: Any = f'{{"a": {DEEP}}}'
    limit = sys.getrecursionlimit()
    try:
        if form == "an object":
            sys.setrecursionlimit(10_000)  # for this client to decode and encode it
            metadata = json.loads(metadata)
        await chat.client.emit(
            "user_uttered", {"message": "hi", "session_id": session, "metadata": metadata}
        )
    finally:
        sys.setrecursionlimit(limit)
    reply = await asyncio.wait_for(chat.replies.get(), WAIT_SECONDS)
    assert reply["text"] == UNREADABLE
    assert "nested" in reply["error"]
    assert "autoimmune" in await chat.send({"message": "what is LEMS", "session_id": session})


def test_an_origin_is_allowed_when_listed_or_the_servers_own() -> None:
    check = channel.is_allowed_origin(["https://hospital.example/"])
    assert check("https://hospital.example", {"HTTP_HOST": "bot.example"})
    assert check("https://bot.example", {"HTTP_HOST": "bot.example"})
    proxied = {"HTTP_HOST": "127.0.0.1:5005", "HTTP_X_FORWARDED_HOST": "bot.example"}
    assert check("https://bot.example", proxied)
    assert not check("https://evil.example", {"HTTP_HOST": "bot.example"})
    assert not check("null", {"HTTP_HOST": "bot.example"})  # a file or sandboxed page
    assert not check("https://evil.example", {})


def origins(bot: BotServers) -> dict[str, str | None]:
    """Origins to try: the allowed demo page, another site, and none (not a browser)."""
    return {
        "allowed": bot.settings.allowed_origins[0],
        "other": "https://evil.example",
        "none": None,
    }


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("origin", "connects"), [("allowed", True), ("other", False), ("none", True)]
)
async def test_only_allowed_origins_connect_by_polling(
    bot: BotServers, origin: str, connects: bool
) -> None:
    value = origins(bot)[origin]
    client = socketio.AsyncClient(reconnection=False)
    headers = {"Origin": value} if value else {}
    try:
        await client.connect(
            bot.rasa_url, headers=headers, socketio_path="/socket.io", transports=["polling"]
        )
    except socketio.exceptions.ConnectionError:
        assert not connects
    else:
        assert connects
    finally:
        await client.disconnect()
    handshake = request(
        bot.rasa_url + "/socket.io/?EIO=4&transport=polling", headers=headers, timeout=30
    )
    assert handshake.status == (200 if connects else 400)
    if not connects:
        assert "not an accepted origin" in handshake.raw


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("origin", "connects"), [("allowed", True), ("other", False), ("none", True)]
)
async def test_only_allowed_origins_connect_by_websocket(
    bot: BotServers, origin: str, connects: bool
) -> None:
    value = origins(bot)[origin]
    url = bot.rasa_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, origin=value, timeout=20) as socket:
                opened = await socket.receive(timeout=20)
        except aiohttp.WSServerHandshakeError as refused:
            assert not connects and refused.status == 400
        else:
            assert connects and str(opened.data).startswith('0{"sid"')
