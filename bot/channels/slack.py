"""Slack: Events API and button clicks in, ``chat.postMessage`` out.

The bot answers direct messages and @-mentions (in a thread). Every request is checked
against the app's signing secret (``v0`` HMAC-SHA256 signature, five-minute replay window)
before anything else; Slack's retries are acknowledged without being handled again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import CHOOSE_PROMPT, Choice, SplittingOutput, WebhookInput
from bot.channels.delivery import OnNewMessage, deliver_after_save
from bot.channels.http import post
from bot.channels.splitting import split_message

logger = logging.getLogger(__name__)

API_URL = "https://slack.com/api"
MAX_BLOCK_CHARS = 3000  # per section block
MAX_MESSAGE_CHARS = 40000
SECTIONS_PER_MESSAGE = MAX_MESSAGE_CHARS // MAX_BLOCK_CHARS
MAX_BUTTONS_PER_BLOCK = 25
MAX_BUTTON_TITLE = 75
MAX_BUTTON_VALUE = 2000
REPLAY_WINDOW_SECONDS = 5 * 60
RETRY_HEADER = "X-Slack-Retry-Num"

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_LABELLED_LINK = re.compile(r"<(?:https?|mailto):[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<((?:https?|mailto):[^>]*)>")


@dataclass(frozen=True)
class Incoming:
    """What the bot needs from one Slack message or button click."""

    user: str
    channel: str
    text: str
    key: str  # identifies the message, to drop duplicates
    thread_ts: str | None = None  # reply in this thread


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Slack-Signature`` value Slack sends for ``body`` at ``timestamp``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def is_valid_slack_request(
    secret: str, timestamp: str, signature: str, body: bytes, now: float | None = None
) -> bool:
    """Whether ``signature`` signs ``body`` with ``secret`` within the replay window."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    if age > REPLAY_WINDOW_SECONDS:
        return False
    expected = slack_signature(secret, timestamp, body)
    return hmac.compare_digest(expected.encode(), signature.encode())


def escape(text: str) -> str:
    """``text`` with the three characters Slack's markup reserves escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clean_text(text: str) -> str:
    """A Slack message as typed: no user mentions, links as their labels, unescaped."""
    text = _MENTION.sub("", text)
    text = _LABELLED_LINK.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def parse_event(envelope: Mapping[str, Any]) -> Incoming | None:
    """The user's message in an ``event_callback``: a direct message or an @-mention."""
    event = envelope.get("event")
    if not isinstance(event, dict) or event.get("bot_id") or event.get("subtype"):
        return None  # bots (this one included), edits, joins, ...
    user, channel, ts = event.get("user"), event.get("channel"), event.get("ts")
    if not (user and channel and ts):
        return None
    if event.get("type") == "message" and event.get("channel_type") == "im":
        thread_ts = event.get("thread_ts")
    elif event.get("type") == "app_mention":
        thread_ts = event.get("thread_ts") or ts
    else:
        return None
    text = clean_text(str(event.get("text") or ""))
    return Incoming(str(user), str(channel), text, f"{channel}:{ts}", thread_ts) if text else None


def parse_interaction(payload: Mapping[str, Any]) -> Incoming | None:
    """The value of the button clicked in a ``block_actions`` payload."""
    actions = payload.get("actions") or []
    if payload.get("type") != "block_actions" or not actions:
        return None
    action = actions[0]
    user = (payload.get("user") or {}).get("id")
    channel = (payload.get("channel") or {}).get("id") or (payload.get("container") or {}).get(
        "channel_id"
    )
    value = action.get("value")
    if not (user and channel and value):
        return None  # a link button: nothing to send to the bot
    thread_ts = (payload.get("message") or {}).get("thread_ts")
    key = f"{channel}:{action.get('action_ts') or action.get('action_id')}:{user}"
    return Incoming(str(user), str(channel), str(value), key, thread_ts)


def action_blocks(buttons: Sequence[Choice]) -> list[dict[str, Any]]:
    """Buttons as ``actions`` blocks (at most 25 buttons each)."""
    elements = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": b.title[:MAX_BUTTON_TITLE], "emoji": True},
            "value": b.payload[:MAX_BUTTON_VALUE],
            "action_id": f"choice_{index}",
        }
        for index, b in enumerate(buttons)
    ]
    return [
        {"type": "actions", "elements": elements[start : start + MAX_BUTTONS_PER_BLOCK]}
        for start in range(0, len(elements), MAX_BUTTONS_PER_BLOCK)
    ]


