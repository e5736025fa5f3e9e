"""Telegram: Bot API webhook updates in, ``sendMessage`` out.

When the server starts, the connector registers ``webhook_url`` (the public address of
``/webhooks/telegram/webhook``) with ``setWebhook``, along with the secret token Telegram
then sends in every update's ``X-Telegram-Bot-Api-Secret-Token`` header.
"""

from __future__ import annotations

import hmac
import html
import logging
import re
from collections.abc import Sequence
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import Choice, SplittingOutput
from bot.channels.delivery import OnNewMessage
from bot.channels.http import post
from bot.channels.inbound import Incoming, WebhookInput
from bot.channels.parts import Kind, Style
from bot.channels.payload import an_object, optional_id, optional_object, optional_text
from bot.channels.splitting import utf16_length

logger = logging.getLogger(__name__)

API_URL = "https://api.telegram.org"
MAX_CHARS = 4096  # per message, in UTF-16 code units
MAX_CALLBACK_BYTES = 64
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's built-in commands, as the bot's NLU understands them
COMMANDS = {"/start": "hello", "/help": "help"}
# message kinds that carry no text the bot could read
MEDIA_KEYS = ("photo", "sticker", "voice", "audio", "video", "video_note", "animation", "document")


def is_valid_secret_token(expected: str | None, received: str | None) -> bool:
    """Whether the secret token header matches (always, when no token is configured)."""
    if not expected:
        return True
    return received is not None and hmac.compare_digest(expected.encode(), received.encode())


def command_text(text: str, bot_name: str) -> str:
    """``text`` without mentions of the bot, with Telegram commands in words."""
    name = bot_name.lstrip("@")
    if name:
        text = re.sub(rf"@{re.escape(name)}\b", "", text, flags=re.IGNORECASE).strip()
    return COMMANDS.get(text.lower(), text)


def parse_update(update: Any, bot_name: str) -> Incoming | None:
    """The message in ``update``, or None for an update the bot ignores (e.g. an edit).

    Raises:
        RequestError: the update is not shaped as Telegram sends one.
    """
    update = an_object(update, "the update")
    update_id = optional_id(update.get("update_id"), "'update_id'")
    keys = (f"update:{update_id}",) if update_id else ()
    query = optional_object(update.get("callback_query"), "'callback_query'")
    if query:
        shown = optional_object(query.get("message"), "'callback_query.message'")
        chat = optional_object(shown.get("chat"), "'callback_query.message.chat'")
        chat = chat or optional_object(query.get("from"), "'callback_query.from'")
        chat_id = optional_id(chat.get("id"), "the button's chat 'id'")
        if chat_id is None:
            return None
        data = optional_text(query.get("data"), "'callback_query.data'") or ""
        press = optional_id(query.get("id"), "'callback_query.id'")
        return Incoming(chat_id, data, update_id, keys, press=press)
    message = optional_object(update.get("message"), "'message'")
    chat = optional_object(message.get("chat"), "'message.chat'")
    chat_id = optional_id(chat.get("id"), "'message.chat.id'")
    if chat_id is None:
        return None
    text = optional_text(message.get("text"), "'message.text'")
    text = text or optional_text(message.get("caption"), "'message.caption'")
    if text and text.strip():
        return Incoming(chat_id, command_text(text, bot_name), update_id, keys)
    if any(key in message for key in MEDIA_KEYS):
        return Incoming(chat_id, None, update_id, keys)
    return None  # service messages: someone joined, a pinned message, ...


def inline_keyboard(buttons: Sequence[Choice]) -> dict[str, Any]:
    """Buttons as an inline keyboard, one per row; the callback data is the payload."""
    rows = []
    for button in buttons:
        if len(button.payload.encode()) > MAX_CALLBACK_BYTES:
            logger.warning("Telegram: button payload over 64 bytes left out: %s", button.title)
            continue
        rows.append([{"text": button.title, "callback_data": button.payload}])
    return {"inline_keyboard": rows}


def _bold(text: str) -> str:
    return f"<b>{text}</b>"


def _italic(text: str) -> str:
    return f"<i>{text}</i>"


# Telegram's HTML: an alert in bold, alone and first; source and disclaimer in italics
TELEGRAM_STYLE = Style(
    {Kind.HEADING: _bold, Kind.ALERT: _bold, Kind.SOURCE: _italic, Kind.DISCLAIMER: _italic},
    escape=lambda text: html.escape(text, quote=False),
)


