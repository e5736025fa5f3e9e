"""The one way in for every channel's messages.

:meth:`WebhookInput.receive` takes each request through the same steps, once:

1. **authenticate**: the connector's own check (a signature, a secret token); a refusal
   (401/403) is answered before the body is read (Twilio signs the form's fields, so
   its check reads the form; REST decides by the sender, once the body is read);
2. **read**: the body decoded with its nesting checked (:mod:`bot.channels.payload`),
   then read by the connector into :class:`Incoming` messages with every field's type
   checked; anything odd is a 400, never a 500;
3. **drop redeliveries**: a message whose id (or other key) was seen lately is skipped,
   the keys kept with the conversations, so a restart or another server still knows
   them (:mod:`bot.channels.seen`);
4. **clean the text**: cut to :data:`bot.limits.MAX_MESSAGE_CHARS`, control characters
   and lone surrogates replaced (:func:`bot.channels.payload.clean_text`), here only;
5. **handle**: in the background for the messaging platforms, which want their 200 at
   once (a slow answer would make them send the message again); REST waits, its replies
   are its response. A server told to stop (SIGTERM, as on every deploy) first finishes
   the messages it acknowledged, for up to :data:`DRAIN_SECONDS`: the platform will not
   send them again;
6. **admit**: at most so many messages are handled at once, and a bounded number wait;
   past that, the patient is told at once that the bot is busy, after any emergency
   guidance (:mod:`bot.channels.admission`);
7. **always answer**: through :func:`bot.channels.delivery.deliver_after_save`, which
   holds the replies until the conversation is saved and, when Rasa fails, sends the
   emergency or crisis guidance if the safety rules fire, then a short apology. A message
   with only media gets a short request for text (phrase ``media_only``).

A connector keeps only what differs: its signature scheme, its payload's shape, its send
API and how it shows buttons. The socket.io channel, which has events instead of
requests, takes its messages through steps 2, 4, 6 and 7 (:class:`InboundChannel`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels import admission, safety_net, seen
from bot.channels.delivery import OnNewMessage, deliver_after_save
from bot.channels.payload import RequestError, clean_text, load_json
from bot.channels.seen import SeenIds
from bot.channels.wording import MEDIA_ONLY, phrase
from bot.identity import conversation_id

logger = logging.getLogger(__name__)

# how long a stopping server waits for the messages it acknowledged: more than the action
# timeout (5 s) and a save, less than the 20 s the launcher gives the Rasa server
DRAIN_SECONDS = 15.0


@dataclass(frozen=True)
class Incoming:
    """One message as a connector read it from a request, before its text is cleaned."""

    sender: str  # the platform's id of who wrote: chat, user, phone number, REST sender
    text: str | None  # None: only media (a photo, a voice note, a file)
    message_id: str | None = None  # the platform's id, kept in the tracker
    keys: tuple[str, ...] = ()  # seen lately: a redelivery, dropped
    metadata: dict[str, Any] | None = None  # what the channel knows ({"country": "GB"})
    chat: str | None = None  # where replies go when not to ``sender`` (a Slack channel)
    thread: str | None = None  # the thread to reply in (Slack)
    press: str | None = None  # a button press to acknowledge (Telegram's callback query id)


Found = Sequence[Incoming] | HTTPResponse  # the messages, or the platform's own answer
Answer = HTTPResponse | ResponseStream  # to a request (REST can stream its replies)


class InboundChannel(InputChannel):
    """A channel whose messages reach Rasa through :meth:`answer`: cleaned, always answered."""

    def conversation(self, platform_id: str) -> str:
        """The conversation id of ``platform_id``: ``<channel name>:<platform id>``."""
        return conversation_id(self.name(), platform_id)

    def handler(self, on_new_message: OnNewMessage) -> OnNewMessage:
        """``on_new_message`` behind the server's gate, always answering.

        A message past the gate's queue is told the bot is busy (:mod:`.admission`); one
        let in is answered through :func:`deliver_after_save`. What a failure reply needs
        is loaded now, as the server starts, and the gate is sized.
        """
        safety_net.prepare()
        admission.gate()
        return admission.admitted(deliver_after_save(on_new_message))

    async def answer(
        self,
        incoming: Incoming,
        output: OutputChannel,
        handle: OnNewMessage,
        conversation: str | None = None,
    ) -> None:
        """Have Rasa answer ``incoming`` through ``handle`` (a :meth:`handler`).

        A message without text is asked for text instead. ``conversation`` is its
        conversation id, when not :meth:`conversation` of its sender.
        """
        await self.before_handling(incoming, output)
        if incoming.text is None:
            await output.send_text_message(incoming.sender, phrase(MEDIA_ONLY))
        else:
            await handle(self.user_message(incoming, output, conversation))

    async def before_handling(self, incoming: Incoming, output: OutputChannel) -> None:
        """What the platform wants done first (Telegram: stop a button's spinner)."""

    def user_message(
        self, incoming: Incoming, output: OutputChannel, conversation: str | None = None
    ) -> UserMessage:
        """The message for Rasa, its text cleaned and cut (the one place that does)."""
        return UserMessage(
            clean_text(incoming.text or ""),
            output,
            conversation or self.conversation(incoming.sender),
            input_channel=self.name(),
            message_id=incoming.message_id,
            metadata=incoming.metadata,
        )


class WebhookInput(InboundChannel):
    """An input channel that takes its requests through :meth:`receive`.

    Subclasses give :meth:`authenticate`, :meth:`parse` and :meth:`output_for`, and may
    change :meth:`read` (JSON by default), :meth:`acknowledge`, :meth:`refuse`,
    :meth:`health` and :meth:`deliver`.
    """

    @classmethod
    def checked(cls, credentials: dict[str, Any] | None) -> dict[str, Any]:
        """``credentials``, or a clear error when the credentials file has none."""
        if not credentials:
            raise RasaException(
                f"The {cls.name()} channel has no credentials: see docs/channels.md."
            )
        return credentials

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------ what connectors give

    def authenticate(self, request: Request) -> HTTPResponse | None:
        """The refusal of a request that is not the platform's (401/403), or None."""
        raise NotImplementedError

    def read(self, request: Request) -> Any:
        """The request body, decoded and its nesting checked (:class:`RequestError`)."""
        return load_json(request.body)

    def parse(self, body: Any, request: Request) -> Found:
        """The messages in ``body``, or an answer of the platform's own (a challenge).

        Raises:
            RequestError: the body is not shaped as the platform sends it.
        """
        raise NotImplementedError

    def output_for(self, incoming: Incoming) -> OutputChannel:
        """Where the replies to ``incoming`` go."""
        raise NotImplementedError

    def acknowledge(self, request: Request) -> HTTPResponse:
        """The answer to a request whose messages are being handled."""
        return response.text("ok")

    # ------------------------------------------------------------ the pipeline

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Routes: ``GET /`` (health) and ``POST /webhook`` (the platform's requests)."""
        handle = self.handler(on_new_message)
        hooks = Blueprint(f"lems_{self.name()}_webhook", __name__)

        @hooks.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return await self.health(request)

        @hooks.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> Answer:
            return await self.receive(request, handle)

        @hooks.listener("before_server_stop")
        async def finish_acknowledged(*_: Any) -> None:
            await self.drain()

        return hooks

    async def drain(self, timeout: float = DRAIN_SECONDS) -> None:
        """Wait for the messages being handled in the background, at most ``timeout`` s."""
        pending = set(self._tasks)
        if not pending:
            return
        logger.info("%s: finishing %d message(s) before stopping.", self.name(), len(pending))
        _, left = await asyncio.wait(pending, timeout=timeout)
        if left:
            logger.error(
                "%s: %d message(s) were still being handled after %.0f s; stopped anyway.",
                self.name(),
                len(left),
                timeout,
            )

    async def health(self, request: Request) -> HTTPResponse:
        """The answer to ``GET /``: the channel is up."""
        return response.json({"status": "ok"})

    async def receive(self, request: Request, handle: OnNewMessage) -> Answer:
        """Take one request through the steps of this module's docstring."""
        refusal = self.authenticate(request)
        if refusal is not None:
            return refusal
        try:
            found = self.parse(self.read(request), request)
        except RequestError as problem:
            logger.info("%s: refused a request: %s", self.name(), problem)
            return self.refuse(str(problem))
        if isinstance(found, HTTPResponse):
            return found
        seen_ids = self.seen_ids(request)
        fresh = [incoming for incoming in found if self.first_time(incoming, seen_ids)]
        return await self.deliver(request, fresh, handle)

    def refuse(self, problem: str) -> HTTPResponse:
        """The 400 answer to a request that cannot be read."""
        return response.text(f"unreadable request: {problem}", status=400)

    def seen_ids(self, request: Request) -> SeenIds:
        """Where the keys of messages seen are kept: with the server's conversations."""
        agent = getattr(request.app.ctx, "agent", None)
        return seen.for_store(getattr(agent, "tracker_store", None))

    def first_time(self, incoming: Incoming, seen_ids: SeenIds) -> bool:
        """Record every key of ``incoming``; False when any of them was seen lately."""
        fresh = [seen_ids.first_time(self.name(), key) for key in incoming.keys]
        return all(fresh)

    async def deliver(
        self, request: Request, found: Sequence[Incoming], handle: OnNewMessage
    ) -> Answer:
        """Handle each message in the background; acknowledge the request at once."""
        for incoming in found:
            self.run_later(self.answer(incoming, self.output_for(incoming), handle))
        return self.acknowledge(request)

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