def slack_messages(text: str, buttons: Sequence[Choice]) -> list[dict[str, Any]]:
    """``chat.postMessage`` bodies (without channel) for a reply and its buttons.

    The text is split into section blocks of at most 3000 characters, up to 13 blocks
    (40000 characters) a message; the buttons follow the last block.
    """
    parts = split_message(text, MAX_BLOCK_CHARS) or ([CHOOSE_PROMPT] if buttons else [])
    messages: list[dict[str, Any]] = []
    for start in range(0, len(parts), SECTIONS_PER_MESSAGE):
        group = parts[start : start + SECTIONS_PER_MESSAGE]
        blocks = [
            {"type": "section", "text": {"type": "plain_text", "text": part, "emoji": True}}
            for part in group
        ]
        messages.append({"text": escape("\n".join(group)), "blocks": blocks})
    if messages and buttons:
        messages[-1]["blocks"].extend(action_blocks(buttons))
    return messages


class SlackOutput(SplittingOutput):
    """Replies with ``chat.postMessage`` to a conversation (and thread)."""

    max_chars = MAX_MESSAGE_CHARS

    @classmethod
    def name(cls) -> str:
        """The channel's name."""
        return "slack"

    def __init__(
        self,
        token: str,
        api_url: str = API_URL,
        channel: str | None = None,
        thread_ts: str | None = None,
    ) -> None:
        self._token = token
        self._url = f"{api_url.rstrip('/')}/chat.postMessage"
        self.channel = channel
        self.thread_ts = thread_ts

    async def send_parts(self, recipient_id: str, text: str, buttons: Sequence[Choice]) -> None:
        """Send the reply as block messages; to the user's DM when no channel is known."""
        for message in slack_messages(text or "", buttons):
            body = {"channel": self.channel or recipient_id, **message}
            if self.thread_ts:
                body["thread_ts"] = self.thread_ts
            result = await post(
                self._url,
                what="Slack chat.postMessage",
                json_body=body,
                headers={"Authorization": f"Bearer {self._token}"},
            )
            if isinstance(result, dict) and not result.get("ok"):
                logger.error("Slack chat.postMessage failed: %s", result.get("error"))


class SlackInput(WebhookInput):
    """Slack Events API and interactivity endpoint (one URL for both)."""

    @classmethod
    def name(cls) -> str:
        """The channel's name (and URL prefix)."""
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The channel from its credentials (see bot/launch/channels.py)."""
        credentials = cls.checked(credentials)
        return cls(
            token=str(credentials["token"]),
            signing_secret=str(credentials["signing_secret"]),
            api_url=credentials.get("api_url") or API_URL,
        )

    def __init__(self, token: str, signing_secret: str, api_url: str = API_URL) -> None:
        super().__init__()
        self.token = token
        self.signing_secret = signing_secret
        self.api_url = api_url

    def get_output_channel(self) -> SlackOutput:
        """A client that writes to the user's direct-message conversation."""
        return SlackOutput(self.token, self.api_url)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Routes: ``GET /`` (health) and ``POST /webhook`` (events and clicks)."""
        hooks = Blueprint("lems_slack_webhook", __name__)
        handle = deliver_after_save(on_new_message)

        @hooks.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hooks.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return self._receive(request, handle)

        return hooks

    def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        signature = request.headers.get("X-Slack-Signature")
        if not timestamp or not signature:
            return response.text("missing Slack signature", status=401)
        if not is_valid_slack_request(self.signing_secret, timestamp, signature, request.body):
            return response.text("wrong or expired Slack signature", status=403)
        if request.headers.get(RETRY_HEADER):
            # the first delivery is being (or was) handled: ask Slack to stop retrying
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        content_type = request.headers.get("content-type", "")
        try:
            if content_type.startswith("application/x-www-form-urlencoded"):
                form = parse_qs(request.body.decode(), keep_blank_values=True)
                incoming = parse_interaction(json.loads(form["payload"][0]))
            else:
                envelope = json.loads(request.body)
                if envelope.get("type") == "url_verification":
                    return response.json({"challenge": envelope.get("challenge")})
                if envelope.get("event_id") and not self.recent.first_time(envelope["event_id"]):
                    return response.text("already received")
                incoming = parse_event(envelope)
        except (ValueError, KeyError, AttributeError, IndexError):
            return response.text("unreadable request", status=400)
        if incoming is None or not self.recent.first_time(incoming.key):
            return response.text("")
        output = SlackOutput(self.token, self.api_url, incoming.channel, incoming.thread_ts)
        message = self.user_message(incoming.text, output, incoming.user, incoming.key)
        self.run_later(on_new_message(message))
        return response.text("")
