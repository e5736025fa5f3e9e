"""What every platform connector shares on the way out.

Replies go to the platform id the message came from (never to the conversation id),
split to the platform's limit, buttons with the last part. The way in is
:mod:`bot.channels.inbound`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.channels.splitting import split_message

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
