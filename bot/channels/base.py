"""What every platform connector shares.

Inbound: webhooks are answered at once and the message is handled in the background, so a
slow answer never makes a platform time out and send the message again; redeliveries that
still come are dropped by message id. Each conversation is named in the channel's own
namespace (``telegram:<chat id>``, see :mod:`bot.identity`), so no other channel can
reach it. Outbound: replies go to the platform id the message came from (never to the
conversation id), split to the platform's limit, buttons with the last part.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException

from bot.channels.memory import RecentIds
from bot.channels.splitting import split_message
from bot.identity import conversation_id
from bot.limits import truncate_message

logger = logging.getLogger(__name__)


# sent when a message holds only a photo, voice note, sticker or file
MEDIA_ONLY_REPLY = (
    "Sorry, I can only read text messages. Please type your question about mycophenolate in words."
)
# the text of a buttons-only message, where a platform requires text
CHOOSE_PROMPT = "Please choose:"


@dataclass(frozen=True)
class Choice:
    """A button: what the patient sees and what it sends to the bot."""

    title: str
    payload: str


def choices(buttons: Iterable[Mapping[str, Any]]) -> list[Choice]:
    """Rasa's button dicts as :class:`Choice`; a button without payload sends its title."""
    found = []
    for button in buttons:
        title = str(button.get("title") or "").strip()
        payload = str(button.get("payload") or title).strip()
        if title and payload:
            found.append(Choice(title, payload))
    return found


class WebhookInput(InputChannel):
    """An input channel that acknowledges at once and remembers recent message ids."""

    @classmethod
    def checked(cls, credentials: dict[str, Any] | None) -> dict[str, Any]:
        """``credentials``, or a clear error when the credentials file has none."""
        if not credentials:
            raise RasaException(
                f"The {cls.name()} channel has no credentials: see docs/channels.md."
            )
        return credentials

    def __init__(self) -> None:
        self.recent = RecentIds()
        self._tasks: set[asyncio.Task[None]] = set()

    def conversation(self, platform_id: str) -> str:
        """The conversation id of ``platform_id``: ``<channel name>:<platform id>``."""
        return conversation_id(self.name(), platform_id)

    def run_later(self, work: Awaitable[Any]) -> None:
        """Run ``work`` in the background; its errors are logged, never raised."""
        task = asyncio.create_task(self._guarded(work))
        self._tasks.add(task)  # keep a reference until it is done
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, work: Awaitable[Any]) -> None:
        try:
            await work
        except Exception:
            logger.exception("%s: handling a message failed", self.name())

    def user_message(
        self,
        text: str,
        output: OutputChannel,
        sender_id: str,
        message_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> UserMessage:
        """A message for Rasa, its text capped at :data:`bot.limits.MAX_MESSAGE_CHARS`.

        Args:
            text: what the patient sent (or the payload of the button pressed).
            output: where the replies go (bound to the platform id).
            sender_id: the platform's id of the chat, user or phone number; the
                conversation is :meth:`conversation` of it.
            message_id: the platform's id for the message, kept in the tracker.
            metadata: what the channel knows of the sender (``{"country": "GB"}``).
        """
        return UserMessage(
            truncate_message(text),
            output,
            self.conversation(sender_id),
            input_channel=self.name(),
            message_id=message_id,
            metadata=metadata,
        )


class SplittingOutput(OutputChannel):
    """An output channel that sends each reply as parts within ``max_chars``.

    ``recipient`` is the platform's id to send to. Rasa passes the conversation id
    (``telegram:123``) as ``recipient_id``; when ``recipient`` is set it is used instead.
    """

    max_chars = 1000
    recipient: str | None = None

    def measure(self, text: str) -> int:
        """Length of ``text`` as the platform counts it."""
        return len(text)

    async def send_part(self, recipient_id: str, text: str, buttons: Sequence[Choice]) -> None:
        """Send one part (within the limit), with ``buttons`` if any."""
        raise NotImplementedError

    async def send_parts(self, recipient_id: str, text: str, buttons: Sequence[Choice]) -> None:
        """Split ``text`` and send the parts in order, the buttons with the last one."""
        recipient_id = self.recipient or recipient_id
        parts = split_message(text or "", self.max_chars, self.measure)
        if not parts:
            if not buttons:
                return
            parts = [CHOOSE_PROMPT]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            await self.send_part(recipient_id, part, buttons if last else ())

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send a text reply."""
        await self.send_parts(recipient_id, text, ())

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send a text reply with buttons."""
        await self.send_parts(recipient_id, text, choices(buttons))
