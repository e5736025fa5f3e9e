"""Rasa's REST channel with the request checked before Rasa sees it, and its own ids.

Rasa 3.6's own REST channel answers 500 when the body is not a JSON object, puts every
request without ``sender`` into one shared conversation ("default"), answers nothing for
a ``message`` that is not text, keeps messages of any length in the tracker, and a sender
id its SQL store cannot encode (a lone UTF-16 surrogate) stops the
whole server. :class:`SafeRestInput` takes its requests through the channels' one
pipeline (:mod:`bot.channels.inbound`): such requests get 400 and a JSON error, the text
is cleaned and cut, and a failure inside Rasa still gets a kind reply.

It also takes its conversation ids from the client, so on Rasa's channel anyone could
continue (or erase) any conversation whose id they knew, a patient's phone number among
them. Here a ``sender`` names a conversation of the REST channel only (``rest:<sender>``,
see :mod:`bot.identity`), and only for a client on the same machine: a request that came
from elsewhere, or through a proxy, needs ``Authorization: Bearer <REST_TOKEN>``. The one
exception is the web widget falling back to REST: a ``sender`` that is a web session
token this server issued continues that web session, from anywhere.

The sender check is shared with :mod:`bot.channels.socketio`.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import os
from collections.abc import Callable, Coroutine, MutableMapping, Sequence
from typing import Any

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from rasa.core.channels.rest import QueueOutputChannel, RestInput
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.answers import reply_data
from bot.channels import admission
from bot.channels.delivery import OnNewMessage
from bot.channels.inbound import Incoming, WebhookInput
from bot.channels.payload import RequestError, check_metadata
from bot.identity import REST, Identities, conversation_id
from bot.rasa.tracker_store import can_save

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128  # a UUID is 36; platform ids are shorter still
# Largest request body the Rasa server reads (Sanic answers 413 above it). A message is
# cut to 2,000 characters anyway; 1 MB leaves room for any webhook and matches nginx's
# default client_max_body_size and python-engineio's max_http_buffer_size.
REQUEST_MAX_BYTES = 1_000_000
REQUEST_LIMIT_VARIABLE = "SANIC_REQUEST_MAX_SIZE"  # read by Sanic when Rasa creates its app
# a proxy on the same machine adds one of these; its clients are not local
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
STREAM_END = "DONE"  # what Rasa's queue output channel is sent after the last reply


def check_sender(value: Any, field: str = "sender") -> str:
    """``value`` if it is a usable conversation id, else :class:`RequestError`.

    Args:
        value: the id from the request.
        field: its name, for the error message.

    Returns:
        The id, unchanged.

    Raises:
        RequestError: when it is not a string of 1 to 128 printable characters.
    """
    if not isinstance(value, str) or not value:
        raise RequestError(f"'{field}' must be a non-empty string")
    if len(value) > MAX_SENDER_CHARS:
        raise RequestError(f"'{field}' must be at most {MAX_SENDER_CHARS} characters")
    if not value.isprintable():  # control characters, NUL, lone surrogates
        raise RequestError(f"'{field}' must contain only printable characters")
    return value


def check_body(body: Any) -> Incoming:
    """The message in a decoded REST request body, or :class:`RequestError`."""
    if not isinstance(body, dict):
        raise RequestError('the body must be a JSON object: {"sender": "...", "message": "..."}')
    sender = check_sender(body.get("sender"))
    text = body.get("message")
    if not isinstance(text, str):
        raise RequestError("'message' must be a string")
    return Incoming(sender, text, metadata=check_metadata(body.get("metadata")))


def is_local(request: Request) -> bool:
    """Whether ``request`` came straight from this machine (a loopback peer, no proxy)."""
    try:
        peer = ipaddress.ip_address(request.ip)
    except ValueError:
        return False
    return peer.is_loopback and not any(name in request.headers for name in FORWARDING_HEADERS)


def has_token(request: Request, token: str | None) -> bool:
    """Whether ``request`` carries ``Authorization: Bearer <token>`` (never without one)."""
    if not token:
        return False
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        value.strip().encode(), token.encode()
    )


def limit_request_size(env: MutableMapping[str, str] | None = None) -> int:
    """Cap the request body size of the Rasa server started in this process.

    Sanic reads ``SANIC_REQUEST_MAX_SIZE`` when Rasa creates its app, so this must run
    before ``rasa run``. Only the Rasa server's process gets it: the action server
    receives whole trackers and keeps Sanic's default. A value already set wins.

    Args:
        env: the environment to update (``os.environ`` by default).

    Returns:
        The limit in bytes.

    Raises:
        SystemExit: when the variable is set to something other than a positive integer.
    """
    target = os.environ if env is None else env
    raw = target.setdefault(REQUEST_LIMIT_VARIABLE, str(REQUEST_MAX_BYTES)).strip()
    if not raw.isdigit() or int(raw) <= 0:
        raise SystemExit(
            f"{REQUEST_LIMIT_VARIABLE} must be a positive number of bytes, got '{raw}'"
        )
    return int(raw)


class KeyedCollectingOutputChannel(CollectingOutputChannel):
    """Rasa's collecting channel, keeping each answer's data with its message.

    The data are :data:`bot.answers.REPLY_FIELDS`: the outcome keys (``"topic:pregnancy"``,
    ``"safety:emergency"``), which say what the reply does and which the patient-voice
    evaluation grades (see :mod:`bot.evaluation`), the reply's ``parts`` and any emergency
    or crisis ``alert``.
    """

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Collect the message as Rasa does, with its data."""
        data = reply_data(message)
        before = len(self.messages)
        await super().send_response(recipient_id, dict(message))
        for sent in self.messages[before:]:
            sent.update(data)


