"""An asyncio + aiohttp client for Rasa's REST channel, bounded in count and time.

Every request has its own timeout, and every run a total deadline: nothing here loops
until a server answers or forever.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import aiohttp

from bench.stats import LatencySummary

REST_PATH = "/webhooks/rest/webhook"


ANSWERED = "answered"  # the kind of a reply a classifier does not single out

# what a JSON list of replies is, by its texts: "answered", or a kind such as "busy"
Classify = Callable[[Sequence[str]], str]


@dataclass(frozen=True)
class Outcome:
    """One request: how long it took and whether it got a proper answer."""

    seconds: float
    error: str | None = None  # None for an HTTP 200 with a JSON list
    kind: str = ANSWERED  # what the reply was, when a classifier was given

    @property
    def ok(self) -> bool:
        """Whether the request succeeded."""
        return self.error is None


@dataclass
class LoadResult:
    """What one run of senders got."""

    senders: int
    per_sender: int
    elapsed: float
    outcomes: list[Outcome] = field(default_factory=list)
    unsent: int = 0  # requests not made because the total deadline passed

    @property
    def ok(self) -> int:
        """Successful requests."""
        return sum(o.ok for o in self.outcomes)

    @property
    def errors(self) -> int:
        """Failed requests, counting those the deadline left unsent."""
        return len(self.outcomes) - self.ok + self.unsent

    @property
    def throughput(self) -> float:
        """Successful messages per second of wall time."""
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def latency(self) -> LatencySummary:
        """Latencies of the successful requests."""
        return LatencySummary.of([o.seconds for o in self.outcomes if o.ok])

    def kinds(self) -> dict[str, int]:
        """How many successful requests got each kind of reply."""
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            if outcome.ok:
                counts[outcome.kind] = counts.get(outcome.kind, 0) + 1
        return counts

    def error_kinds(self) -> dict[str, int]:
        """How many of each error were seen."""
        kinds: dict[str, int] = {}
        for outcome in self.outcomes:
            if outcome.error is not None:
                kinds[outcome.error] = kinds.get(outcome.error, 0) + 1
        if self.unsent:
            kinds["not sent before the deadline"] = self.unsent
        return kinds


def error_kind(error: BaseException) -> str:
    """A failed request's kind: its exception's name, and the system's reason if any.

    For example "ClientConnectorError (Connection refused)".
    """
    cause = getattr(error, "os_error", error)
    code = cause.errno if isinstance(cause, OSError) else None
    reason = os.strerror(code) if code else None
    return f"{type(error).__name__} ({reason})" if reason else type(error).__name__


async def post_message(
    session: aiohttp.ClientSession,
    url: str,
    sender: str,
    message: str,
    timeout: float,
    classify: Classify | None = None,
) -> Outcome:
    """POST one message to a REST webhook; never raises. ``classify`` names its reply."""
    started = time.perf_counter()
    try:
        async with session.post(
            url,
            json={"sender": sender, "message": message},
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            if response.status != 200:
                await response.read()
                return Outcome(time.perf_counter() - started, f"HTTP {response.status}")
            body = await response.json(content_type=None)
            took = time.perf_counter() - started
            if not isinstance(body, list):
                return Outcome(took, "reply is not a JSON list")
            if classify is None:
                return Outcome(took)
            texts = [str(r.get("text", "")) for r in body if isinstance(r, dict)]
            return Outcome(took, kind=classify(texts))
    except asyncio.TimeoutError:
        return Outcome(time.perf_counter() - started, f"timeout ({timeout:g} s)")
    except (aiohttp.ClientError, ValueError, OSError) as exc:
        return Outcome(time.perf_counter() - started, error_kind(exc))


async def _sender(
    session: aiohttp.ClientSession,
    url: str,
    name: str,
    messages: Sequence[str],
    timeout: float,
    deadline: float,
    outcomes: list[Outcome],
    classify: Classify | None = None,
) -> int:
    """Send ``messages`` in order as ``name``; return how many the deadline left unsent."""
    for index, message in enumerate(messages):
        left = deadline - time.monotonic()
        if left <= 0:
            return len(messages) - index
        outcome = await post_message(session, url, name, message, min(timeout, left), classify)
        outcomes.append(outcome)
    return 0


async def run_senders(
    url: str,
    messages: Sequence[str],
    senders: int,
    per_sender: int,
    timeout: float = 30.0,
    total_seconds: float = 180.0,
    conversation_length: int = 10,
    prefix: str = "bench",
    classify: Classify | None = None,
) -> LoadResult:
    """``senders`` concurrent clients, each sending ``per_sender`` messages one by one.

    Messages are taken in turn from ``messages``; each client starts a new conversation
    (sender id) every ``conversation_length`` messages, as patients ask a few questions
    each.

    Args:
        url: the REST webhook.
        messages: the pool of messages to send (cycled).
        senders: concurrent clients.
        per_sender: messages each client sends.
        timeout: seconds allowed per request.
        total_seconds: the deadline for the whole run; later requests are not sent.
        conversation_length: messages per conversation.
        prefix: start of every sender id.
        classify: names each reply's kind (:attr:`Outcome.kind`), if given.

    Returns:
        Every request's outcome, and the wall time.
    """
    if not messages:
        raise ValueError("no messages to send")
    pool = itertools.cycle(messages)
    plans = [[next(pool) for _ in range(per_sender)] for _ in range(senders)]
    outcomes: list[list[Outcome]] = [[] for _ in range(senders)]
    connector = aiohttp.TCPConnector(limit=senders, force_close=False)
    started = time.monotonic()
    deadline = started + total_seconds
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = []
        for number, plan in enumerate(plans):
            tasks.append(
                _conversations(
                    session,
                    url,
                    f"{prefix}-{number}",
                    plan,
                    conversation_length,
                    timeout,
                    deadline,
                    outcomes[number],
                    classify,
                )
            )
        unsent = await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    flat = [o for per in outcomes for o in per]
    return LoadResult(senders, per_sender, elapsed, flat, unsent=sum(unsent))


async def _conversations(
    session: aiohttp.ClientSession,
    url: str,
    name: str,
    plan: Sequence[str],
    conversation_length: int,
    timeout: float,
    deadline: float,
    outcomes: list[Outcome],
    classify: Classify | None = None,
) -> int:
    unsent = 0
    for number, start in enumerate(range(0, len(plan), conversation_length)):
        chunk = plan[start : start + conversation_length]
        if unsent:
            unsent += len(chunk)
            continue
        unsent = await _sender(
            session, url, f"{name}-{number}", chunk, timeout, deadline, outcomes, classify
        )
    return unsent


async def alternating(
    targets: Sequence[tuple[str, Sequence[str]]],
    count: int,
    timeout: float = 30.0,
    total_seconds: float = 180.0,
    conversation_length: int = 10,
    prefix: str = "seq",
    block: int | None = None,
) -> list[LoadResult]:
    """``count`` messages to each webhook, one at a time, the webhooks taking turns.

    Each ``(url, messages)`` target gets its own messages (cycled), as conversations of
    ``conversation_length`` messages sent back to back; the targets take turns by
    conversation, or by ``block`` messages when given (a long conversation in
    stretches). Taking turns, rather than measuring one bot and then the other, gives
    them the same machine: a busy spell of other programs slows both alike. Whole
    conversations (or stretches), rather than single messages, keep each bot as warm as when it is
    measured alone (a server that waits between messages, as while the other bot
    answers, wakes its idle threads more slowly).

    Returns:
        One result per target, in order (``senders`` is 1).
    """
    if any(not messages for _, messages in targets):
        raise ValueError("no messages to send")
    pools = [itertools.cycle(messages) for _, messages in targets]
    outcomes: list[list[Outcome]] = [[] for _ in targets]
    unsent = [0 for _ in targets]
    started = time.monotonic()
    deadline = started + total_seconds
    step = block or conversation_length
    async with aiohttp.ClientSession() as session:
        for first in range(0, count, step):
            for index, (url, _) in enumerate(targets):
                for position in range(first, min(first + step, count)):
                    sender = f"{prefix}-{index}-{position // conversation_length}"
                    left = deadline - time.monotonic()
                    if left <= 0:
                        unsent[index] += 1
                        continue
                    outcome = await post_message(
                        session, url, sender, next(pools[index]), min(timeout, left)
                    )
                    outcomes[index].append(outcome)
    elapsed = time.monotonic() - started
    return [
        LoadResult(1, count, elapsed, outcomes[index], unsent=unsent[index])
        for index in range(len(targets))
    ]


async def first_answer(
    url: str,
    alive: Callable[[], bool],
    deadline_seconds: float,
    message: str = "hello",
    interval: float = 0.1,
) -> float:
    """Seconds until ``url`` first answers ``message`` with a JSON list.

    Args:
        url: the REST webhook.
        alive: tells whether the server process is still running.
        deadline_seconds: give up after this long.
        message: what to send.
        interval: pause between attempts.

    Returns:
        Seconds from the call until the first proper answer.

    Raises:
        RuntimeError: if the process exits or the deadline passes first.
    """
    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        while time.monotonic() - started < deadline_seconds:
            if not alive():
                raise RuntimeError(f"the server for {url} exited before it answered")
            outcome = await post_message(session, url, "bench-ready", message, timeout=30)
            if outcome.ok:
                return time.monotonic() - started
            await asyncio.sleep(interval)
    raise RuntimeError(f"{url} did not answer within {deadline_seconds:.0f} s")