class TelegramOutput(SplittingOutput):
    """Replies through the Bot API, in its HTML formatting (``TELEGRAM_STYLE``)."""

    max_chars = MAX_CHARS
    style = TELEGRAM_STYLE

    @classmethod
    def name(cls) -> str:
        """The channel's name."""
        return "telegram"

    def __init__(
        self, access_token: str, api_url: str = API_URL, recipient: str | None = None
    ) -> None:
        self._base_url = f"{api_url.rstrip('/')}/bot{access_token}"
        self.recipient = recipient

    def measure(self, text: str) -> int:
        """Telegram counts UTF-16 code units."""
        return utf16_length(text)

    async def call(self, method: str, body: dict[str, Any]) -> Any:
        """Call Bot API ``method`` with ``body``; its result, or None on failure."""
        return await post(f"{self._base_url}/{method}", what=f"Telegram {method}", json_body=body)

    async def send_part(self, recipient_id: str, text: str, buttons: Sequence[Choice]) -> None:
        """Send one message, with an inline keyboard for the buttons."""
        body: dict[str, Any] = {"chat_id": recipient_id, "text": text, "parse_mode": "HTML"}
        if buttons:
            body["reply_markup"] = inline_keyboard(buttons)
        await self.call("sendMessage", body)

    async def answer_callback(self, callback_id: str) -> None:
        """Tell Telegram a button press was received (stops the button's spinner)."""
        await self.call("answerCallbackQuery", {"callback_query_id": callback_id})

    async def set_webhook(self, url: str, secret_token: str | None) -> None:
        """Register the bot's webhook address (and secret token) with Telegram."""
        body: dict[str, Any] = {"url": url, "allowed_updates": ["message", "callback_query"]}
        if secret_token:
            body["secret_token"] = secret_token
        result = await self.call("setWebhook", body)
        if result is not None:
            logger.info("Telegram webhook set to %s", url)


class TelegramInput(WebhookInput):
    """Telegram webhook: the secret token, updates, repeated ``update_id``s dropped."""

    @classmethod
    def name(cls) -> str:
        """The channel's name (and URL prefix)."""
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The channel from its credentials (see bot/launch/channels.py)."""
        credentials = cls.checked(credentials)
        return cls(
            access_token=str(credentials["access_token"]),
            bot_name=str(credentials["bot_name"]),
            webhook_url=str(credentials["webhook_url"]),
            secret_token=credentials.get("secret_token") or None,
            api_url=credentials.get("api_url") or API_URL,
        )

    def __init__(
        self,
        access_token: str,
        bot_name: str,
        webhook_url: str,
        secret_token: str | None = None,
        api_url: str = API_URL,
    ) -> None:
        super().__init__()
        self.access_token = access_token
        self.bot_name = bot_name
        self.webhook_url = webhook_url
        self.secret_token = secret_token
        self.api_url = api_url

    def get_output_channel(self, recipient: str | None = None) -> TelegramOutput:
        """The Bot API client, sending to the chat ``recipient``."""
        return TelegramOutput(self.access_token, self.api_url, recipient)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The pipeline's routes; the webhook is registered with Telegram at start-up."""
        hooks = super().blueprint(on_new_message)

        @hooks.listener("after_server_start")
        async def register_webhook(*_: Any) -> None:
            await self.get_output_channel().set_webhook(self.webhook_url, self.secret_token)

        return hooks

    def authenticate(self, request: Request) -> HTTPResponse | None:
        """Refuse an update without the secret token set with the webhook."""
        received = request.headers.get(SECRET_HEADER)
        if self.secret_token and received is None:
            return response.text("missing secret token", status=401)
        if not is_valid_secret_token(self.secret_token, received):
            return response.text("wrong secret token", status=403)
        return None

    def parse(self, body: Any, request: Request) -> list[Incoming]:
        """The update's message, if it has one the bot answers."""
        incoming = parse_update(body, self.bot_name)
        return [incoming] if incoming is not None else []

    def output_for(self, incoming: Incoming) -> TelegramOutput:
        """Replies to the chat the update came from."""
        return self.get_output_channel(incoming.sender)

    async def before_handling(self, incoming: Incoming, output: OutputChannel) -> None:
        """Stop the spinner of the button pressed, if any."""
        if incoming.press and isinstance(output, TelegramOutput):
            await output.answer_callback(incoming.press)
