"""The socket.io channel (the web widget's): checked events, server-issued sessions, origins.

Rasa 3.6's socket.io channel fails on an event whose data is not an object or whose
``message`` is not text (the patient gets nothing), keeps messages of any length, lets a
client choose any ``session_id`` (a second connection asking for a known id joins the
session's room and receives the replies to the first one's questions; a lone UTF-16
surrogate in an id stops the whole server through Rasa's SQL tracker store), and accepts
connections from any web page. :class:`SafeSocketIOInput` has its own server and handlers:

- **Origins.** A browser sends the page's ``Origin``; only the allowed ones connect:
  ``CORS_ORIGINS`` (the Rasa server's ``--cors``, :attr:`Settings.allowed_origins`) and
  the server's own host. The check runs on every request of both transports (long
  polling and websocket), the handshake first; another origin gets 400 "... is not an
  accepted origin". A client that sends no ``Origin`` (not a browser) connects.
- **Sessions are issued by the server** as signed tokens (:mod:`bot.identity`). A
  ``session_request`` that holds a token this server signed resumes that session; any
  other (none, a guessed or copied id, a forged token) gets a new one. The conversation
  is ``web:<id>``.
- **Replies go to the connection that asked**, never to a room: a second connection
  with the same token does not receive them.
- **Messages go through the channels' pipeline** (:mod:`bot.channels.inbound`): the data
  must be an object nested at most 32 levels deep whose ``message`` is a string, naming
  the session confirmed on its own connection; the text is cleaned and cut; a failure in
  Rasa still gets a kind reply. An event refused (or a packet too deeply nested to
  decode) is answered with a ``bot_uttered`` of a short text (phrase ``unreadable`` or
  ``session_ended``) and an ``error`` saying what is wrong; Rasa never sees it.

Replies carry their data (outcome keys, an emergency or crisis alert) as the REST
channel's do (:class:`ReplyDataOutput`): Rasa's output sends only the text and buttons.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import engineio
import socketio
from rasa.core.channels.channel import InputChannel, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.answers import reply_data
from bot.channels.delivery import OnNewMessage
from bot.channels.inbound import InboundChannel, Incoming
from bot.channels.payload import RequestError, check_depth, check_metadata, load_json
from bot.channels.wording import SESSION_ENDED, UNREADABLE, phrase
from bot.identity import Identities
from bot.launch.settings import Settings

logger = logging.getLogger(__name__)

Refusal = Callable[[str, str], Awaitable[None]]  # (engine.io connection id, what is wrong)


class UnknownSessionError(RequestError):
    """A message names a session this connection did not open."""


def check_event(data: Any, metadata_key: str, session: str | None) -> Incoming:
    """The message in the data of a message event, or :class:`RequestError`.

    Args:
        data: what the client sent with the event.
        metadata_key: the key that holds the message's metadata.
        session: the session token confirmed on this connection, if any.

    Returns:
        The message, its ``sender`` the session token (its text not yet cleaned).

    Raises:
        UnknownSessionError: the message names another session than ``session``.
        RequestError: what else is wrong with ``data``.
    """
    if not isinstance(data, dict):
        raise RequestError("the event data must be an object")
    check_depth(data, "the event data")
    text = data.get("message", "")
    if not isinstance(text, str):
        raise RequestError("'message' must be a string")
    metadata = data.get(metadata_key)
    if isinstance(metadata, str):  # Rasa accepts metadata as a JSON string too
        metadata = load_json(metadata, f"'{metadata_key}'")
    metadata = check_metadata(metadata, f"'{metadata_key}'")
    if "session_id" not in data:
        raise RequestError("'session_id' is missing")
    if session is None or data["session_id"] != session:
        raise UnknownSessionError("the session was not confirmed on this connection")
    return Incoming(session, text, metadata=metadata)


def is_allowed_origin(allowed: Iterable[str]) -> Callable[[str, dict[str, Any]], bool]:
    """A check of a request's ``Origin``: one of ``allowed``, or this server's own host.

    The host is the request's (``X-Forwarded-Host`` behind a proxy); python-engineio asks
    only about requests that have an ``Origin``.
    """
    origins = frozenset(origin.rstrip("/") for origin in allowed)

    def check(origin: str, environ: dict[str, Any]) -> bool:
        host = environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST") or ""
        own = bool(host) and urlsplit(origin).netloc == host.split(",")[0].strip()
        return origin.rstrip("/") in origins or own

    return check


class OriginCheckedEngine(engineio.AsyncServer):
    """python-engineio's server with its ``Origin`` check on and its CORS headers off.

    The check (``cors_allowed_origins``) runs on every request, handshake and websocket
    upgrade included. Sanic-CORS, set up by Rasa from the same origins (``--cors``), adds
    the CORS headers: a second set would make browsers refuse the answers.
    """

    def _cors_headers(self, environ: dict[str, Any]) -> list[tuple[str, str]]:
        return []


class CheckedSocketServer(socketio.AsyncServer):
    """python-socketio's server on :class:`OriginCheckedEngine`.

    It also answers a packet it cannot decode (nested deeper than Python's JSON decoder
    goes) through ``refusal``, where python-socketio would only log it.
    """

    def __init__(self, refusal: Refusal, **settings: Any) -> None:
        super().__init__(**settings)
        self.refusal = refusal

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return OriginCheckedEngine

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except (RecursionError, ValueError) as error:  # raised by the packet's decoding
            problem = "nested too deeply" if isinstance(error, RecursionError) else str(error)
            await self.refusal(eio_sid, f"the packet cannot be read: {problem}")


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
        self, sio: socketio.AsyncServer, bot_message_evt: str, sid: str, namespace: str | None
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


class SafeSocketIOInput(InboundChannel, SocketIOInput):
    """The socket.io channel with checked origins and events, and signed sessions.

    Settings as Rasa's ``socketio`` (``session_persistence`` is not read: sessions always
    persist), plus ``identity_secret``; the allowed origins are the Rasa server's CORS
    origins.
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
            Settings.from_env().allowed_origins,
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            jwt_key=credentials.get("jwt_key"),
            jwt_method=credentials.get("jwt_method", "HS256"),
            metadata_key=credentials.get("metadata_key", "metadata"),
        )

    def __init__(
        self, identities: Identities, allowed_origins: Iterable[str], **settings: Any
    ) -> None:
        """The channel; ``settings`` are those of Rasa's ``SocketIOInput``."""
        super().__init__(**{**settings, "session_persistence": True})
        self.identities = identities
        self.allowed_origins = tuple(allowed_origins)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The socket.io server and its handlers, at ``socketio_path``."""
        handle = self.handler(on_new_message)
        namespace = self.namespace or "/"
        sessions: dict[str, str] = {}  # connection id -> its confirmed session token

        async def refuse_packet(eio_sid: str, problem: str) -> None:
            sid = sio.manager.sid_from_eio_sid(eio_sid, namespace)
            logger.info("Refused a socket.io packet: %s", problem)
            if sid is not None:
                await self._tell(sio, sid, phrase(UNREADABLE), problem)

        sio = CheckedSocketServer(
            refuse_packet,
            async_mode="sanic",
            cors_allowed_origins=is_allowed_origin(self.allowed_origins),
        )
        self.sio = sio  # Rasa's get_output_channel reads it
        hooks = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)

        @hooks.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(token) and bool(
                decode_bearer_token(token, self.jwt_key, self.jwt_algorithm or "HS256")
            )

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
                incoming = check_event(data, self.metadata_key or "metadata", sessions.get(sid))
            except RequestError as problem:
                logger.info("Refused a socket.io message: %s", problem)
                ended = isinstance(problem, UnknownSessionError)
                await self._tell(sio, sid, phrase(SESSION_ENDED if ended else UNREADABLE), problem)
                return
            output = ConnectionOutput(sio, self.bot_message_evt, sid, namespace)
            conversation = self.identities.web_conversation(incoming.sender)
            await self.answer(incoming, output, handle, conversation)

        async def disconnect(sid: str) -> None:
            sessions.pop(sid, None)

        sio.on("connect", connect, namespace=self.namespace)
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, user_message, namespace=self.namespace)
        sio.on("disconnect", disconnect, namespace=self.namespace)
        return hooks

    async def _tell(self, sio: socketio.AsyncServer, sid: str, text: str, problem: Any) -> None:
        refusal = {"text": text, "error": str(problem)}
        await sio.emit(self.bot_message_evt, refusal, room=sid, namespace=self.namespace)