class AnsweredAs(OutputChannel):
    """Passes replies on addressed to the client's own ``sender``, not ``rest:<sender>``.

    A REST client reads ``recipient_id`` as the ``sender`` it sent, as on Rasa's channel.
    """

    def __init__(self, output: OutputChannel, sender: str) -> None:
        self.output = output
        self.sender = sender

    def name(self) -> str:  # Rasa's is a classmethod: this one asks the output it holds
        """The name of the channel the replies go to."""
        return self.output.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Pass ``message`` on, addressed to :attr:`sender`."""
        await self.output.send_response(self.sender, message)


def answered_as(on_new_message: OnNewMessage, sender: str) -> OnNewMessage:
    """``on_new_message`` whose replies are addressed to ``sender`` (see :class:`AnsweredAs`)."""

    async def handle(message: UserMessage) -> None:
        message.output_channel = AnsweredAs(message.output_channel, sender)
        await on_new_message(message)

    return handle


def streamed(
    handle: OnNewMessage, message: UserMessage, queue: asyncio.Queue[Any]
) -> Callable[[Any], Coroutine[Any, Any, None]]:
    """Rasa's streaming answer: each reply a line of JSON as it comes (``?stream=true``).

    ``message`` sends its replies to ``queue`` (a ``QueueOutputChannel``).
    """

    async def stream(resp: Any) -> None:
        async def run() -> None:
            try:
                await handle(message)
            finally:
                await queue.put(STREAM_END)

        task = asyncio.ensure_future(run())
        while (reply := await queue.get()) != STREAM_END:
            await resp.write(json.dumps(reply) + "\n")
        await task

    return stream


class SafeRestInput(WebhookInput, RestInput):
    """The REST channel (``POST /webhooks/rest/webhook``) with checked requests.

    Requests: a JSON object with ``sender`` (1 to 128 printable characters),
    ``message`` (a string; cut to 2,000 characters) and optionally ``metadata`` (an
    object of at most 4 KB). Anything else, or nested more than 32 levels deep, gets 400
    and ``{"error": "..."}``. The ``input_channel`` a client names is ignored: it is
    always ``rest``. The conversation is ``rest:<sender>``, for local clients and those
    with the token (else 403), or the web session whose token ``sender`` is. The answer
    is the list of replies, or with ``?stream=true`` each reply as a line of JSON.
    ``GET /webhooks/rest/metrics`` shows the message gate's counts to this machine.
    """

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The channel from its credentials (``identity_secret``, optional ``token``)."""
        credentials = credentials or {}
        secret = credentials.get("identity_secret")
        if not secret:
            raise RasaException("The REST channel needs identity_secret (bot/launch/channels.py).")
        return cls(Identities(str(secret)), str(credentials.get("token") or "") or None)

    def __init__(self, identities: Identities, token: str | None = None) -> None:
        super().__init__()
        self.identities = identities
        self.token = token

    def conversation_for(self, request: Request, sender: str) -> str | None:
        """The conversation ``sender`` names for ``request``, or None if it may not."""
        web = self.identities.web_conversation(sender)
        if web is not None:
            return web
        if is_local(request) or has_token(request, self.token):
            return conversation_id(REST, sender)
        return None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The pipeline's routes, and ``GET /metrics`` for this machine only."""
        hooks = super().blueprint(on_new_message)

        @hooks.route("/metrics", methods=["GET"])
        async def metrics(request: Request) -> HTTPResponse:
            return await self.metrics(request)

        return hooks

    async def metrics(self, request: Request) -> HTTPResponse:
        """The message gate's sizes, state and counts (:mod:`.admission`); 403 off loopback."""
        if not is_local(request):
            return response.json({"error": "metrics are for this machine only"}, status=403)
        return response.json({"messages": admission.gate().metrics()})

    async def health(self, request: Request) -> HTTPResponse:
        """Readiness: a model is loaded and conversations can be saved (else 503)."""
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or not agent.is_ready():  # Rasa serves on when the model fails
            return response.json({"status": "no model loaded"}, status=503)
        if not await can_save(agent.tracker_store):
            return response.json({"status": "cannot save conversations"}, status=503)
        return response.json({"status": "ok"})

    def authenticate(self, request: Request) -> HTTPResponse | None:
        """None: who may use a conversation depends on its sender (:meth:`deliver`)."""
        return None

    def parse(self, body: Any, request: Request) -> list[Incoming]:
        """The one message of the request."""
        return [check_body(body)]

    def refuse(self, problem: str) -> HTTPResponse:
        """A 400 with the problem as JSON: ``{"error": "..."}``."""
        return response.json({"error": problem}, status=400)

    async def deliver(
        self, request: Request, found: Sequence[Incoming], handle: OnNewMessage
    ) -> HTTPResponse | ResponseStream:
        """Handle the message and answer with its replies (403 for a sender not allowed)."""
        [incoming] = found
        conversation = self.conversation_for(request, incoming.sender)
        if conversation is None:
            return response.json(
                {"error": "from another machine the REST channel needs its token"}, status=403
            )
        answer = answered_as(handle, incoming.sender)
        if bool_arg(request, "stream", default=False):
            queue: asyncio.Queue[Any] = asyncio.Queue()
            message = self.user_message(incoming, QueueOutputChannel(queue), conversation)
            return response.stream(
                streamed(answer, message, queue), content_type="text/event-stream"
            )
        collector = KeyedCollectingOutputChannel()
        await answer(self.user_message(incoming, collector, conversation))
        return response.json(collector.messages)
