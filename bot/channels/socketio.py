"""Rasa's socket.io channel (the web widget's) with checked events.

Rasa 3.6's handlers fail on an event whose data is not an object or whose ``message`` is
not text (the patient gets nothing), keep messages of any length, let a client choose any
``session_id`` (a lone UTF-16 surrogate in it stops the whole server through Rasa's SQL
tracker store) and let it send messages into any session, and never join the session's
room with python-socketio 5.10 and later, where ``AsyncServer.enter_room`` became a
coroutine that Rasa does not await (RasaHQ/rasa#13027). :class:`SafeSocketIOInput`
replaces the ``session_request`` and message handlers with checked ones that reuse
Rasa's own, and joins the room with either python-socketio. Its replies carry their data
(outcome keys, an emergency or crisis alert) as the REST channel's do
(:class:`ReplyDataOutput`): Rasa's output sends only the text and the buttons.
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import AsyncServer

from bot.answers import reply_data
from bot.channels.rest import (
    OnNewMessage,
    RequestError,
    check_metadata,
    check_sender,
    clean_text,
    kind_on_failure,
)

logger = logging.getLogger(__name__)

# sent back when an event cannot be read
UNREADABLE = "Sorry, I couldn't read that message. Please type your question again."
# sent when a message names a session this connection did not open
NO_SESSION = "Sorry, this chat session has ended. Please reload the page to start again."


class UnknownSessionError(RequestError):
    """A message names a session this connection did not open."""


def check_event(
    data: Any, metadata_key: str, session_persistence: bool, rooms: list[str]
) -> dict[str, Any]:
    """The data of a message event, cleaned, or :class:`RequestError`.

    Args:
        data: what the client sent with the event.
        metadata_key: the key that holds the message's metadata.
        session_persistence: whether messages name their session (``session_id``).
        rooms: the rooms this connection is in (its confirmed sessions).

    Returns:
        Data for Rasa's handler: ``message``, ``session_id`` and the metadata if any.

    Raises:
        UnknownSessionError: the message names a session not in ``rooms``.
        RequestError: what else is wrong with ``data``.
    """
    if not isinstance(data, dict):
        raise RequestError("the event data must be an object")
    text = data.get("message", "")
    if not isinstance(text, str):
        raise RequestError("'message' must be a string")
    checked: dict[str, Any] = {"message": clean_text(text)}
    metadata = data.get(metadata_key)
    if isinstance(metadata, str):  # Rasa accepts metadata as a JSON string too
        try:
            metadata = json.loads(metadata)
        except ValueError:
            raise RequestError(f"'{metadata_key}' is not valid JSON") from None
    metadata = check_metadata(metadata)
    if metadata is not None:
        checked[metadata_key] = metadata
    if session_persistence:
        session_id = check_sender(data.get("session_id"), "session_id")
        if session_id not in rooms:
            raise UnknownSessionError("the session was not requested on this connection")
        checked["session_id"] = session_id
    return checked


def requested_session(data: Any) -> str:
    """The session a ``session_request`` asks for, or a new id if it names none usable."""
    wanted = data.get("session_id") if isinstance(data, dict) else None
    try:
        return check_sender(wanted, "session_id")
    except RequestError:
        return uuid.uuid4().hex


class ReplyDataOutput(SocketIOOutput):
    """Rasa's socket.io output, sending a reply's data (``REPLY_FIELDS``) in its message.

    A reply that has data is sent as one ``bot_uttered`` with its text, its buttons as
    ``quick_replies`` (as Rasa sends them) and the data; the bot's replies are one message
    each (``bot.answers`` keeps blank lines, where Rasa would split, out of them). Anything
    else goes as Rasa sends it.
    """

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send ``message``, with its data when it has any."""
        data = reply_data(message)
        text = message.get("text")
        if not data or not isinstance(text, str):
            await super().send_response(recipient_id, message)
            return
        buttons = message.get("buttons") or []
        quick_replies = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons
        ]
        await self._send_message(
            recipient_id, {"text": text, "quick_replies": quick_replies, **data}
        )


def with_reply_data(on_new_message: OnNewMessage) -> OnNewMessage:
    """``on_new_message`` whose replies go out through :class:`ReplyDataOutput`.

    Only Rasa's own output (which Rasa's message handler creates) is replaced: a subclass
    may send differently, and should extend :class:`ReplyDataOutput` instead.
    """

    async def handle(message: UserMessage) -> None:
        output = message.output_channel
        if type(output) is SocketIOOutput:
            message.output_channel = ReplyDataOutput(output.sio, output.bot_message_evt)
        await on_new_message(message)

    return handle


class SafeSocketIOInput(SocketIOInput):
    """The socket.io channel with checked events (settings as Rasa's ``socketio``).

    A message event must be an object whose ``message`` is a string (cut to 2,000
    characters); with ``session_persistence`` its ``session_id`` must be one this
    connection asked for with ``session_request``. Otherwise the client gets a short
    ``bot_uttered`` explaining, and Rasa never sees the event.
    """

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's socket.io blueprint with the two handlers replaced."""
        webhook = super().blueprint(kind_on_failure(with_reply_data(on_new_message)))
        sio = self.sio
        if sio is None:  # set by Rasa's blueprint
            raise RuntimeError("Rasa's socket.io blueprint created no server")
        namespace = self.namespace or "/"
        deliver = sio.handlers[namespace][self.user_message_evt]  # Rasa's own handler

        async def session_request(sid: str, data: Any = None) -> None:
            session_id = requested_session(data)
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=namespace)
                if inspect.isawaitable(joined):  # a coroutine from python-socketio 5.10 on
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        async def user_message(sid: str, data: Any = None) -> None:
            try:
                checked = check_event(
                    data, self.metadata_key or "metadata", self.session_persistence, rooms(sid)
                )
            except UnknownSessionError as problem:
                logger.info("Refused a socket.io message: %s", problem)
                await self._tell(sio, sid, NO_SESSION)
                return
            except RequestError as problem:
                logger.info("Refused a socket.io message: %s", problem)
                await self._tell(sio, sid, UNREADABLE)
                return
            await deliver(sid, checked)

        def rooms(sid: str) -> list[str]:
            return list(sio.rooms(sid, namespace=namespace))

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, user_message, namespace=self.namespace)
        return webhook

    async def _tell(self, sio: AsyncServer, sid: str, text: str) -> None:
        await sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=self.namespace)
