"""Rasa's socket.io channel (the web widget's) with checked events and server-issued sessions.

Rasa 3.6's handlers fail on an event whose data is not an object or whose ``message`` is
not text (the patient gets nothing), keep messages of any length, and let a client choose
any ``session_id``: a second connection asking for a known id joins the session's room
and receives the replies to the first one's questions, and a lone UTF-16 surrogate in an
id stops the whole server through Rasa's SQL tracker store. :class:`SafeSocketIOInput`
replaces the ``session_request`` and message handlers:

- **Sessions are issued by the server** as signed tokens (:mod:`bot.identity`). A
  ``session_request`` that holds a token this server signed resumes that session; any
  other (none, a guessed or copied id, a forged token) gets a new one. The conversation
  is ``web:<id>``.
- **Replies go to the connection that asked**, never to a room: a second connection
  with the same token does not receive them.
- A message must name the session confirmed on its own connection, and its data must be
  an object whose ``message`` is a string (cut to 2,000 characters).

Replies carry their data (outcome keys, an emergency or crisis alert) as the REST
channel's do (:class:`ReplyDataOutput`): Rasa's output sends only the text and buttons.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint
from socketio import AsyncServer

from bot.answers import reply_data
from bot.channels.delivery import OnNewMessage, deliver_after_save
from bot.channels.rest import (
    CheckedMessage,
    RequestError,
    check_metadata,
    clean_text,
)
from bot.identity import Identities

logger = logging.getLogger(__name__)

# sent back when an event cannot be read
UNREADABLE = "Sorry, I couldn't read that message. Please type your question again."
# sent when a message names a session this connection did not open
NO_SESSION = "Sorry, this chat session has ended. Please reload the page to start again."


class UnknownSessionError(RequestError):
    """A message names a session this connection did not open."""


def check_event(data: Any, metadata_key: str, session: str | None) -> CheckedMessage:
    """The message in the data of a message event, or :class:`RequestError`.

    Args:
        data: what the client sent with the event.
        metadata_key: the key that holds the message's metadata.
        session: the session token confirmed on this connection, if any.

    Returns:
        The message, its ``sender`` the session token.

    Raises:
        UnknownSessionError: the message names another session than ``session``.
        RequestError: what else is wrong with ``data``.
    """
    if not isinstance(data, dict):
        raise RequestError("the event data must be an object")
    text = data.get("message", "")
    if not isinstance(text, str):
        raise RequestError("'message' must be a string")
    metadata = data.get(metadata_key)
    if isinstance(metadata, str):  # Rasa accepts metadata as a JSON string too
        try:
            metadata = json.loads(metadata)
        except ValueError:
            raise RequestError(f"'{metadata_key}' is not valid JSON") from None
    metadata = check_metadata(metadata)
    if "session_id" not in data:
        raise RequestError("'session_id' is missing")
    if session is None or data["session_id"] != session:
        raise UnknownSessionError("the session was not confirmed on this connection")
    return CheckedMessage(session, clean_text(text), metadata)


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


class ConnectionOutput(ReplyDataOutput):
    """The output with reply data, sending to one connection instead of a room."""

    def __init__(
        self, sio: AsyncServer, bot_message_evt: str, sid: str, namespace: str | None
    ) -> None:
        super().__init__(sio, bot_message_evt)
        self.sid = sid
        self.namespace = namespace

    async def _send_message(self, socket_id: str, response: Any) -> None:
        """Send to this connection (Rasa passes the conversation id as ``socket_id``)."""
        await self.sio.emit(self.bot_message_evt, response, room=self.sid, namespace=self.namespace)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Send custom JSON to this connection."""
        await self._send_message(recipient_id, json_message)


class SafeSocketIOInput(SocketIOInput):
    """The socket.io channel with checked events and signed sessions.

    Settings as Rasa's ``socketio`` (``session_persistence`` is not read: sessions always
    persist), plus ``identity_secret``. An event that cannot be handled gets a short
    ``bot_uttered`` explaining, and Rasa never sees it.
    """

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The channel from its credentials (see bot/launch/channels.py)."""
        credentials = credentials or {}
        secret = credentials.get("identity_secret")
        if not secret:
            raise RasaException(
                "The socket.io channel needs identity_secret (bot/launch/channels.py)."
            )
        return cls(
            Identities(str(secret)),
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            jwt_key=credentials.get("jwt_key"),
            jwt_method=credentials.get("jwt_method", "HS256"),
            metadata_key=credentials.get("metadata_key", "metadata"),
        )

    def __init__(self, identities: Identities, **settings: Any) -> None:
        """The channel; ``settings`` are those of Rasa's ``SocketIOInput``."""
        super().__init__(**{**settings, "session_persistence": True})
        self.identities = identities

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's socket.io blueprint with the session and message handlers replaced."""
        handle = deliver_after_save(on_new_message)
        webhook = super().blueprint(handle)
        sio = self.sio
        if sio is None:  # set by Rasa's blueprint
            raise RuntimeError("Rasa's socket.io blueprint created no server")
        namespace = self.namespace or "/"
        sessions: dict[str, str] = {}  # connection id -> its confirmed session token

        async def session_request(sid: str, data: Any = None) -> None:
            wanted = data.get("session_id") if isinstance(data, dict) else None
            if isinstance(wanted, str) and self.identities.web_conversation(wanted):
                token = wanted
            else:
                token = self.identities.new_session()
            sessions[sid] = token
            await sio.emit("session_confirm", token, room=sid, namespace=namespace)

        async def user_message(sid: str, data: Any = None) -> None:
            try:
                checked = check_event(data, self.metadata_key or "metadata", sessions.get(sid))
            except UnknownSessionError as problem:
                logger.info("Refused a socket.io message: %s", problem)
                await self._tell(sio, sid, NO_SESSION)
                return
            except RequestError as problem:
                logger.info("Refused a socket.io message: %s", problem)
                await self._tell(sio, sid, UNREADABLE)
                return
            conversation = self.identities.web_conversation(checked.sender)
            output = ConnectionOutput(sio, self.bot_message_evt, sid, namespace)
            await handle(
                UserMessage(
                    checked.text,
                    output,
                    conversation,
                    input_channel=self.name(),
                    metadata=checked.metadata,
                )
            )

        async def disconnect(sid: str) -> None:
            sessions.pop(sid, None)

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, user_message, namespace=self.namespace)
        sio.on("disconnect", disconnect, namespace=self.namespace)
        return webhook

    async def _tell(self, sio: AsyncServer, sid: str, text: str) -> None:
        await sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=self.namespace)
