"""Slack: Events API and button clicks in, ``chat.postMessage`` out.

The bot answers direct messages and @-mentions (in a thread). Every request is checked
against the app's signing secret (``v0`` HMAC-SHA256 signature, five-minute replay window)
before anything else; Slack's retries are acknowledged without being handled again.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import Choice, SplittingOutput
from bot.channels.http import post
from bot.channels.inbound import Found, Incoming, WebhookInput
from bot.channels.parts import Kind, Reply
from bot.channels.payload import (
    RequestError,
    an_object,
    field,
    load_json,
    optional_id,
    optional_list,
    optional_object,
    optional_text,
)
from bot.channels.splitting import split_message
from bot.channels.wording import CHOOSE, phrase

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


def plain_text(text: str) -> str:
    """A Slack message as typed: no user mentions, links as their labels, unescaped."""
    text = _MENTION.sub("", text)
    text = _LABELLED_LINK.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def parse_event(envelope: Any) -> Incoming | None:
    """The user's message in an ``event_callback``: a direct message or an @-mention.

    Raises:
        RequestError: the envelope is not shaped as Slack sends one.
    """
    envelope = an_object(envelope, "the request")
    event_id = optional_id(envelope.get("event_id"), "'event_id'")
    event = optional_object(envelope.get("event"), "'event'")
    if event.get("bot_id") or event.get("subtype"):
        return None  # bots (this one included), edits, joins, ...
    user = optional_id(event.get("user"), "'event.user'")
    channel = optional_id(event.get("channel"), "'event.channel'")
    ts = optional_id(event.get("ts"), "'event.ts'")
    thread_ts = optional_id(event.get("thread_ts"), "'event.thread_ts'")
    text = plain_text(optional_text(event.get("text"), "'event.text'") or "")
    if not (user and channel and ts and text):
        return None
    if event.get("type") == "app_mention":
        thread_ts = thread_ts or ts
    elif event.get("type") != "message" or event.get("channel_type") != "im":
        return None
    keys = (f"{channel}:{ts}", *([f"event:{event_id}"] if event_id else []))
    return Incoming(user, text, f"{channel}:{ts}", keys, chat=channel, thread=thread_ts)


def parse_interaction(payload: Any) -> Incoming | None:
    """The value of the button clicked in a ``block_actions`` payload.

    Raises:
        RequestError: the payload is not shaped as Slack sends one.
    """
    payload = an_object(payload, "the payload")
    actions = optional_list(payload.get("actions"), "'actions'")
    if payload.get("type") != "block_actions" or not actions:
        return None
    action = an_object(actions[0], "an action")
    user = optional_id(optional_object(payload.get("user"), "'user'").get("id"), "'user.id'")
    channel = optional_id(
        optional_object(payload.get("channel"), "'channel'").get("id"), "'channel.id'"
    ) or optional_id(
        optional_object(payload.get("container"), "'container'").get("channel_id"),
        "'container.channel_id'",
    )
    value = optional_text(action.get("value"), "the action's 'value'")
    if not (user and channel and value):
        return None  # a link button: nothing to send to the bot
    message = optional_object(payload.get("message"), "'message'")
    thread_ts = optional_id(message.get("thread_ts"), "'message.thread_ts'")
    pressed = optional_id(action.get("action_ts"), "'action_ts'") or optional_id(
        action.get("action_id"), "'action_id'"
    )
    key = f"{channel}:{pressed}:{user}"
    return Incoming(user, value, key, (key,), chat=channel, thread=thread_ts)


def is_click(request: Request) -> bool:
    """Whether ``request`` is from the interactivity endpoint (a form), not the Events API."""
    content_type = request.headers.get("content-type", "")
    return content_type.startswith("application/x-www-form-urlencoded")


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


def _bold(text: str) -> str:
    return "\n".join(f"*{line}*" for line in escape(text).split("\n"))


def _blocks(reply: Reply) -> list[tuple[dict[str, Any], str]]:
    """The reply's parts as blocks, each with its plain text (for the notification).

    An alert is a section in bold under its heading; the body, plain-text sections; the
    source line and the disclaimer, a context block (small print), each within limits.
    """
    blocks: list[tuple[dict[str, Any], str]] = []
    parts = list(reply.parts)
    heading = next((p.text for p in parts if p.kind is Kind.HEADING), None)
    for part in (p for p in parts if p.kind is Kind.ALERT):
        for piece in split_message(part.text, MAX_BLOCK_CHARS - 200):
            lead = f"*{escape(heading)}*\n" if heading else ""
            section = {"type": "section", "text": {"type": "mrkdwn", "text": lead + _bold(piece)}}
            blocks.append((section, piece))
            heading = None
    body = "\n".join(p.text for p in parts if p.kind is Kind.BODY)
    for piece in split_message(body, MAX_BLOCK_CHARS):
        blocks.append(
            (
                {"type": "section", "text": {"type": "plain_text", "text": piece, "emoji": True}},
                piece,
            )
        )
    closing = [p.text for p in parts if p.kind in (Kind.SOURCE, Kind.DISCLAIMER)]
    if closing:
        elements = [
            {"type": "mrkdwn", "text": escape(piece)}
            for line in closing
            for piece in split_message(line, MAX_BLOCK_CHARS)
        ]
        blocks.append(({"type": "context", "elements": elements}, "\n".join(closing)))
    return blocks


def slack_messages(reply: Reply, buttons: Sequence[Choice]) -> list[dict[str, Any]]:
    """``chat.postMessage`` bodies (without channel) for a reply and its buttons.

    At most 13 blocks of at most 3000 characters each (40000 characters) a message; the
    buttons follow the last block. ``text`` is the message's words for notifications.
    """
    blocks = _blocks(reply)
    if not blocks and buttons:
        choose = phrase(CHOOSE)
        prompt = {"type": "section", "text": {"type": "plain_text", "text": choose}}
        blocks = [(prompt, choose)]
    messages: list[dict[str, Any]] = []
    for start in range(0, len(blocks), SECTIONS_PER_MESSAGE):
        group = blocks[start : start + SECTIONS_PER_MESSAGE]
        text = escape("\n".join(words for _, words in group))
        messages.append({"text": text, "blocks": [block for block, _ in group]})
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

    async def send_reply(self, recipient_id: str, reply: Reply, buttons: Sequence[Choice]) -> None:
        """Send the reply as block messages; to the user's DM when no channel is known."""
        for message in slack_messages(reply, buttons):
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

    def authenticate(self, request: Request) -> HTTPResponse | None:
        """Refuse a request not signed with the signing secret in the last five minutes."""
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        signature = request.headers.get("X-Slack-Signature")
        if not timestamp or not signature:
            return response.text("missing Slack signature", status=401)
        if not is_valid_slack_request(self.signing_secret, timestamp, signature, request.body):
            return response.text("wrong or expired Slack signature", status=403)
        return None

    def read(self, request: Request) -> Any:
        """An Events API envelope (JSON), or the ``payload`` of a button click (a form)."""
        if not is_click(request):
            return load_json(request.body)
        try:
            form = parse_qs(request.body.decode(), keep_blank_values=True)
        except UnicodeDecodeError:
            raise RequestError("the form is not UTF-8") from None
        return load_json(field(form, "payload"), "the 'payload' field")

    def parse(self, body: Any, request: Request) -> Found:
        """The message or click; Slack's URL check and retries get answers of their own."""
        if request.headers.get(RETRY_HEADER):
            # the first delivery is being (or was) handled: ask Slack to stop retrying
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        if is_click(request):
            incoming = parse_interaction(body)
        elif an_object(body, "the request").get("type") == "url_verification":
            challenge = optional_text(body.get("challenge"), "'challenge'")
            return response.json({"challenge": challenge})
        else:
            incoming = parse_event(body)
        return [incoming] if incoming is not None else []

    def output_for(self, incoming: Incoming) -> SlackOutput:
        """Replies in the conversation (and thread) the message came from."""
        return SlackOutput(self.token, self.api_url, incoming.chat, incoming.thread)

    def acknowledge(self, request: Request) -> HTTPResponse:
        """Slack wants an empty 200."""
        return response.text("")
