"""What every platform connector shares on the way out.

Replies go to the platform id the message came from (never to the conversation id),
their parts written in the platform's style (:mod:`bot.channels.parts`) and split to its
limit, buttons with the last message. The way in is :mod:`bot.channels.inbound`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.channels.parts import PLAIN, Reply, Style, messages, plain, read_reply
from bot.channels.wording import CHOOSE, phrase

# the text of a buttons-only message, where a platform requires text


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
    """An output channel that sends each reply in ``style``, as messages within ``max_chars``.

    ``recipient`` is the platform's id to send to. Rasa passes the conversation id
    (``telegram:123``) as ``recipient_id``; when ``recipient`` is set it is used instead.
    """

    max_chars = 1000
    recipient: str | None = None
    style: Style = PLAIN

    def measure(self, text: str) -> int:
        """Length of ``text`` as the platform counts it."""
        return len(text)

    async def send_part(self, recipient_id: str, text: str, buttons: Sequence[Choice]) -> None:
        """Send one part (within the limit), with ``buttons`` if any."""
        raise NotImplementedError

    def style_for(self, recipient_id: str) -> Style:
        """The style replies to ``recipient_id`` are written in."""
        return self.style

    async def send_reply(self, recipient_id: str, reply: Reply, buttons: Sequence[Choice]) -> None:
        """Send the reply's messages in order, the buttons with the last one."""
        recipient_id = self.recipient or recipient_id
        style = self.style_for(recipient_id)
        sent = messages(reply, style, self.max_chars, self.measure)
        if not sent:
            if not buttons:
                return
            sent = [style.escape(phrase(CHOOSE))]
        for index, message in enumerate(sent):
            last = index == len(sent) - 1
            await self.send_part(recipient_id, message, buttons if last else ())

    async def send_parts(self, recipient_id: str, text: str, buttons: Sequence[Choice]) -> None:
        """Send ``text`` as a plain body, split, the buttons with the last message."""
        await self.send_reply(recipient_id, plain(text or ""), buttons)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send a text reply (``kwargs``: the fields sent beside it, its parts among them)."""
        await self.send_reply(recipient_id, read_reply(text or "", kwargs), ())

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send a text reply with buttons."""
        await self.send_reply(recipient_id, read_reply(text or "", kwargs), choices(buttons))
