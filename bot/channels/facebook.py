"""Facebook Messenger: page webhook events in, the Send API out.

Every POST must carry ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app
secret); anything else is refused with 401/403 before it is read. ``GET /webhook`` answers
Meta's verify-token handshake. Buttons become quick replies (at most 13, titles of at most
20 characters).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import Choice, SplittingOutput
from bot.channels.delivery import OnNewMessage
from bot.channels.http import post
from bot.channels.inbound import Found, Incoming, WebhookInput
from bot.channels.parts import Kind, Style
from bot.channels.payload import (
    an_object,
    optional_id,
    optional_list,
    optional_object,
    optional_text,
)

logger = logging.getLogger(__name__)

API_URL = "https://graph.facebook.com/v21.0"
MAX_CHARS = 2000
MAX_QUICK_REPLIES = 13
MAX_TITLE_CHARS = 20
MAX_PAYLOAD_CHARS = 1000
SIGNATURE_HEADER = "X-Hub-Signature-256"


def hub_signature(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_valid_hub_signature(secret: str, body: bytes, header: str) -> bool:
    """Whether ``header`` is the SHA-256 signature of ``body`` (constant-time compare)."""
    return hmac.compare_digest(hub_signature(secret, body).encode(), header.strip().encode())


def short_title(title: str) -> str:
    """``title`` cut to Messenger's 20 characters for a quick reply."""
    if len(title) <= MAX_TITLE_CHARS:
        return title
    return title[: MAX_TITLE_CHARS - 1].rstrip() + "…"


def quick_replies(buttons: Sequence[Choice]) -> list[dict[str, str]]:
    """Buttons as Messenger text quick replies (the first 13)."""
    if len(buttons) > MAX_QUICK_REPLIES:
        logger.warning("Messenger: only the first %d buttons are shown", MAX_QUICK_REPLIES)
    return [
        {
            "content_type": "text",
            "title": short_title(b.title),
            "payload": b.payload[:MAX_PAYLOAD_CHARS],
        }
        for b in buttons[:MAX_QUICK_REPLIES]
    ]


def _incoming(event: Any) -> Incoming | None:
    event = an_object(event, "a messaging event")
    sender = optional_id(optional_object(event.get("sender"), "'sender'").get("id"), "'sender.id'")
    if not sender:
        return None
    message = optional_object(event.get("message"), "'message'")
    postback = optional_object(event.get("postback"), "'postback'")
    if message and not message.get("is_echo"):
        mid = optional_id(message.get("mid"), "'message.mid'")
        keys = (f"mid:{mid}",) if mid else ()
        quick_reply = optional_object(message.get("quick_reply"), "'quick_reply'")
        payload = optional_text(quick_reply.get("payload"), "'quick_reply.payload'")
        text = payload or optional_text(message.get("text"), "'message.text'")
        if text and text.strip():
            return Incoming(sender, text, mid, keys)
        if optional_list(message.get("attachments"), "'message.attachments'"):
            return Incoming(sender, None, mid, keys)
    elif postback:
        payload = optional_text(postback.get("payload"), "'postback.payload'")
        if not payload:
            return None
        stamp = optional_id(event.get("timestamp"), "'timestamp'")
        mid = optional_id(postback.get("mid"), "'postback.mid'") or f"postback:{sender}:{stamp}"
        return Incoming(sender, payload, mid, (f"mid:{mid}",))
    return None  # echoes of the page's own messages, deliveries, reads, ...


def parse_events(payload: Any) -> list[Incoming]:
    """Every user message in a webhook payload (Meta may batch several).

    Raises:
        RequestError: the payload is not shaped as Meta sends one.
    """
    found = []
    for entry in optional_list(an_object(payload, "the payload").get("entry"), "'entry'"):
        events = optional_object(entry, "an entry").get("messaging")
        for event in optional_list(events, "'messaging'"):
            incoming = _incoming(event)
            if incoming is not None:
                found.append(incoming)
    return found


# Messenger shows text as typed: an alert alone and first under its heading in capitals,
# the source and the disclaimer set apart by a blank line
MESSENGER_STYLE = Style({Kind.HEADING: str.upper})


class MessengerOutput(SplittingOutput):
    """Replies through the Send API (``POST /me/messages``)."""

    max_chars = MAX_CHARS
    style = MESSENGER_STYLE

    @classmethod
    def name(cls) -> str:
        """The channel's name."""
        return "facebook"

    def __init__(
        self, page_access_token: str, api_url: str = API_URL, recipient: str | None = None
    ) -> None:
        self._token = page_access_token
        self._url = f"{api_url.rstrip('/')}/me/messages"
        self.recipient = recipient

    async def send_part(self, recipient_id: str, text: str, buttons: Sequence[Choice]) -> None:
        """Send one message, with the buttons as quick replies."""
        message: dict[str, Any] = {"text": text}
        if buttons:
            message["quick_replies"] = quick_replies(buttons)
        body = {"recipient": {"id": recipient_id}, "messaging_type": "RESPONSE", "message": message}
        await post(
            self._url,
            what="Messenger Send API",
            json_body=body,
            params={"access_token": self._token},
        )


class MessengerInput(WebhookInput):
    """Messenger webhook: verify handshake, signed events, redeliveries dropped by ``mid``."""

    @classmethod
    def name(cls) -> str:
        """The channel's name (and URL prefix)."""
        return "facebook"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The channel from its credentials (see bot/launch/channels.py)."""
        credentials = cls.checked(credentials)
        return cls(
            page_access_token=str(credentials["page_access_token"]),
            secret=str(credentials["secret"]),
            verify_token=str(credentials["verify_token"]),
            api_url=credentials.get("api_url") or API_URL,
        )

    def __init__(
        self, page_access_token: str, secret: str, verify_token: str, api_url: str = API_URL
    ) -> None:
        super().__init__()
        self.page_access_token = page_access_token
        self.secret = secret
        self.verify_token = verify_token
        self.api_url = api_url

    def get_output_channel(self, recipient: str | None = None) -> MessengerOutput:
        """The Send API client, sending to the user ``recipient``."""
        return MessengerOutput(self.page_access_token, self.api_url, recipient)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The pipeline's routes, and ``GET /webhook`` for Meta's verify-token handshake."""
        hooks = super().blueprint(on_new_message)

        @hooks.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            token = request.args.get("hub.verify_token") or ""
            if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(
                token.encode(), self.verify_token.encode()
            ):
                return response.text(request.args.get("hub.challenge") or "")
            logger.warning("Messenger: wrong verify token in the webhook handshake")
            return response.text("wrong verify token", status=403)

        return hooks

    def authenticate(self, request: Request) -> HTTPResponse | None:
        """Refuse an event without the app secret's ``X-Hub-Signature-256`` of its body."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return response.text("missing X-Hub-Signature-256", status=401)
        if not is_valid_hub_signature(self.secret, request.body, signature):
            return response.text("wrong X-Hub-Signature-256", status=403)
        return None

    def parse(self, body: Any, request: Request) -> Found:
        """The user messages of a page's webhook payload."""
        events = parse_events(body)
        if body.get("object") != "page":
            return response.text("not a page event", status=404)
        return events

    def output_for(self, incoming: Incoming) -> MessengerOutput:
        """Replies to the user who wrote."""
        return self.get_output_channel(incoming.sender)

    def acknowledge(self, request: Request) -> HTTPResponse:
        """Meta's documented answer."""
        return response.text("EVENT_RECEIVED")
