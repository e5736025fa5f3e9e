"""A bounded load test: concurrent senders, each asking a fixed series of questions.

Every sender asks its questions one after another (as a person would) while all senders
run at once. Each question has a known answer, so a lost, duplicated or crossed reply is
seen: the reply must hold the answer to *that* question, from *that* sender. With several
server URLs, a sender's messages go to them in turn (round robin).

``run_load(url, senders, messages_per_sender, timeout)`` is for the tests (a short run)
and the benchmark (a longer one); the total ``timeout`` bounds the whole run.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from harness.questions import answers, question_for

REST_PATH = "/webhooks/rest/webhook"
REQUEST_SECONDS = 60.0  # one request's limit, within the run's total


@dataclass(frozen=True)
class Turn:
    """One message and what came back."""

    sender: str
    index: int
    question: str
    expected: str  # the outcome key its answer carries
    seconds: float
    status: int | None = None
    reply: str = ""
    error: str | None = None  # None when the right answer came back

    @property
    def ok(self) -> bool:
        """Whether this turn got the answer to its own question."""
        return self.error is None


@dataclass
class LoadResult:
    """All turns of a run, by sender, in the order each sender sent them."""

    senders: int
    messages_per_sender: int
    elapsed: float = 0.0
    turns: dict[str, list[Turn]] = field(default_factory=dict)

    @property
    def all_turns(self) -> list[Turn]:
        """Every turn made."""
        return [turn for turns in self.turns.values() for turn in turns]

    @property
    def errors(self) -> list[str]:
        """What went wrong, one line per failed or missing turn."""
        found = [f"{t.sender} #{t.index}: {t.error}" for t in self.all_turns if t.error]
        for sender, turns in self.turns.items():
            if len(turns) < self.messages_per_sender:
                found.append(f"{sender}: {self.messages_per_sender - len(turns)} turn(s) not made")
        return found

    @property
    def ok(self) -> bool:
        """Whether every message of every sender got its own answer, in order."""
        return not self.errors and len(self.turns) == self.senders

    def latency(self, quantile: float) -> float:
        """A quantile (0 to 1) of the successful turns' seconds (nearest rank)."""
        seconds = sorted(t.seconds for t in self.all_turns if t.ok)
        if not seconds:
            return float("nan")
        return seconds[min(len(seconds) - 1, int(quantile * len(seconds)))]

    def summary(self) -> str:
        """One line for a report."""
        made = len(self.all_turns)
        return (
            f"{self.senders} senders x {self.messages_per_sender} messages: {made} sent, "
            f"{len(self.errors)} errors, {made / self.elapsed:.1f} msg/s, "
            f"p50 {self.latency(0.5):.2f} s, p95 {self.latency(0.95):.2f} s"
        )


async def _ask(
    session: aiohttp.ClientSession, url: str, sender: str, index: int, number: int, limit: float
) -> Turn:
    question, expected = question_for(number, index)
    started = time.monotonic()
    try:
        async with session.post(
            url.rstrip("/") + REST_PATH,
            json={"sender": sender, "message": question},
            timeout=aiohttp.ClientTimeout(total=limit),
        ) as response:
            status = response.status
            body = await response.json(content_type=None) if status == 200 else None
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        seconds = time.monotonic() - started
        return Turn(sender, index, question, expected, seconds, error=type(error).__name__)
    seconds = time.monotonic() - started
    if status != 200 or not isinstance(body, list):
        return Turn(sender, index, question, expected, seconds, status, error=f"HTTP {status}")
    reply = "\n".join(str(r.get("text", "")) for r in body if isinstance(r, dict))
    wrong_sender = [r for r in body if isinstance(r, dict) and r.get("recipient_id") != sender]
    problem = None
    if wrong_sender:
        problem = "a reply for another sender"
    elif not answers(body, expected):
        problem = f"expected the key {expected!r} in the reply to {question!r}: {reply!r}"
    return Turn(sender, index, question, expected, seconds, status, reply, problem)


async def run_load_async(
    urls: str | Sequence[str],
    senders: int,
    messages_per_sender: int,
    timeout: float,
    prefix: str | None = None,
) -> LoadResult:
    """:func:`run_load` in a running event loop."""
    targets = [urls] if isinstance(urls, str) else list(urls)
    prefix = prefix or f"load-{uuid.uuid4().hex[:8]}"
    result = LoadResult(senders, messages_per_sender)
    deadline = time.monotonic() + timeout
    started = time.monotonic()

    async def converse(session: aiohttp.ClientSession, number: int) -> None:
        sender = f"{prefix}-{number:03d}"
        turns = result.turns.setdefault(sender, [])
        for index in range(messages_per_sender):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            url = targets[(number + index) % len(targets)]
            turn = await _ask(session, url, sender, index, number, min(REQUEST_SECONDS, left))
            turns.append(turn)

    connector = aiohttp.TCPConnector(limit=senders)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(converse(session, n) for n in range(senders)))
    result.elapsed = time.monotonic() - started
    return result


def run_load(
    url: str | Sequence[str],
    senders: int = 20,
    messages_per_sender: int = 5,
    timeout: float = 300.0,
    prefix: str | None = None,
) -> LoadResult:
    """Run ``senders`` concurrent conversations of ``messages_per_sender`` questions.

    Args:
        url: the Rasa server's base URL, or several (a sender's messages go round them).
        senders: how many conversations run at once.
        messages_per_sender: questions per conversation, asked one after another.
        timeout: seconds for the whole run; turns not made by then count as errors.
        prefix: the start of every sender id (a fresh one by default).

    Returns:
        Every turn, by sender and in order; ``ok`` tells whether all were answered right.
    """
    return asyncio.run(run_load_async(url, senders, messages_per_sender, timeout, prefix))
