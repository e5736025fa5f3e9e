"""Facebook Messenger: page webhook events in, the Send API out.

Every POST must carry ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app
secret); anything else is refused with 401/403 before it is read. ``GET /webhook`` answers
Meta's verify-token handshake. Buttons become quick replies (at most 13, titles of at most
20 characters).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import MEDIA_ONLY_REPLY, Choice, SplittingOutput, WebhookInput
from bot.channels.delivery import OnNewMessage, deliver_after_save
from bot.channels.http import post

logger = logging.getLogger(__name__)

API_URL = "https://graph.facebook.com/v21.0"
MAX_CHARS = 2000
MAX_QUICK_REPLIES = 13
MAX_TITLE_CHARS = 20
MAX_PAYLOAD_CHARS = 1000
SIGNATURE_HEADER = "X-Hub-Signature-256"


@dataclass(frozen=True)
class Incoming:
    """One message event: who sent it and what it says."""

    sender_id: str
    text: str | None  # None: an attachment without text
    message_id: str


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


def _incoming(event: Mapping[str, Any]) -> Incoming | None:
    sender = (event.get("sender") or {}).get("id")
    if not sender:
        return None
    message, postback = event.get("message"), event.get("postback")
    if isinstance(message, dict) and not message.get("is_echo"):
        mid = str(message.get("mid") or "")
        payload = (message.get("quick_reply") or {}).get("payload")
        text = payload or message.get("text")
        if isinstance(text, str) and text.strip():
            return Incoming(str(sender), text, mid)
        if message.get("attachments"):
            return Incoming(str(sender), None, mid)
    elif isinstance(postback, dict) and postback.get("payload"):
        mid = str(postback.get("mid") or f"postback:{sender}:{event.get('timestamp')}")
        return Incoming(str(sender), str(postback["payload"]), mid)
    return None  # echoes of the page's own messages, deliveries, reads, ...


def parse_events(payload: Mapping[str, Any]) -> list[Incoming]:
    """Every user message in a webhook payload (Meta may batch several)."""
    found = []
    for entry in payload.get("entry") or []:
        for event in (entry or {}).get("messaging") or []:
            incoming = _incoming(event or {})
            if incoming is not None:
                found.append(incoming)
    return found


class MessengerOutput(SplittingOutput):
    """Replies through the Send API (``POST /me/messages``)."""

    max_chars = MAX_CHARS

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
        """Routes: ``GET /`` (health), ``GET /webhook`` (verify), ``POST /webhook``."""
        hooks = Blueprint("lems_facebook_webhook", __name__)
        handle = deliver_after_save(on_new_message)

        @hooks.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hooks.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            token = request.args.get("hub.verify_token") or ""
            if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(
                token.encode(), self.verify_token.encode()
            ):
                return response.text(request.args.get("hub.challenge") or "")
            logger.warning("Messenger: wrong verify token in the webhook handshake")
            return response.text("wrong verify token", status=403)

        @hooks.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return self._receive(request, handle)

        return hooks

    def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return response.text("missing X-Hub-Signature-256", status=401)
        if not is_valid_hub_signature(self.secret, request.body, signature):
            return response.text("wrong X-Hub-Signature-256", status=403)
        try:
            payload = json.loads(request.body)
            events = parse_events(payload)
        except (ValueError, AttributeError, TypeError):
            return response.text("unreadable request", status=400)
        if payload.get("object") != "page":
            return response.text("not a page event", status=404)
        for incoming in events:
            if incoming.message_id and not self.recent.first_time(incoming.message_id):
                continue
            output = self.get_output_channel(incoming.sender_id)
            if incoming.text is None:
                self.run_later(output.send_text_message(incoming.sender_id, MEDIA_ONLY_REPLY))
            else:
                message = self.user_message(
                    incoming.text, output, incoming.sender_id, incoming.message_id or None
                )
                self.run_later(on_new_message(message))
        return response.text("EVENT_RECEIVED")
