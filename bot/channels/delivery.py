"""Replies reach the patient only once their conversation is saved.

Rasa sends the bot's replies while it handles a message and saves the conversation
after. When the save fails, Rasa 3.6 (``FailSafeTrackerStore``) logs it and keeps the turn
in memory only, and the patient, who already has the answer, never learns that it was not
kept, or, after "forget me", that nothing was erased. Every channel hands its messages to
Rasa through :func:`deliver_after_save`, which holds the replies of a message until the
tracker store has done its part (:mod:`bot.save_report`), then sends:

- the replies, when the conversation was saved (or erased, and the erasure checked): the
  store sends them as soon as it has, inside Rasa's lock on the conversation;
- otherwise the emergency or crisis guidance if the message raised an alarm, then "I
  couldn't save this, please try again" (phrase ``not_saved``), or for "forget me" "I
  couldn't delete our conversation" and how to ask again (``not_forgotten``);
- when handling the message failed for another reason (Rasa raised), the emergency or
  crisis guidance if the safety rules fire on its text, then a short apology (phrase
  ``handling_failed``, :mod:`bot.channels.safety_net`).

A failing action server is answered inside Rasa (:mod:`bot.rasa.fallback`), so
that reply comes as any other. Either way the patient is always answered.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot import save_report
from bot.channels.safety_net import failure_messages
from bot.rasa.fallback import not_saved_messages

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class HeldOutput(OutputChannel):
    """Keeps the replies Rasa sends, to pass them on to ``output`` later (or not)."""

    def __init__(self, output: OutputChannel) -> None:
        self.output = output
        self.held: list[tuple[str, dict[str, Any]]] = []

    def name(self) -> str:  # Rasa's is a classmethod: this one asks the output it holds
        """The name of the channel the replies go to (Rasa picks responses by it)."""
        return self.output.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Hold ``message``."""
        self.held.append((recipient_id, dict(message)))

    async def release(self) -> None:
        """Send the replies held so far, in order."""
        held, self.held = self.held, []
        for recipient_id, message in held:
            await self.output.send_response(recipient_id, message)


def deliver_after_save(on_new_message: OnNewMessage) -> OnNewMessage:
    """``on_new_message`` whose replies are sent only once the conversation is saved."""

    async def handle(message: UserMessage) -> None:
        output = message.output_channel
        held = HeldOutput(output)
        message.output_channel = held
        with save_report.recording(release=held.release) as report:
            try:
                await on_new_message(message)
            except Exception as error:
                logger.error(
                    "Handling a %s message failed (%s); sent the failure reply.",
                    message.input_channel,
                    type(error).__name__,
                    exc_info=True,
                )
                if not report.failed:  # else say that it was not saved, guidance first
                    for reply in failure_messages(message.text, message.metadata):
                        await output.send_response(message.sender_id, reply)
                    return
        if not report.failed:
            await held.release()  # replies sent after the last save, if any
            return
        logger.error(
            "The %s of a %s conversation failed; the patient was told.",
            "erasure" if report.erasure else "save",
            message.input_channel,
        )
        for reply in not_saved_messages(report.tracker, report.erasure):
            await output.send_response(message.sender_id, reply)

    return handle
