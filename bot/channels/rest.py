"""Rasa's REST channel with the request checked before Rasa sees it.

Rasa 3.6's own REST channel answers 500 when the body is not a JSON object, puts every
request without ``sender`` into one shared conversation ("default"), answers nothing for
a ``message`` that is not text, keeps messages of any length in the tracker, and a sender
id its SQL store cannot encode (a lone UTF-16 surrogate) stops the
whole server. :class:`SafeRestInput` answers such requests with 400 and a JSON error,
cleans and cuts the text, and sends a kind reply when handling a message fails.

The checks are shared with :mod:`bot.channels.socketio`.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.answers import reply_data
from bot.limits import truncate_message

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

MAX_SENDER_CHARS = 128  # a UUID is 36; platform ids are shorter still
MAX_METADATA_BYTES = 4096  # metadata is stored with every message: keep it small
# Largest request body the Rasa server reads (Sanic answers 413 above it). A message is
# cut to 2,000 characters anyway; 1 MB leaves room for any webhook and matches nginx's
# default client_max_body_size and python-engineio's max_http_buffer_size.
REQUEST_MAX_BYTES = 1_000_000
REQUEST_LIMIT_VARIABLE = "SANIC_REQUEST_MAX_SIZE"  # read by Sanic when Rasa creates its app

# sent when handling a message failed inside the Rasa server
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."

# C0 control characters except tab, line feed and carriage return, and DEL
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RequestError(ValueError):
    """A request the channel refuses; the message says what is wrong."""


@dataclass(frozen=True)
class CheckedMessage:
    """A message that passed the checks: whose it is, its cleaned text, its metadata."""

    sender: str
    text: str
    metadata: dict[str, Any] | None = None


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


def clean_text(text: str) -> str:
    """``text`` cut to the message limit, control characters and lone surrogates replaced.

    The NLU pipeline and the tracker store fail on them.
    """
    cut = truncate_message(text)
    encodable = cut.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    return _CONTROL.sub(" ", encodable)


def check_metadata(value: Any) -> dict[str, Any] | None:
    """``value`` if it is absent or a small JSON object, else :class:`RequestError`."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RequestError("'metadata' must be a JSON object")
    if len(json.dumps(value)) > MAX_METADATA_BYTES:
        raise RequestError(f"'metadata' must be at most {MAX_METADATA_BYTES} bytes as JSON")
    return value


def check_body(body: Any) -> CheckedMessage:
    """The message in a decoded REST request body, or :class:`RequestError`."""
    if not isinstance(body, dict):
        raise RequestError('the body must be a JSON object: {"sender": "...", "message": "..."}')
    sender = check_sender(body.get("sender"))
    text = body.get("message")
    if not isinstance(text, str):
        raise RequestError("'message' must be a string")
    return CheckedMessage(sender, clean_text(text), check_metadata(body.get("metadata")))


def kind_on_failure(on_new_message: OnNewMessage) -> OnNewMessage:
    """``on_new_message`` that apologises to the patient instead of failing silently.

    Rasa's channels log the exception (with the message text) and send nothing; this
    logs only the error's type and sends :data:`SORRY`.
    """

    async def handle(message: UserMessage) -> None:
        try:
            await on_new_message(message)
        except Exception as error:
            logger.error(
                "Handling a %s message failed (%s); sent an apology.",
                message.input_channel,
                type(error).__name__,
                exc_info=True,
            )
            await message.output_channel.send_text_message(message.sender_id, SORRY)

    return handle


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
    evaluation grades (see :mod:`bot.evaluation`), and any emergency or crisis ``alert``.
    """

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Collect the message as Rasa does, with its data."""
        data = reply_data(message)
        before = len(self.messages)
        await super().send_response(recipient_id, dict(message))
        for sent in self.messages[before:]:
            sent.update(data)


def _error(message: str) -> HTTPResponse:
    return response.json({"error": message}, status=400)


class SafeRestInput(RestInput):
    """The REST channel (``POST /webhooks/rest/webhook``) with checked requests.

    Requests: a JSON object with ``sender`` (1 to 128 printable characters),
    ``message`` (a string; cut to 2,000 characters) and optionally ``metadata`` (an
    object of at most 4 KB). Anything else gets 400 and ``{"error": "..."}``. The
    ``input_channel`` a client names is ignored: it is always ``rest``.
    """

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The channel's routes: ``GET /`` (ready: 200, no model: 503) and ``POST /webhook``."""
        handle = kind_on_failure(on_new_message)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}")

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            # Rasa serves on without a model when the model fails to load: say so
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "no model loaded"}, status=503)
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse | ResponseStream:
            try:
                body = request.json
            except InvalidUsage:
                return _error("the body is not valid JSON")
            try:
                message = check_body(body)
            except RequestError as problem:
                return _error(str(problem))
            if bool_arg(request, "stream", default=False):
                stream = self.stream_response(
                    handle, message.text, message.sender, self.name(), message.metadata
                )
                return response.stream(stream, content_type="text/event-stream")
            collector = KeyedCollectingOutputChannel()
            await handle(
                UserMessage(
                    message.text,
                    collector,
                    message.sender,
                    input_channel=self.name(),
                    metadata=message.metadata,
                )
            )
            return response.json(collector.messages)

        return webhook
