"""Back-pressure: at most so many messages handled at once, and a bounded queue.

Rasa handles every message it is given at the same time, on one event loop. Past what the
machine can do, each message waits behind all the others, and the action timeout (which
also counts that wait) gives every one of them the "can't look that up" fallback, as a
normal reply. Here a message is handled only when one of :attr:`Admission.limit` slots is
free; up to :attr:`Admission.queue` more wait their turn, in order. Past that, the patient
is told at once that the bot is busy (phrase ``busy``), after the emergency or crisis
guidance when the safety rules fire on the message (:mod:`bot.channels.safety_net`).

Refusals are logged and counted; the REST channel's ``GET /webhooks/rest/metrics``
(loopback only) shows the counts. The sizes come from ``BOT_MAX_IN_FLIGHT`` and
``BOT_MAX_QUEUED`` (defaults: :func:`default_sizes`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.channels.safety_net import failure_messages
from bot.channels.wording import BUSY

logger = logging.getLogger(__name__)

IN_FLIGHT_VARIABLE = "BOT_MAX_IN_FLIGHT"
QUEUED_VARIABLE = "BOT_MAX_QUEUED"
# per core: a few messages at once keep a core busy while others wait for the action
# server; the queue holds about a second of work at the rate one core answers (bench)
IN_FLIGHT_PER_CORE = 4
QUEUED_PER_CORE = 50

Handle = Callable[[UserMessage], Awaitable[Any]]


@dataclass
class Counts:
    """What the gate has done since the server started."""

    admitted: int = 0  # messages handled (at once or after waiting)
    queued: int = 0  # of those, how many had to wait for a slot
    overloaded: int = 0  # messages answered "busy" instead


class Admission:
    """Lets at most ``limit`` messages be handled at once, ``queue`` more wait, in order."""

    def __init__(self, limit: int, queue: int) -> None:
        if limit < 1 or queue < 0:
            raise ValueError(f"need limit >= 1 and queue >= 0, got {limit} and {queue}")
        self.limit = limit
        self.queue = queue
        self.counts = Counts()
        self.in_flight = 0
        self._waiting: deque[asyncio.Future[None]] = deque()  # in order of arrival
        self._queued = 0

    @property
    def waiting(self) -> int:
        """Messages waiting for a slot now."""
        return self._queued

    async def run(self, work: Callable[[], Awaitable[Any]]) -> bool:
        """Run ``work`` when a slot is free; False, at once, when the queue is full too."""
        if self.in_flight >= self.limit:
            if self._queued >= self.queue:
                self.counts.overloaded += 1
                return False
            await self._wait_turn()
        else:
            self.in_flight += 1
        self.counts.admitted += 1
        try:
            await work()
        finally:
            self._pass_slot()
        return True

    async def _wait_turn(self) -> None:
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        self._queued += 1
        self.counts.queued += 1
        try:
            await turn  # the slot is handed over by _pass_slot, already counted
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._pass_slot()  # given a slot just as it was cancelled: pass it on
            raise
        finally:
            self._queued -= 1

    def _pass_slot(self) -> None:
        """Hand the slot to the next message still waiting, or free it."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.in_flight -= 1

    def metrics(self) -> dict[str, int]:
        """The gate's sizes, its state now and its counts, for the metrics endpoint."""
        return {
            "max_in_flight": self.limit,
            "max_queued": self.queue,
            "in_flight": self.in_flight,
            "waiting": self.waiting,
            "admitted": self.counts.admitted,
            "queued": self.counts.queued,
            "overloaded": self.counts.overloaded,
        }


def default_sizes(cores: int | None = None) -> tuple[int, int]:
    """The slots and queue places for a machine with ``cores`` cores (this one's)."""
    count = max(1, (os.cpu_count() or 1) if cores is None else cores)
    return IN_FLIGHT_PER_CORE * count, QUEUED_PER_CORE * count


def _size(env: Mapping[str, str], name: str, default: int, *, least: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < least:
        raise SystemExit(f"{name} must be a whole number of at least {least}, got '{raw}'")
    return int(raw)


def from_environment(env: Mapping[str, str] = os.environ) -> Admission:
    """The gate sized by ``BOT_MAX_IN_FLIGHT`` and ``BOT_MAX_QUEUED``, else by the cores."""
    limit, queue = default_sizes()
    return Admission(
        _size(env, IN_FLIGHT_VARIABLE, limit, least=1), _size(env, QUEUED_VARIABLE, queue, least=0)
    )


@lru_cache(maxsize=1)
def gate() -> Admission:
    """The one gate of this server process, shared by all its channels."""
    admission = from_environment()
    logger.info(
        "Handling at most %d messages at once, with %d more waiting.",
        admission.limit,
        admission.queue,
    )
    return admission


def admitted(handle: Handle, admission: Admission | None = None) -> Handle:
    """``handle`` behind the gate: a message past the queue is told the bot is busy."""

    async def handle_when_admitted(message: UserMessage) -> None:
        gated = admission or gate()
        if await gated.run(lambda: handle(message)):
            return
        logger.warning(
            "Overloaded: a %s message was answered 'busy' (%d so far; %d in flight, %d waiting).",
            message.input_channel,
            gated.counts.overloaded,
            gated.in_flight,
            gated.waiting,
        )
        for reply in failure_messages(message.text, message.metadata, BUSY):
            await message.output_channel.send_response(message.sender_id, reply)

    return handle_when_admitted
